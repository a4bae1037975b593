"""The world of the visit log's tests: a cadre of county.village linked to county.cadre's account, two
households of the village and one of the neighbouring village, the cadre paired with the first."""

import datetime
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.core.files.storage import storages
from django.utils import timezone

from meetings.models import Pairing, Policy
from portal.models import Cadre, CadrePost, Household
from tests.factories import CadreFactory, CadrePostFactory, HouseholdFactory


@dataclass
class VisitWorld:
    cadre: Cadre
    other_cadre: Cadre  # same village, no account
    household: Household  # paired with `cadre`
    unpaired: Household  # same village, paired with nobody
    neighbours: Household  # another village of the township
    pairing: Pairing
    policy: Policy


@pytest.fixture
def vw(county) -> VisitWorld:
    cadre = CadreFactory(village=county.village, name="Alim Secretary", user=county.cadre)
    CadrePostFactory(cadre=cadre, post=CadrePost.Post.PARTY_SECRETARY, term_start=2021)
    other = CadreFactory(village=county.village, name="Gulnar Member")
    CadrePostFactory(cadre=other, post=CadrePost.Post.TEAM_MEMBER, term_start=2023)
    household = HouseholdFactory(village=county.village, number="001")
    unpaired = HouseholdFactory(village=county.village, number="002")
    neighbours = HouseholdFactory(village=county.neighbour, number="001")
    start = timezone.localdate() - datetime.timedelta(days=90)
    pairing = Pairing.objects.create(cadre=cadre, household=household, start=start)
    policy = Policy.objects.create(township=county.township, name="Minimum living allowance")
    return VisitWorld(cadre, other, household, unpaired, neighbours, pairing, policy)


@pytest.fixture
def visit_photos():
    """The folder of visit photos (settings.STORAGES["visit_photos"]); the files a test wrote are removed."""
    storage = storages["visit_photos"]
    location = Path(storage.location)
    before = set(location.rglob("*")) if location.exists() else set()
    yield location
    for path in set(location.rglob("*")) - before:
        if path.is_file():
            path.unlink()
