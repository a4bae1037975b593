"""The voter-roll import: the file reader, the all-or-nothing service, the command and the staff page."""

import datetime
import io
import threading
import time
import zipfile

import openpyxl
import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.test import override_settings
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from portal import idcard
from portal.audit import verify_chain
from portal.models import AuditEntry, Household, Resident
from portal.roll_import import MAX_ROWS, parse_roll
from portal.services.roll import roll_import
from tests.factories import HouseholdFactory, ResidentFactory, valid_id_number

HEADER = "household,name,gender,birth_year,id_number,party_member,representative"
THIS_YEAR = datetime.date.today().year


pytestmark = pytest.mark.usefixtures("english")


def line(serial, birth_year=1970, *, household="H1", name=None, gender=None, party="否", representative="否"):
    """A row of HEADER; the gender is the ID number's unless given (an odd serial is a man's)."""
    number = valid_id_number(serial, birth_year)
    gender = ("M" if serial % 2 else "F") if gender is None else gender
    return (
        f"{household},{name or f'Villager {serial}'},{gender},{birth_year},{number},{party},{representative}"
    )


def csv_file(*lines, header=HEADER, encoding="utf-8"):
    return "\n".join([header, *lines]).encode(encoding)


def xlsx_file(rows):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def counts(village):
    return (
        Resident.objects.filter(village=village).count(),
        Household.objects.filter(village=village).count(),
        AuditEntry.objects.filter(action="roll_import").count(),
    )


def problems(result):
    return [(error.line, error.message) for error in result.errors]


# --- The service: good files ---------------------------------------------------------------------


def test_a_valid_csv_creates_households_and_residents(county):
    content = csv_file(
        line(2, household="H1", name="Aynur", party="是"),
        line(1, 1985, household="H1", gender="M", representative="yes"),
        line(3, 1990, household="H2"),
    )
    result = roll_import(village=county.village, content=content, by=county.moderator)

    assert result.ok
    assert (result.residents_created, result.households_created) == (3, 2)
    aynur = Resident.objects.get(village=county.village, name="Aynur")
    number = idcard.parse_id_number(valid_id_number(2))
    assert (aynur.household.number, aynur.gender, aynur.birth_year) == ("H1", "F", 1970)
    assert (aynur.id_hash, aynur.id_last4) == (number.keyed_hash, number.last4)
    assert aynur.party_member and not aynur.representative
    assert Resident.objects.filter(village=county.village, representative=True).count() == 1
    assert set(Household.objects.filter(village=county.village).values_list("number", flat=True)) == {
        "H1",
        "H2",
    }


def test_existing_households_are_reused(county):
    existing = HouseholdFactory(village=county.village, number="H1")
    result = roll_import(
        village=county.village, content=csv_file(line(1), line(2, household="H9")), by=county.moderator
    )
    assert (result.residents_created, result.households_created) == (2, 1)
    assert existing.residents.count() == 1


def test_a_valid_xlsx_is_read_with_typed_cells_and_blank_rows(county):
    content = xlsx_file(
        [
            HEADER.split(","),
            ["H1", "Aynur", "女", 1970, valid_id_number(2), "是", None],
            [],
            [12, "Ehmet", "男", 1980.0, valid_id_number(3, 1980), True, 1],
        ]
    )
    result = roll_import(village=county.village, content=content, by=county.moderator)

    assert result.ok, problems(result)
    ehmet = Resident.objects.get(village=county.village, name="Ehmet")
    assert (ehmet.household.number, ehmet.gender, ehmet.birth_year) == ("12", "M", 1980)
    assert ehmet.party_member and ehmet.representative


def test_the_type_is_detected_by_content_not_by_name(county, tmp_path):
    path = tmp_path / "roll.csv"  # a workbook saved under the wrong name
    path.write_bytes(xlsx_file([HEADER.split(","), ["H1", "Aynur", "M", 1970, valid_id_number(1), "", ""]]))
    call_command("import_roll", "--village", county.village.code, str(path), stdout=io.StringIO())
    assert Resident.objects.filter(village=county.village, name="Aynur").exists()


def test_chinese_headers_in_any_spacing_are_accepted(county):
    header = " 户号 ,姓名,性别, 出生年 ,公民身份号码,是否党员,是否村民代表,备注"
    content = csv_file(f"{line(2, name='阿依努尔', gender='女', party='是')},门口", header=header)
    result = roll_import(village=county.village, content=content, by=county.moderator)

    assert result.ok, problems(result)
    assert Resident.objects.get(village=county.village).party_member


def test_english_headers_ignore_case_spaces_and_underscores(county):
    header = "Household, Name ,GENDER,Birth Year,ID-Number,Party_Member,representative"
    result = roll_import(
        village=county.village, content=csv_file(line(1), header=header), by=county.moderator
    )
    assert result.ok, problems(result)


def test_a_gb18030_csv_from_a_chinese_excel_is_read(county):
    header = "户号,姓名,性别,出生年份,身份证号,党员,村民代表"
    content = csv_file(line(2, name="阿依古丽", gender="女"), header=header, encoding="gb18030")
    with pytest.raises(UnicodeDecodeError):
        content.decode("utf-8")

    result = roll_import(village=county.village, content=content, by=county.moderator)

    assert result.ok, problems(result)
    assert Resident.objects.get(village=county.village).name == "阿依古丽"


def test_a_utf8_csv_with_a_byte_order_mark_is_read(county):
    content = "\ufeff".encode() + csv_file(line(1, name="Ayşe"))
    result = roll_import(village=county.village, content=content, by=county.moderator)
    assert result.ok, problems(result)
    assert Resident.objects.get(village=county.village).name == "Ayşe"


def test_a_successful_import_is_audited_with_counts_and_no_id_numbers(county):
    number = valid_id_number(1)
    roll_import(village=county.village, content=csv_file(line(1), line(2)), by=county.moderator)

    entry = AuditEntry.objects.get(action="roll_import")
    assert (entry.actor_name, entry.scope, entry.target_label) == (
        "moderator1",
        county.village.code,
        "Bostan",
    )
    assert entry.details == {"residents": 2, "households": 1}
    assert number not in str(entry.details) and number[-4:] not in str(entry.details)
    assert verify_chain().intact


# --- The service: bad rows --------------------------------------------------------------------------


def wrong_check_digit():
    number = valid_id_number(5)
    wrong = str((int(number[-1]) + 1) % 10) if number[-1] != "X" else "0"
    return f"H1,Bad,F,1970,{number[:-1]}{wrong},,"


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        pytest.param(wrong_check_digit(), "check digit is wrong", id="check digit"),
        pytest.param(
            f"H1,Bad,M,1971,{valid_id_number(5, 1970)},,", "1971 does not match", id="year mismatch"
        ),
        pytest.param(
            line(5, gender="F"), "“F” does not match the ID number, which says male", id="gender vs ID"
        ),
        pytest.param(line(5, gender="X"), "gender “X” is not understood", id="gender"),
        pytest.param(line(5, party="maybe"), "“maybe” in the column “Party member”", id="flag"),
        pytest.param(f"H1,Bad,M,70,{valid_id_number(5)},,", "“70” is not a year", id="year format"),
        pytest.param(f"H1,,M,1970,{valid_id_number(5)},,", "name is empty", id="no name"),
        pytest.param(f",Bad,M,1970,{valid_id_number(5)},,", "household is empty", id="no household"),
        pytest.param("H1,Bad,F,1970,12345,,", "18 characters", id="short id"),
    ],
)
def test_a_bad_row_is_named_by_its_line_and_nothing_is_written(county, bad, reason):
    before = counts(county.village)
    # header = line 1, a good row = 2, a blank line = 3, the bad row = 4, another good row = 5
    content = csv_file(line(1), "", bad, line(2))

    result = roll_import(village=county.village, content=content, by=county.moderator)

    assert not result.ok
    assert [error.line for error in result.errors] == [4]
    assert reason in result.errors[0].message
    assert counts(county.village) == before


def test_a_person_of_exactly_18_this_year_may_vote(county):
    result = roll_import(
        village=county.village, content=csv_file(line(1, THIS_YEAR - 18)), by=county.moderator
    )
    assert result.ok, problems(result)


def test_a_duplicate_within_the_file_names_both_lines(county):
    content = csv_file(line(1), line(2), line(1, name="Same person again"))
    result = roll_import(village=county.village, content=content, by=county.moderator)
    assert problems(result) == [(4, "The same ID number is also on line 2; a person is listed only once.")]


def test_a_duplicate_against_the_roll_is_refused(county):
    number = valid_id_number(7)
    ResidentFactory(
        household=HouseholdFactory(village=county.village),
        id_hash=idcard.id_number_hash(number),
        id_last4=number[-4:],
    )
    before = counts(county.village)

    result = roll_import(village=county.village, content=csv_file(line(1), line(7)), by=county.moderator)

    assert [error.line for error in result.errors] == [3]
    assert "already on the village's roll" in result.errors[0].message
    assert counts(county.village) == before


def test_every_bad_row_is_reported_in_line_order(county):
    content = csv_file(line(1), line(2, gender="?"), line(3), line(4, party="maybe"), line(1))
    result = roll_import(village=county.village, content=content, by=county.moderator)
    assert [error.line for error in result.errors] == [3, 5, 6]


def test_a_missing_column_is_a_file_level_error(county):
    header = "household,name,gender,birth_year,party_member,representative"
    content = csv_file("H1,Aynur,F,1970,,", header=header)
    before = counts(county.village)

    result = roll_import(village=county.village, content=content, by=county.moderator)

    assert len(result.errors) == 1
    assert result.errors[0].line == 1
    assert "No column holds: ID number (身份证号)" in result.errors[0].message
    assert counts(county.village) == before


def test_an_id_number_stored_as_a_number_in_excel_is_explained(county):
    content = xlsx_file(
        [HEADER.split(","), ["H1", "Aynur", "M", 1970, float(valid_id_number(1)[:17]), "", ""]]
    )
    result = roll_import(village=county.village, content=content, by=county.moderator)
    assert problems(result)[0][0] == 2
    assert "stored as a number" in problems(result)[0][1]


def test_xlsx_line_numbers_count_blank_rows(county):
    content = xlsx_file([HEADER.split(","), [], [], ["H1", "Aynur", "?", 1970, valid_id_number(1), "", ""]])
    result = roll_import(village=county.village, content=content, by=county.moderator)
    assert [error.line for error in result.errors] == [4]


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        pytest.param(b"", "empty", id="empty"),
        pytest.param(HEADER.encode(), "no rows", id="header only"),
        pytest.param(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100), ".xls", id="old excel"),
        pytest.param(b"PK\x03\x04 not really a zip", "not an Excel workbook", id="broken zip"),
        pytest.param(b"\x00\x01\x02\xff\xfe", "neither a spreadsheet", id="binary"),
    ],
)
def test_an_unreadable_file_is_refused_as_a_whole(county, content, reason):
    result = roll_import(village=county.village, content=content, by=county.moderator)
    assert len(result.errors) == 1
    assert reason in result.errors[0].message
    assert counts(county.village) == (0, 0, 0)


def test_a_zip_that_is_not_a_workbook_is_refused(county):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    result = roll_import(village=county.village, content=buffer.getvalue(), by=county.moderator)
    assert "not an Excel workbook" in result.errors[0].message


def test_a_file_with_too_many_rows_is_refused(db):
    content = csv_file(*["H1,x,F,1970,1,,"] * (MAX_ROWS + 1))
    parsed = parse_roll(content)
    assert parsed.rows == []
    assert [(error.line, str(MAX_ROWS) in error.message) for error in parsed.errors] == [(None, True)]


@override_settings(ROLL_IMPORT_MAX_BYTES=200)
def test_a_file_over_the_size_limit_is_not_parsed(db):
    parsed = parse_roll(csv_file(line(1), line(2), line(3)))
    assert "larger than" in parsed.errors[0].message


def test_only_roll_managers_of_the_village_may_import(county):
    content = csv_file(line(1))
    for account, village in [
        (county.operator, county.village),  # may view the roll, not change it
        (county.moderator, county.neighbour),
        (county.nobody, county.village),
    ]:
        with pytest.raises(PermissionDenied):
            roll_import(village=village, content=content, by=account)
    assert Resident.objects.count() == 0
    result = roll_import(village=county.neighbour, content=content, by=county.township_admin)
    assert result.ok


# --- The command ---------------------------------------------------------------------------------------


def test_the_command_imports_and_prints_the_counts(county, tmp_path):
    path = tmp_path / "roll.csv"
    path.write_bytes(csv_file(line(1), line(2, household="H2")))
    out = io.StringIO()

    call_command("import_roll", "--village", county.village.code, str(path), stdout=out)

    assert "Imported 2 resident(s) and created 2 household(s)" in out.getvalue()
    entry = AuditEntry.objects.get(action="roll_import")
    assert (entry.actor_id, entry.actor_name) == (None, "system")


def test_the_command_fails_naming_each_bad_line_and_writes_nothing(county, tmp_path):
    path = tmp_path / "roll.csv"
    path.write_bytes(csv_file(line(1), f"H1,Ehmet,?,1999,{valid_id_number(2)},,", line(1)))
    err = io.StringIO()

    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command("import_roll", "--village", county.village.code, str(path), stderr=err)

    assert err.getvalue().splitlines() == [
        "line 3: The gender “?” is not understood; write M or F (男 or 女).",
        "line 3: The birth year 1999 does not match the ID number, which says 1970.",
        "line 4: The same ID number is also on line 2; a person is listed only once.",
    ]
    assert counts(county.village) == (0, 0, 0)


def test_the_command_refuses_an_unknown_village_or_a_missing_file(county, tmp_path):
    path = tmp_path / "roll.csv"
    path.write_bytes(csv_file(line(1)))
    with pytest.raises(CommandError, match="no village with the code 999999999999"):
        call_command("import_roll", "--village", "999999999999", str(path))
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_roll", "--village", county.village.code, str(tmp_path / "missing.csv"))


# --- The staff page ------------------------------------------------------------------------------------


def import_url(village):
    return reverse("staff:roll-import", args=[village.code])


def upload(content, name="roll.csv"):
    return {"file": SimpleUploadedFile(name, content)}


def test_the_page_explains_the_columns_and_offers_a_template(client, county):
    client.force_login(county.moderator)
    response = client.get(import_url(county.village), HTTP_ACCEPT_LANGUAGE="en")
    page = response.content.decode()

    assert response.status_code == 200
    assert "birth_year" in page and "身份证号" in page
    assert reverse("staff:roll-template", args=[county.village.code]) in page
    assert 'enctype="multipart/form-data"' in page


def test_get_never_changes_anything(client, county):
    client.force_login(county.moderator)
    before = counts(county.village)
    client.get(import_url(county.village), {"file": "x"})
    assert counts(county.village) == before


def confirm(client, village, preview, button="import"):
    """Post the preview's form back as the page shows it (the guessed mapping), pressing `button`."""
    form = preview.context["form"]
    data = {name: field.initial for name, field in form.fields.items() if name != "token"}
    data |= {"token": form.initial["token"], button: ""}
    return client.post(import_url(village), data, HTTP_ACCEPT_LANGUAGE="en", follow=True)


@pytest.mark.parametrize("account", ["moderator", "township_admin"])
def test_a_roll_manager_imports_and_returns_to_the_roll(client, county, account):
    client.force_login(getattr(county, account))
    preview = client.post(
        import_url(county.village), upload(csv_file(line(1), line(2))), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert preview.status_code == 200
    assert Resident.objects.filter(village=county.village).count() == 0

    response = confirm(client, county.village, preview)

    assert response.redirect_chain == [(reverse("staff:roll", args=[county.village.code]), 302)]
    assert "Roll imported: 2 residents, 1 new households." in response.content.decode()
    assert Resident.objects.filter(village=county.village).count() == 2


def test_an_xlsx_upload_works_too(client, county):
    client.force_login(county.moderator)
    content = xlsx_file([HEADER.split(","), ["H1", "Aynur", "M", 1970, valid_id_number(1), "", ""]])
    preview = client.post(import_url(county.village), upload(content, "roll.xlsx"))
    assert preview.status_code == 200
    assert confirm(client, county.village, preview).redirect_chain[-1][1] == 302
    assert Resident.objects.filter(village=county.village).count() == 1


def test_a_bad_file_lists_each_bad_line_and_saves_nothing(client, county):
    client.force_login(county.moderator)
    content = csv_file(line(1), line(2, gender="?"), line(1))

    response = client.post(import_url(county.village), upload(content), HTTP_ACCEPT_LANGUAGE="en")
    page = response.content.decode()

    assert response.status_code == 400
    assert "Nothing was saved" in page
    assert "<tr><td>3</td><td>The gender “?” is not understood" in page
    assert "<tr><td>4</td><td>The same ID number is also on line 2" in page
    assert 'name="import"' not in page  # only "check again" and "cancel" until the file is right
    assert counts(county.village) == (0, 0, 0)


def test_an_oversized_upload_is_refused_with_a_clear_message(client, county):
    client.force_login(county.moderator)
    content = csv_file(line(1)) + b"\n" * settings.ROLL_IMPORT_MAX_BYTES

    response = client.post(import_url(county.village), upload(content), HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    assert "The file is larger than 5 MB" in response.content.decode()
    assert counts(county.village) == (0, 0, 0)


def test_a_post_without_a_file_is_refused(client, county):
    client.force_login(county.moderator)
    response = client.post(import_url(county.village), {})
    assert response.status_code == 400
    assert counts(county.village) == (0, 0, 0)


@pytest.mark.parametrize(
    ("account", "village"),
    [
        ("moderator", "neighbour"),  # a moderator of another village
        ("operator", "village"),  # may view the roll, not import it
        ("cadre", "village"),
        ("nobody", "village"),
    ],
)
def test_the_page_is_a_404_without_roll_management_in_that_village(client, county, account, village):
    client.force_login(getattr(county, account))
    url = import_url(getattr(county, village))
    assert client.get(url).status_code == 404
    assert client.post(url, upload(csv_file(line(1)))).status_code == 404
    assert client.get(reverse("staff:roll-template", args=[getattr(county, village).code])).status_code == 404
    assert Resident.objects.count() == 0


def test_anonymous_visitors_are_sent_to_sign_in(client, county):
    response = client.post(import_url(county.village), upload(csv_file(line(1))))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert Resident.objects.count() == 0


@pytest.mark.parametrize(
    ("language", "first_column"),
    [("en", "household"), ("zh-hans", "户号")],
)
def test_the_template_downloads_and_imports_once_filled(client, county, language, first_column):
    client.force_login(county.moderator)
    response = client.get(
        reverse("staff:roll-template", args=[county.village.code]), HTTP_ACCEPT_LANGUAGE=language
    )
    template = response.content

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    assert template.decode("utf-8-sig").split(",")[0] == first_column
    filled = template.rstrip() + b"\n" + line(1).encode()
    assert roll_import(village=county.village, content=filled, by=county.moderator).ok


# --- One person, one roll: across villages and townships --------------------------------------------


def on_another_roll(village):
    return (
        f"This person is already on the roll of {village.name} ({village.code}); a person is on one "
        "village's roll at a time. Remove the row, or have them taken off that roll first."
    )


def place_on_roll(village, serial, **fields):
    """A resident of `village` whose ID number is the one `line(serial)` writes."""
    return ResidentFactory(
        household=HouseholdFactory(village=village), id_number=valid_id_number(serial), **fields
    )


@pytest.mark.parametrize("other", ["neighbour", "elsewhere"])  # same township, another township
def test_a_person_on_another_villages_roll_is_refused_by_row_and_village(county, other):
    roll_import(village=getattr(county, other), content=csv_file(line(1)), by=county.superuser)
    before = counts(county.village)

    result = roll_import(village=county.village, content=csv_file(line(2), line(1)), by=county.moderator)

    assert problems(result) == [(3, on_another_roll(getattr(county, other)))]
    assert counts(county.village) == before


def test_every_row_on_another_roll_is_named_among_the_other_problems(county):
    place_on_roll(county.neighbour, 2)
    place_on_roll(county.elsewhere, 4)
    content = csv_file(line(1), line(2), line(3, gender="?"), line(4))

    result = roll_import(village=county.village, content=content, by=county.moderator)

    assert [(error.line, error.message[:50]) for error in result.errors] == [
        (3, on_another_roll(county.neighbour)[:50]),
        (4, "The gender “?” is not understood; write M or F (男 "),
        (5, on_another_roll(county.elsewhere)[:50]),
    ]
    assert Resident.objects.filter(village=county.village).count() == 0


def test_a_person_who_left_another_village_may_join_this_roll(county):
    """Inactive means off the roll: the old village keeps its row as history, the new one adds them."""
    moved = place_on_roll(county.neighbour, 1, active=False)

    result = roll_import(village=county.village, content=csv_file(line(1)), by=county.moderator)

    assert result.ok, problems(result)
    joined = Resident.objects.get(village=county.village)
    assert (joined.id_hash, joined.active) == (moved.id_hash, True)
    moved.refresh_from_db()
    assert not moved.active
    assert Resident.objects.on_roll().filter(id_hash=moved.id_hash).count() == 1


def test_the_same_id_twice_in_one_file_is_still_the_duplicate_error(county):
    content = csv_file(line(1), line(2), line(1, name="Same person again"))
    result = roll_import(village=county.village, content=content, by=county.moderator)
    assert problems(result) == [(4, "The same ID number is also on line 2; a person is listed only once.")]

    place_on_roll(county.neighbour, 1)
    result = roll_import(village=county.village, content=content, by=county.moderator)
    assert problems(result) == [
        (2, on_another_roll(county.neighbour)),
        (4, "The same ID number is also on line 2; a person is listed only once."),
    ]


def test_the_database_keeps_one_person_on_one_roll(county):
    place_on_roll(county.neighbour, 1)
    with pytest.raises(IntegrityError), transaction.atomic():
        place_on_roll(county.elsewhere, 1)

    # Off the roll, a second row may exist as history; it cannot come back onto a roll by itself.
    former = place_on_roll(county.village, 1, active=False)
    former.active = True
    with pytest.raises(IntegrityError), transaction.atomic():
        former.save()
    assert Resident.objects.filter(id_hash=former.id_hash, active=True).count() == 1


def test_the_command_refuses_a_person_on_another_roll(county, tmp_path):
    place_on_roll(county.elsewhere, 2)
    path = tmp_path / "roll.csv"
    path.write_bytes(csv_file(line(1), line(2)))
    err = io.StringIO()

    with pytest.raises(CommandError, match="Nothing was imported") as refused:
        call_command("import_roll", "--village", county.village.code, str(path), stderr=err)

    assert refused.value.returncode != 0
    assert err.getvalue().splitlines() == [f"line 3: {on_another_roll(county.elsewhere)}"]
    assert counts(county.village) == (0, 0, 0)


def test_the_page_refuses_a_person_on_another_roll(client, county):
    place_on_roll(county.neighbour, 2)
    client.force_login(county.moderator)

    response = client.post(
        import_url(county.village), upload(csv_file(line(1), line(2))), HTTP_ACCEPT_LANGUAGE="en"
    )
    page = response.content.decode()

    assert response.status_code == 400
    assert "Nothing was saved" in page
    assert f"<tr><td>3</td><td>{escape(on_another_roll(county.neighbour))}</td></tr>" in page
    assert counts(county.village) == (0, 0, 0)


def test_the_refusal_is_translated(client, county):
    place_on_roll(county.neighbour, 1)
    client.force_login(county.moderator)

    response = client.post(
        import_url(county.village), upload(csv_file(line(1))), HTTP_ACCEPT_LANGUAGE="zh-hans"
    )

    assert response.status_code == 400
    assert "已在Yulghun（653121100202）的选民名册上" in response.content.decode()


# Only PostgreSQL runs two imports side by side. SQLite's IMMEDIATE transactions run one after the other,
# so the second one's check sees the first one's rows, which the tests above cover: there the race does
# not exist, and the test is not collected (CI runs the suite on both engines).
if connection.vendor == "postgresql":

    def wait_until_a_session_waits_for_a_lock(timeout: float = 10) -> None:
        deadline = time.monotonic() + timeout
        with connection.cursor() as cursor:
            while time.monotonic() < deadline:
                cursor.execute(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
                if cursor.fetchone()[0]:
                    return
                time.sleep(0.02)
        raise AssertionError("the second import never waited for the first")

    @pytest.mark.django_db(transaction=True)
    def test_two_imports_at_once_give_one_roll_and_one_clear_refusal(county):
        """The first import has written its rows but not committed when the second checks and writes.

        The second one's check cannot see the uncommitted rows, so it is the one-roll index that stops it:
        it waits for the first to commit, then fails, and the service turns that into the usual message.
        """
        written, commit = threading.Event(), threading.Event()
        outcome = {}

        def first():
            try:
                with transaction.atomic():
                    outcome["first"] = roll_import(
                        village=county.neighbour, content=csv_file(line(1)), by=county.township_admin
                    )
                    written.set()
                    commit.wait(timeout=20)
            finally:
                connection.close()

        def second():
            try:
                with translation.override("en"):  # the fixture's language is the main thread's only
                    outcome["second"] = roll_import(
                        village=county.village, content=csv_file(line(2), line(1)), by=county.moderator
                    )
            except Exception as error:  # a 500 on the page: the failure this test is here to catch
                outcome["second"] = error
            finally:
                connection.close()

        threads = [threading.Thread(target=first), threading.Thread(target=second)]
        threads[0].start()
        assert written.wait(timeout=20)
        threads[1].start()
        try:
            wait_until_a_session_waits_for_a_lock()
        finally:
            commit.set()
            for thread in threads:
                thread.join(timeout=30)

        assert outcome["first"].ok
        assert not isinstance(outcome["second"], Exception), outcome["second"]
        assert problems(outcome["second"]) == [(3, on_another_roll(county.neighbour))]
        assert Resident.objects.filter(village=county.village).count() == 0
        assert Household.objects.filter(village=county.village).count() == 0
        assert Resident.objects.on_roll().filter(village=county.neighbour).count() == 1
