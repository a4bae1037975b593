"""The three sample rolls of docs/samples import as a village would expect."""

import datetime
import io
from pathlib import Path

import pytest
from django.core.management import call_command

from docs.samples import make_samples
from portal.models import AuditEntry, Household, Resident
from portal.services.roll import roll_import

SAMPLES = Path(__file__).resolve().parents[2] / "docs" / "samples"

pytestmark = pytest.mark.usefixtures("english")

# file → residents, households, Party members, representatives, under 18 left out. The children are
# born 2014 or later, so the counts hold until 2032.
EXPECTED = {
    "huamingce-bostan.xlsx": (15, 6, 5, 4, 3),
    "roll-yulghun-gb18030.csv": (9, 5, 3, 3, 1),
    "roll-aral-uyghur.xlsx": (6, 3, 3, 2, 1),
}


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def test_the_counts_hold_this_year():
    assert datetime.date.today().year < 2032, "a sample's child has turned 18: update EXPECTED"


@pytest.mark.parametrize("name", list(EXPECTED))
def test_each_sample_imports_with_its_households_members_and_representatives(county, name):
    residents, households, party, representatives, left_out = EXPECTED[name]

    result = roll_import(village=county.village, content=sample(name), by=county.moderator)

    assert result.ok, [str(error) for error in result.errors]
    assert (result.residents_created, result.households_created, result.left_out) == (
        residents,
        households,
        left_out,
    )
    roll = Resident.objects.filter(village=county.village)
    assert roll.count() == residents
    assert Household.objects.filter(village=county.village).count() == households
    assert roll.filter(party_member=True).count() == party
    assert roll.filter(representative=True).count() == representatives


def test_the_roster_groups_each_household_under_its_head(county):
    roll_import(village=county.village, content=sample("huamingce-bostan.xlsx"), by=county.moderator)

    def members(head):
        household = Household.objects.get(village=county.village, number=head)
        return sorted(household.residents.values_list("name", flat=True))

    # The grandchild (born 2016) is on the roster, not on the roll.
    assert members("阿不都热合曼·吐尔逊") == ["帕提古丽·买买提", "艾力·阿不都热合曼", "阿不都热合曼·吐尔逊"]
    assert members("王建国") == ["李秀兰", "王丽", "王建国"]
    wang_li = Resident.objects.get(village=county.village, name="王丽")
    assert (wang_li.gender, wang_li.birth_year, wang_li.party_member) == ("F", 1990, True)  # 中共预备党员
    assert not Resident.objects.get(village=county.village, name="艾力·阿不都热合曼").party_member  # 共青团员
    assert Resident.objects.get(village=county.village, name="热依拉·司马义").representative  # 村民代表、…


def test_the_uyghur_roster_reads_uyghur_genders_and_heads(county):
    roll_import(village=county.village, content=sample("roll-aral-uyghur.xlsx"), by=county.moderator)

    maryam = Resident.objects.get(village=county.village, name="مەريەم ئابلىز")
    assert (maryam.gender, maryam.birth_year, maryam.household.number) == ("F", 1972, "ئابدۇكېرىم قادىر")


def test_the_command_imports_a_sample(county):
    out = io.StringIO()
    call_command(
        "import_roll", "--village", county.village.code, str(SAMPLES / "roll-yulghun-gb18030.csv"), stdout=out
    )
    assert "Imported 9 resident(s) and created 5 household(s)" in out.getvalue()
    assert "1 person(s) under 18 were left out" in out.getvalue()
    assert AuditEntry.objects.get(action="roll_import").details == {"residents": 9, "households": 5}


def test_the_samples_are_what_the_script_writes():
    """The committed files hold the script's people (the bytes of an XLSX carry a timestamp)."""
    assert sample("roll-yulghun-gb18030.csv") == make_samples.yulghun_csv()
