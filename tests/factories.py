"""Factories for test data: valid by default, every object in a real database."""

import datetime

import factory
from django.contrib.auth import get_user_model

from portal import idcard
from portal.models import Cadre, CadrePost, Household, Resident, Township, Village


def valid_id_number(serial: int, birth_year: int = 1970, region: str = "653101") -> str:
    """A well-formed ID number with the right check symbol; `serial` keeps it unique."""
    return idcard.with_check_symbol(f"{region}{birth_year}0101{serial % 1000:03d}")


def factory_id_number(n: int) -> str:
    """The n-th resident's ID number: one person each, across villages and tests (one person, one roll).

    Another region code than `valid_id_number`'s, so that no number a test writes into a roll file is
    already some factory resident's; the birth date (in 1970) and the serial count up to 365,000.
    """
    born = datetime.date(1970, 1, 1) + datetime.timedelta(days=n // 1000 % 365)
    return idcard.with_check_symbol(f"653102{born:%Y%m%d}{n % 1000:03d}")


class TownshipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Township
        django_get_or_create = ("code",)

    name = factory.Sequence(lambda n: f"Township {n}")
    code = factory.Sequence(lambda n: f"653101{n:03d}")
    county = "Kashgar"


class VillageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Village

    township = factory.SubFactory(TownshipFactory)
    name = factory.Sequence(lambda n: f"Village {n}")
    # 500–999: clear of the fixed codes tests give their villages (…201, …202), whatever the sequence.
    code = factory.LazyAttributeSequence(lambda o, n: f"{o.township.code}{500 + n % 500:03d}")


class HouseholdFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Household

    village = factory.SubFactory(VillageFactory)
    number = factory.Sequence(lambda n: f"H{n:04d}")


class ResidentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Resident

    household = factory.SubFactory(HouseholdFactory)
    village = factory.SelfAttribute("household.village")
    name = factory.Sequence(lambda n: f"Resident {n}")
    gender = Resident.Gender.FEMALE
    birth_year = 1970
    id_hash = factory.LazyAttribute(lambda resident: idcard.id_number_hash(resident.id_number))
    id_last4 = factory.LazyAttribute(lambda resident: resident.id_number[-4:])

    class Params:
        id_number = factory.Sequence(factory_id_number)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("correct horse battery staple")


class CadreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Cadre

    village = factory.SubFactory(VillageFactory)
    name = factory.Sequence(lambda n: f"Cadre {n}")
    gender = Resident.Gender.MALE


class CadrePostFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CadrePost

    cadre = factory.SubFactory(CadreFactory)
    post = CadrePost.Post.COMMITTEE_MEMBER
    term_start = 2021
