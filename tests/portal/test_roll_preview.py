"""The staff page's two steps: upload → preview (nothing written) → confirm or correct → import."""

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from portal.models import Resident
from tests.factories import valid_id_number

pytestmark = pytest.mark.usefixtures("english_pages")


@pytest.fixture
def kept(settings, tmp_path):
    """The folder where uploads wait for their confirmation, one per test."""
    settings.STORAGES = {
        **settings.STORAGES,
        "roll_uploads": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path},
        },
    }
    return tmp_path


def xlsx(rows) -> bytes:
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


ROSTER = xlsx(
    [
        ["博斯坦村村民花名册"],
        ["户主姓名", "与户主关系", "姓名", "公民身份号码", "政治面貌", "备注"],
        ["王建国", "户主", "王建国", valid_id_number(1), "中共党员", ""],
        [None, "妻", "李秀兰", valid_id_number(2), "群众", "村民代表"],
        [None, "孙子", "王小明", valid_id_number(3, 2019), "", ""],
    ]
)
# The ID column's header is one no village uses: the clerk maps it by hand.
ODD_HEADER = xlsx(
    [["户号", "姓名", "号码"], ["1", "甲", valid_id_number(1)], ["1", "乙", valid_id_number(2)]]
)


def url(village):
    return reverse("staff:roll-import", args=[village.code])


def upload(client, village, content, name="roll.xlsx"):
    return client.post(url(village), {"file": SimpleUploadedFile(name, content)})


def answer(client, village, preview, button, **columns):
    """The preview's form sent back as shown, with `columns` (column_2="id_number") changed."""
    form = preview.context["form"]
    if form.is_bound:  # a preview shown again: the form holds what was sent
        data = {name: form.data.get(name, "") for name in form.fields}
    else:
        data = {name: field.initial for name, field in form.fields.items()} | {"token": form.initial["token"]}
    return client.post(url(village), data | {button: "", **columns})


def files_in(folder):
    return sorted(path.name for path in folder.iterdir())


def test_the_preview_shows_how_the_file_is_read_and_writes_nothing(client, county, kept):
    client.force_login(county.moderator)

    response = upload(client, county.village, ROSTER)
    page = response.content.decode()

    assert response.status_code == 200
    assert "The header was found on line 2; the rows above it are titles." in page
    assert '<option value="relationship" selected>Relationship to the head of household</option>' in page
    assert '<option value="political_status" selected>Political status</option>' in page
    assert "Ready to import 2 villagers in 1 household(s)." in page
    assert "1 person under 18 is left out." in page
    assert (
        "<td>王建国</td><td>李秀兰</td><td>female</td>" in page
    )  # as it will be read: household, name, gender
    assert "王小明: Under 18 this year: not on the voter roll." in page
    assert valid_id_number(1) not in page  # only the last four characters are shown
    assert Resident.objects.count() == 0
    assert len(files_in(kept)) == 1


def test_confirming_imports_then_deletes_the_kept_file(client, county, kept):
    client.force_login(county.moderator)
    preview = upload(client, county.village, ROSTER)

    response = answer(client, county.village, preview, "import")

    assert response.status_code == 302
    assert response["Location"] == reverse("staff:roll", args=[county.village.code])
    page = client.get(response["Location"]).content.decode()
    assert "Roll imported: 2 residents, 1 new households. 1 person under 18 was left out." in page
    assert Resident.objects.get(name="李秀兰").representative
    assert files_in(kept) == []
    # The token is spent: sending it again imports nothing twice.
    again = answer(client, county.village, preview, "import")
    assert again.status_code == 400
    assert "This preview has expired or was already used; upload the file again." in again.content.decode()
    assert Resident.objects.count() == 2


def test_an_unknown_column_is_mapped_in_the_preview_then_imported(client, county, kept):
    client.force_login(county.moderator)

    preview = upload(client, county.village, ODD_HEADER)
    assert preview.status_code == 400
    assert "No column holds: ID number (身份证号)." in preview.content.decode()
    assert 'name="import"' not in preview.content.decode()

    checked = answer(client, county.village, preview, "recheck", column_2="id_number")
    assert checked.status_code == 200
    assert "Ready to import 2 villagers in 1 household(s)." in checked.content.decode()
    assert Resident.objects.count() == 0

    done = answer(client, county.village, checked, "import", column_2="id_number")
    assert done.status_code == 302
    assert sorted(Resident.objects.values_list("name", flat=True)) == ["乙", "甲"]
    assert files_in(kept) == []


def test_import_with_a_mapping_that_leaves_problems_writes_nothing(client, county, kept):
    client.force_login(county.moderator)
    preview = upload(client, county.village, ODD_HEADER)

    response = answer(client, county.village, preview, "import", column_2="name")  # two name columns

    assert response.status_code == 400
    assert "Two columns hold the same thing (Name)" in response.content.decode()
    assert Resident.objects.count() == 0
    assert len(files_in(kept)) == 1  # kept for another try


def test_cancel_deletes_the_file_and_writes_nothing(client, county, kept):
    client.force_login(county.moderator)
    preview = upload(client, county.village, ROSTER)

    response = answer(client, county.village, preview, "cancel")

    assert response.status_code == 302
    assert "The import was cancelled; nothing was saved." in client.get(response["Location"]).content.decode()
    assert files_in(kept) == [] and Resident.objects.count() == 0


def test_a_token_is_good_only_for_its_account_and_village(client, county, kept):
    client.force_login(county.township_admin)
    preview = upload(client, county.village, ROSTER)

    elsewhere = answer(client, county.neighbour, preview, "import")  # the admin manages both villages
    assert elsewhere.status_code == 400
    assert "expired or was already used" in elsewhere.content.decode()

    client.force_login(county.moderator)  # another account of the same village
    assert answer(client, county.village, preview, "import").status_code == 400
    assert Resident.objects.count() == 0


def test_a_forged_token_is_refused(client, county, kept):
    client.force_login(county.moderator)
    preview = upload(client, county.village, ROSTER)
    form = preview.context["form"]
    data = {name: field.initial for name, field in form.fields.items() if name != "token"}

    for token in ["", "x", form.initial["token"][:-2] + "zz"]:
        response = client.post(url(county.village), {**data, "token": token, "import": ""})
        assert response.status_code == 400
    assert Resident.objects.count() == 0


def test_an_unknown_choice_for_a_column_is_a_400(client, county, kept):
    client.force_login(county.moderator)
    preview = upload(client, county.village, ROSTER)
    response = answer(client, county.village, preview, "import", column_0="password")
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert Resident.objects.count() == 0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"PK\x03\x04 broken", "The file is not an Excel workbook (.xlsx) that can be read."),
        (xlsx([["花名册"], ["甲", "乙"]]), "No header row was found in the first 10 rows"),
        (b"", "The submitted file is empty."),
    ],
)
def test_a_bad_upload_is_a_400_with_a_clear_message_and_nothing_kept(client, county, kept, content, message):
    client.force_login(county.moderator)
    response = upload(client, county.village, content)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert files_in(kept) == []


@pytest.mark.parametrize(("account", "village"), [("moderator", "neighbour"), ("operator", "village")])
def test_the_confirmation_is_a_404_without_roll_management_there(client, county, kept, account, village):
    client.force_login(county.township_admin)
    preview = upload(client, county.village, ROSTER)
    client.force_login(getattr(county, account))
    assert answer(client, getattr(county, village), preview, "import").status_code == 404
    assert Resident.objects.count() == 0


def test_the_confirmation_needs_the_csrf_token(county, kept):
    browser = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    browser.force_login(county.moderator)
    page = browser.get(url(county.village))
    token = page.context["csrf_token"]
    preview = browser.post(
        url(county.village), {"file": SimpleUploadedFile("roll.xlsx", ROSTER), "csrfmiddlewaretoken": token}
    )
    assert preview.status_code == 200

    assert answer(browser, county.village, preview, "import").status_code == 403
    assert Resident.objects.count() == 0
