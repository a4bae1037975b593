"""The county's side of preparing a laptop: its signing key, and a village with a registry to send."""

from dataclasses import dataclass

import pytest

from portal import signing
from portal.models import Cadre, CadrePost, Household, Resident
from ratings.ballot import schemes
from tests.factories import CadreFactory, HouseholdFactory, ResidentFactory

# The ID number of one villager of the roll: the file must carry its keyed hash, never the number.
KNOWN_ID_NUMBER = "653102197001011234"


@pytest.fixture
def county_key(tmp_path, settings):
    """This installation's signing key; the same installation also trusts it as the county's, so that a
    file it prepares can be received here (the two-installation test keeps them apart)."""
    settings.SIGNING_KEY_FILE = tmp_path / "signing-key.pem"
    public = signing.public_text(signing.create_key_file(settings.SIGNING_KEY_FILE))
    settings.COUNTY_PUBLIC_KEY = public
    return public


@dataclass
class Registry:
    households: list[Household]
    residents: list[Resident]
    cadres: list[Cadre]


@pytest.fixture
def registry(county) -> Registry:
    """Bostan's registry at the county: two households, five villagers (one off the roll), two cadres
    with their posts (the first holds both top posts), and the default scheme."""
    village = county.village
    homes = [HouseholdFactory(village=village, number=number) for number in ("B-01", "B-02")]
    people = [
        ResidentFactory(household=homes[0], name="Aygul Tursun", id_number=KNOWN_ID_NUMBER),
        ResidentFactory(household=homes[0], name="Mamat Ali", representative=True),
        ResidentFactory(household=homes[1], name="Rozi Niyaz", party_member=True),
        ResidentFactory(household=homes[1], name="Patigul Ehmet"),
        ResidentFactory(household=homes[1], name="Ehmet Qadir", active=False),
    ]
    leaders = [
        CadreFactory(village=village, name="Tursun Mamat"),
        CadreFactory(village=village, name="Li Hua"),
    ]
    CadrePost.objects.create(cadre=leaders[0], post=CadrePost.Post.PARTY_SECRETARY, term_start=2021)
    CadrePost.objects.create(cadre=leaders[0], post=CadrePost.Post.COMMITTEE_DIRECTOR, term_start=2021)
    CadrePost.objects.create(
        cadre=leaders[1], post=CadrePost.Post.FIRST_SECRETARY, term_start=2023, term_end=2025
    )
    schemes.default_scheme()
    return Registry(homes, people, leaders)
