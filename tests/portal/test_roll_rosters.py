"""Rolls as villages keep them: titles above the header, columns under their usual names, households
under their heads, and what Excel does to ID numbers. Each problem is named by its line; nothing is
written while any remains."""

import datetime
import io

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from portal.idcard import check_symbol
from portal.models import Household, Resident
from portal.roll_import import parse_roll
from portal.services.roll import roll_import
from tests.factories import valid_id_number

pytestmark = pytest.mark.usefixtures("english")

ROSTER = ["序号", "户主姓名", "与户主关系", "姓名", "性别", "出生日期", "公民身份号码", "政治面貌", "备注"]


def xlsx(rows) -> bytes:
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def person(
    serial,
    relationship="户主",
    *,
    head=None,
    name=None,
    gender=None,
    born="1970-01-01",
    status="群众",
    remark="",
):
    """A roster row; `valid_id_number(serial)` is born 1970-01-01, a man when the serial is odd."""
    sex = gender if gender is not None else ("男" if serial % 2 else "女")
    return [
        serial,
        head,
        relationship,
        name or f"村民{serial}",
        sex,
        born,
        valid_id_number(serial),
        status,
        remark,
    ]


def roster(*rows, titles=("博斯坦村村民花名册", None)) -> bytes:
    return xlsx([[title] if title else [] for title in titles] + [ROSTER, *rows])


def problems(result):
    return [(error.line, error.message) for error in result.errors]


def only(result):
    assert len(result.errors) == 1, problems(result)
    return result.errors[0].line, result.errors[0].message


# --- The header and its columns ------------------------------------------------------------------------


def test_the_header_is_found_under_title_rows_and_lines_keep_their_numbers(county):
    # title = line 1, blank = line 2, header = line 3, first person = line 4
    content = roster(person(1, head="甲"), person(2, "配偶", gender="?"))
    result = roll_import(village=county.village, content=content, by=county.moderator)
    assert only(result) == (5, "The gender “?” is not understood; write M or F (男 or 女).")


def test_a_file_without_a_recognisable_header_is_refused_naming_what_it_needs(county):
    content = xlsx([["花名册"], ["甲", "乙", "丙"], ["1", "2", "3"]])
    result = roll_import(village=county.village, content=content, by=county.moderator)
    line, message = only(result)
    assert line is None and "No header row was found" in message and "姓名、身份证号" in message


def test_english_and_uyghur_headers_are_known(county):
    rows = [
        ["No.", "Head of household", "Full name", "Sex", "ID number", "Political status"],
        [1, "Ehmet", "Ehmet", "M", valid_id_number(1), "CPC member"],
    ]
    assert roll_import(village=county.village, content=xlsx(rows), by=county.moderator).ok
    rows = [
        ["ئائىلە نومۇرى", "ئىسمى", "جىنسى", "كىملىك نومۇرى", "پارتىيە ئەزاسى"],
        ["7", "ئايشەم", "ئايال", valid_id_number(2), "ھەئە"],
    ]
    assert roll_import(village=county.neighbour, content=xlsx(rows), by=county.township_admin).ok
    aysham = Resident.objects.get(name="ئايشەم")
    assert (aysham.gender, aysham.household.number, aysham.party_member) == ("F", "7", True)


def test_an_unknown_column_is_mapped_by_hand(county):
    rows = [["户号", "姓名", "证件号"], ["1", "阿依古丽", valid_id_number(2)]]
    guessed = parse_roll(xlsx(rows))
    assert guessed.mapping == {0: "household", 1: "name", 2: ""}
    assert (
        "No column holds: ID number (身份证号)"
        in only(roll_import(village=county.village, content=xlsx(rows), by=county.moderator))[1]
    )

    result = roll_import(
        village=county.village,
        content=xlsx(rows),
        by=county.moderator,
        mapping={0: "household", 1: "name", 2: "id_number"},
    )

    assert result.ok, problems(result)
    assert Resident.objects.get(village=county.village).name == "阿依古丽"


def test_a_column_mapped_wrongly_is_corrected_by_hand(county):
    # "户主" here holds a household number, not the head's name: the clerk says so.
    rows = [["户主", "姓名", "身份证号"], ["H-01", "甲", valid_id_number(1)], ["", "乙", valid_id_number(3)]]
    mapping = {0: "household", 1: "name", 2: "id_number"}
    result = roll_import(village=county.village, content=xlsx(rows), by=county.moderator, mapping=mapping)
    assert problems(result) == [(3, "The household is empty.")]


def test_two_columns_mapped_to_one_field_are_refused(county):
    rows = [["姓名", "身份证号", "公民身份号码", "户号"], ["甲", valid_id_number(1), valid_id_number(1), "1"]]
    line, message = only(roll_import(village=county.village, content=xlsx(rows), by=county.moderator))
    assert line == 1
    assert message == (
        "Two columns hold the same thing (ID number): "
        "column B “身份证号” and column C “公民身份号码”; keep one."
    )


def test_a_file_that_cannot_tell_households_apart_is_refused(county):
    rows = [["姓名", "身份证号"], ["甲", valid_id_number(1)]]
    line, message = only(roll_import(village=county.village, content=xlsx(rows), by=county.moderator))
    assert "No column tells the households apart" in message


# --- Households ------------------------------------------------------------------------------------------


def test_a_head_starts_a_household_and_the_rows_below_belong_to_it(county):
    content = roster(
        person(1, name="王建国", head="王建国"),
        person(2, "妻", name="李秀兰"),
        person(3, "本人", name="张伟"),
        person(4, "母亲", name="刘桂英"),
    )
    result = roll_import(village=county.village, content=content, by=county.moderator)

    assert result.ok, problems(result)
    assert result.households_created == 2
    assert Resident.objects.get(name="李秀兰").household.number == "王建国"
    assert Resident.objects.get(name="刘桂英").household.number == "张伟"


def test_two_heads_of_one_name_are_two_households(county):
    content = roster(person(1, name="王伟"), person(2, "妻"), person(3, name="王伟"), person(4, "女"))
    result = roll_import(village=county.village, content=content, by=county.moderator)
    assert result.ok, problems(result)
    labels = set(Household.objects.filter(village=county.village).values_list("number", flat=True))
    assert labels == {"王伟", f"王伟 …{valid_id_number(3)[-4:]}"}


def test_a_member_before_any_head_is_a_problem(county):
    content = roster(person(1, "配偶"), person(2, "户主"))
    line, message = only(roll_import(village=county.village, content=content, by=county.moderator))
    assert line == 4 and message.startswith("No head of household (户主 or 本人) comes before this row")


def test_the_heads_name_on_the_first_row_only_continues_down(county):
    rows = [
        ["户主姓名", "姓名", "身份证号"],
        ["甲", "甲", valid_id_number(1)],
        [None, "乙", valid_id_number(2)],
    ]
    rows += [["丙", "丙", valid_id_number(3)]]
    result = roll_import(village=county.village, content=xlsx(rows), by=county.moderator)
    assert result.ok, problems(result)
    assert Resident.objects.get(name="乙").household.number == "甲"
    assert result.households_created == 2


# --- What the ID number says -----------------------------------------------------------------------------


def test_gender_and_birth_year_come_from_the_id_number(county):
    rows = [
        ["户号", "姓名", "身份证号"],
        ["1", "甲", valid_id_number(1, 1980)],
        ["1", "乙", valid_id_number(2, 1984)],
    ]
    assert roll_import(village=county.village, content=xlsx(rows), by=county.moderator).ok
    assert list(Resident.objects.order_by("name").values_list("name", "gender", "birth_year")) == [
        ("乙", "F", 1984),
        ("甲", "M", 1980),
    ]


def test_a_gender_that_contradicts_the_id_number_is_flagged(county):
    content = roster(person(1, gender="女"))
    assert only(roll_import(village=county.village, content=content, by=county.moderator)) == (
        4,
        "The gender “女” does not match the ID number, which says male.",
    )


@pytest.mark.parametrize("born", ["1971-01-01", "1970-02", "1970.01.02", "19700102"])
def test_a_date_of_birth_that_contradicts_the_id_number_is_flagged(county, born):
    content = roster(person(1, born=born))
    line, message = only(roll_import(village=county.village, content=content, by=county.moderator))
    assert (line, message) == (
        4,
        f"The date of birth {born} does not match the ID number, which says 1970-01-01.",
    )


@pytest.mark.parametrize("born", ["1970-01-01", "1970.01", "1970年1月", "19700101", "1970"])
def test_a_date_of_birth_that_agrees_in_any_usual_form_is_accepted(county, born):
    assert roll_import(village=county.village, content=roster(person(1, born=born)), by=county.moderator).ok


def test_a_date_cell_of_the_workbook_is_compared_too(county):
    row = person(1)
    row[5] = datetime.datetime(1970, 1, 2)
    line, message = only(roll_import(village=county.village, content=roster(row), by=county.moderator))
    assert "does not match the ID number, which says 1970-01-01" in message


# --- What Excel did to the ID number -------------------------------------------------------------------


def with_x() -> str:
    """The first 17 digits of a valid number whose check symbol is X."""
    for serial in range(1, 1000):
        first17 = valid_id_number(serial)[:17]
        if check_symbol(first17) == "X":
            return first17
    raise AssertionError("no serial gives X")


@pytest.mark.parametrize(
    ("cell", "reason"),
    [
        pytest.param(
            float(valid_id_number(1)), "stored as a number and has lost its last digits", id="float"
        ),
        pytest.param(
            int(valid_id_number(1)[:15] + "000"), "stored as a number and has lost", id="zeroed int"
        ),
        pytest.param(valid_id_number(1)[:15] + "000", "stored as a number and has lost", id="zeroed text"),
        pytest.param("6.53101E+17", "“6.53101E+17”: Excel turned it into a number in scientific", id="E+17"),
        pytest.param(with_x(), "has 17 digits and its check symbol would be X", id="X lost"),
    ],
)
def test_an_id_number_excel_turned_into_a_number_is_explained(county, cell, reason):
    rows = [["户号", "姓名", "身份证号"], ["1", "甲", cell]]
    line, message = only(roll_import(village=county.village, content=xlsx(rows), by=county.moderator))
    assert line == 2 and reason in message


def test_a_csv_with_an_id_in_scientific_notation_says_so(county):
    content = "户号,姓名,身份证号\n1,甲,6.53101E+17\n".encode()
    line, message = only(roll_import(village=county.village, content=content, by=county.moderator))
    assert line == 2 and "scientific notation" in message


# --- Party, representatives, minors, duplicates --------------------------------------------------------


def test_party_membership_comes_from_political_status(county):
    statuses = ["中共党员", "中共预备党员", "共青团员", "群众", "致公党党员", ""]
    content = roster(*(person(n + 1, "户主" if n == 0 else "子女", status=s) for n, s in enumerate(statuses)))
    assert roll_import(village=county.village, content=content, by=county.moderator).ok
    members = Resident.objects.filter(party_member=True).values_list("name", flat=True)
    assert sorted(members) == ["村民1", "村民2"]


def test_a_remark_naming_a_villagers_representative_marks_one(county):
    content = roster(
        person(1, remark="村民代表"),
        person(2, "妻", remark="低保户"),
        person(3, "子", remark="村民代表、组长"),
    )
    assert roll_import(village=county.village, content=content, by=county.moderator).ok
    assert sorted(Resident.objects.filter(representative=True).values_list("name", flat=True)) == [
        "村民1",
        "村民3",
    ]


def test_children_on_the_roster_are_left_off_the_roll_and_said_so(county):
    content = roster(person(1), ["", None, "孙女", "小红", "女", "", valid_id_number(4, 2018), "", ""])
    parsed = parse_roll(content)
    assert [str(note) for note in parsed.left_out] == [
        "line 5: 小红: Under 18 this year: not on the voter roll."
    ]

    result = roll_import(village=county.village, content=content, by=county.moderator)

    assert (result.ok, result.residents_created, result.left_out) == (True, 1, 1)
    assert not Resident.objects.filter(name="小红").exists()


def test_a_file_of_children_only_imports_nothing(county):
    rows = [["户号", "姓名", "身份证号"], ["1", "小明", valid_id_number(1, 2019)]]
    line, message = only(roll_import(village=county.village, content=xlsx(rows), by=county.moderator))
    assert message == "No one in the file is old enough for the voter roll."


def test_the_same_person_twice_names_both_lines_and_writes_nothing(county):
    content = roster(person(1), person(2, "妻"), person(3, "户主"), person(1, "父亲", name="又一次"))
    assert problems(roll_import(village=county.village, content=content, by=county.moderator)) == [
        (7, "The same ID number is also on line 4; a person is listed only once.")
    ]
    assert Resident.objects.count() == 0


# --- The command ---------------------------------------------------------------------------------------


def test_the_command_checks_a_file_without_writing(county, tmp_path):
    path = tmp_path / "roll.xlsx"
    path.write_bytes(roster(person(1, head="甲", name="甲"), person(2, "妻", name="乙")))
    out, err = io.StringIO(), io.StringIO()

    call_command(
        "import_roll", "--village", county.village.code, "--check", str(path), stdout=out, stderr=err
    )

    text = out.getvalue()
    assert "Header on line 3:" in text
    assert "G  公民身份号码  ->  id_number" in text and "A  序号  ->  (not imported)" in text
    assert f"line 5: 甲 | 乙 | F | 1970 | …{valid_id_number(2)[-4:]}" in text
    assert "2 resident(s) in 1 household(s) would be imported" in text
    assert Resident.objects.count() == 0


def test_the_command_takes_a_corrected_column(county, tmp_path):
    path = tmp_path / "roll.xlsx"
    path.write_bytes(xlsx([["户号", "姓名", "证件号"], ["1", "甲", valid_id_number(1)]]))
    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command("import_roll", "--village", county.village.code, str(path), stderr=io.StringIO())
    with pytest.raises(CommandError, match="--column Z=id_number: expected a column letter"):
        call_command("import_roll", "--village", county.village.code, "--column", "Z=id_number", str(path))

    call_command(
        "import_roll",
        "--village",
        county.village.code,
        "--column",
        "C=id_number",
        str(path),
        stdout=io.StringIO(),
    )

    assert Resident.objects.filter(village=county.village).count() == 1
