"""The roll import reads a villager's Uyghur name from its own column (portal/roll_import/columns.py)."""

import pytest

from portal.models import Household, Resident
from portal.services.roll import roll_import
from tests.factories import valid_id_number

pytestmark = pytest.mark.usefixtures("english")


def roll(header: str, *rows: str) -> bytes:
    return "\n".join([header, *rows]).encode()


@pytest.mark.parametrize("uyghur_header", ["ئىسمى", "Uyghur name", "维吾尔文姓名", " 维文姓名 "])
def test_a_uyghur_name_column_is_imported_beside_the_chinese_name(county, uyghur_header):
    content = roll(
        f"户号,姓名,{uyghur_header},出生年份,身份证号",
        f"H1,阿依古丽,ئايگۈل,1970,{valid_id_number(2, 1970)}",
        f"H1,买买提,,1972,{valid_id_number(3, 1972)}",
    )
    result = roll_import(village=county.village, content=content, by=county.moderator)

    assert result.ok, [str(error) for error in result.errors]
    names = dict(Resident.objects.filter(village=county.village).values_list("name", "name_ug"))
    assert names == {"阿依古丽": "ئايگۈل", "买买提": ""}


def test_a_roll_with_only_a_uyghur_name_header_keeps_it_as_the_name(county):
    content = roll("ئائىلە نومۇرى,ئىسمى,كىملىك نومۇرى", f"H1,ئايگۈل,{valid_id_number(2, 1970)}")
    result = roll_import(village=county.village, content=content, by=county.moderator)

    assert result.ok, [str(error) for error in result.errors]
    assert Resident.objects.get(village=county.village).name == "ئايگۈل"


def test_a_household_known_by_its_head_takes_the_heads_uyghur_name(county):
    content = roll(
        "户主姓名,与户主关系,姓名,维吾尔文姓名,身份证号",
        f"艾力,户主,艾力,ئەلى,{valid_id_number(1, 1960)}",
        f",配偶,阿依古丽,ئايگۈل,{valid_id_number(2, 1962)}",
    )
    result = roll_import(village=county.village, content=content, by=county.moderator)

    assert result.ok, [str(error) for error in result.errors]
    household = Household.objects.get(village=county.village)
    assert (household.number, household.name_ug) == ("艾力", "ئەلى")


def test_a_uyghur_name_too_long_is_refused_on_its_line(county):
    content = roll("户号,姓名,维吾尔文姓名,身份证号", f"H1,阿依古丽,{'ئا' * 60},{valid_id_number(2, 1970)}")
    result = roll_import(village=county.village, content=content, by=county.moderator)

    assert not result.ok
    assert [(error.line, error.message) for error in result.errors] == [
        (2, "The name in Uyghur is longer than 100 characters.")
    ]
    assert not Resident.objects.filter(village=county.village).exists()
