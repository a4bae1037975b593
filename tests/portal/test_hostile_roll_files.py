"""Hostile roll files (issue 18): refused with a translated reason naming the limit, never a 500 or a hang.

Each case of the issue is a named test: an XLSX with entity expansion ("billion laughs") or an external
entity, one that unpacks to far more than it weighs, one with a huge cell or hundreds of thousands of
rows, the same for CSV, and a 200 MB upload cut off while it arrives.
"""

import io
import time
import zipfile

import openpyxl
import pytest
from defusedxml import EntitiesForbidden
from django.core.handlers.wsgi import WSGIRequest
from django.urls import reverse
from django.utils import translation

from portal.models import Resident
from portal.roll_import import MAX_CELL_LENGTH, MAX_LINE_LENGTH, MAX_LINES, parse_roll
from portal.uploads import upload_cutoff
from portal.views.roll import roll_import as roll_import_view
from tests.factories import valid_id_number

pytestmark = pytest.mark.usefixtures("english")

HEADER = ["household", "name", "gender", "birth_year", "id_number", "party_member", "representative"]
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def workbook(rows=None) -> bytes:
    book = openpyxl.Workbook()
    for row in rows or [HEADER, ["H1", "Aynur", "M", 1970, valid_id_number(1), "", ""]]:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def with_part(content: bytes, name: str, data: bytes) -> bytes:
    """The workbook with one part replaced (or added), everything else as it was."""
    source, buffer = zipfile.ZipFile(io.BytesIO(content)), io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for member in source.infolist():
            if member.filename != name:
                target.writestr(member, source.read(member))
        target.writestr(name, data)
    return buffer.getvalue()


def sheet_xml(rows_xml: str, doctype: str = "") -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>{doctype}'
        f'<worksheet xmlns="{MAIN_NS}"><sheetData>{rows_xml}</sheetData></worksheet>'
    ).encode()


LOL_REF = "&lol{};"
ENTITIES = ['<!ENTITY lol0 "lol">'] + [
    f'<!ENTITY lol{n} "{LOL_REF.format(n - 1) * 10}">' for n in range(1, 10)
]
BILLION_LAUGHS = "<!DOCTYPE lolz [" + "".join(ENTITIES) + "]>"


def only_problem(content: bytes) -> str:
    parsed = parse_roll(content)
    assert parsed.rows == []
    assert len(parsed.errors) == 1
    return str(parsed.errors[0])


def test_openpyxl_parses_with_defusedxml():
    from openpyxl.xml import functions

    assert openpyxl.DEFUSEDXML is True
    assert functions.iterparse.__module__.startswith("defusedxml")


def test_an_xlsx_with_entity_expansion_is_refused_quickly():
    """'Billion laughs' in the sheet: nine levels of ten, a thousand million 'lol's once expanded."""
    cell = '<row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row>'
    bomb = with_part(workbook(), "xl/worksheets/sheet1.xml", sheet_xml(cell, BILLION_LAUGHS))
    # What refuses it is defusedxml, under openpyxl itself:
    with pytest.raises(ValueError) as refused:
        book = openpyxl.load_workbook(io.BytesIO(bomb), read_only=True)
        list(book.worksheets[0].iter_rows(values_only=True))
    assert EntitiesForbidden in {type(refused.value), type(refused.value.__context__)}
    started = time.monotonic()
    assert only_problem(bomb) == "The file is not an Excel workbook (.xlsx) that can be read."
    assert time.monotonic() - started < 2


def test_an_xlsx_with_entity_expansion_in_the_shared_strings_is_refused():
    strings = (
        f'<?xml version="1.0"?>{BILLION_LAUGHS}<sst xmlns="{MAIN_NS}" count="1" uniqueCount="1">'
        "<si><t>&lol9;</t></si></sst>"
    ).encode()
    # openpyxl writes inline strings; a shared string table is declared in the content types.
    content = workbook()
    types = zipfile.ZipFile(io.BytesIO(content)).read("[Content_Types].xml").decode()
    types = types.replace(
        "</Types>",
        '<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
    )
    bomb = with_part(
        with_part(content, "[Content_Types].xml", types.encode()), "xl/sharedStrings.xml", strings
    )
    with pytest.raises(ValueError) as refused:
        openpyxl.load_workbook(io.BytesIO(bomb), read_only=True)
    assert isinstance(refused.value.__context__, EntitiesForbidden)
    assert only_problem(bomb) == "The file is not an Excel workbook (.xlsx) that can be read."


def test_an_xlsx_with_an_external_entity_is_refused_and_reads_nothing():
    doctype = '<!DOCTYPE r [<!ENTITY secret SYSTEM "file:///etc/passwd">]>'
    cell = '<row r="1"><c r="A1" t="inlineStr"><is><t>&secret;</t></is></c></row>'
    hostile = with_part(workbook(), "xl/worksheets/sheet1.xml", sheet_xml(cell, doctype))
    problem = only_problem(hostile)
    assert problem == "The file is not an Excel workbook (.xlsx) that can be read."
    assert "root:" not in problem


def test_an_xlsx_that_unpacks_past_the_limit_is_refused_before_parsing():
    """30 MB of spaces deflate to some 30 KB: the zip's directory tells, before anything is unpacked."""
    padded = with_part(workbook(), "xl/padding.xml", b" " * (30 * 1024 * 1024))
    assert len(padded) < 100 * 1024
    started = time.monotonic()
    assert (
        only_problem(padded) == "The workbook unpacks to more than 25 MB; a village's roll is much smaller."
    )
    assert time.monotonic() - started < 2


def test_an_xlsx_with_hundreds_of_thousands_of_rows_is_refused_before_parsing():
    rows = "".join(f'<row r="{n}"/>' for n in range(1, 300_001))
    hostile = with_part(workbook(), "xl/worksheets/sheet1.xml", sheet_xml(rows))
    started = time.monotonic()
    problem = only_problem(hostile)
    assert problem == (
        f"The file has more than {MAX_LINES} rows, blank ones included; import one village at a time."
    )
    assert time.monotonic() - started < 2


def test_rows_with_a_namespace_prefix_are_counted_too():
    rows = "".join(f'<x:row r="{n}"/>' for n in range(1, MAX_LINES + 1))
    xml = (f'<x:worksheet xmlns:x="{MAIN_NS}"><x:sheetData>{rows}</x:sheetData></x:worksheet>').encode()
    hostile = with_part(workbook(), "xl/worksheets/sheet1.xml", xml)
    assert "rows, blank ones included" in only_problem(hostile)


def test_an_xlsx_with_a_huge_cell_is_refused_before_parsing():
    """A 200 MB cell would be refused for its size; one of 100,000 characters still is, for its length."""
    hostile = workbook([HEADER, ["H1", "x" * 100_000, "M", 1970, valid_id_number(1), "", ""]])
    assert only_problem(hostile) == (
        f"A cell of the workbook is longer than {MAX_CELL_LENGTH} characters; a roll's cell is much shorter."
    )


def test_a_roll_with_long_names_in_chinese_still_passes_the_cell_check():
    name = "阿" * 300  # 900 bytes of UTF-8: well inside the bound, and refused by the name rule instead
    parsed = parse_roll(workbook([HEADER, ["H1", name, "M", 1970, valid_id_number(1), "", ""]]))
    assert [error.line for error in parsed.errors] == [2]
    assert "The name is longer than" in parsed.errors[0].message


def test_a_csv_with_too_many_lines_is_refused_before_parsing():
    content = (",".join(HEADER) + "\n" + "\n" * MAX_LINES).encode()
    assert "rows, blank ones included" in only_problem(content)


def test_a_csv_with_a_huge_line_is_refused_before_parsing():
    content = (",".join(HEADER) + "\nH1," + "x" * (MAX_LINE_LENGTH + 1) + ",F,1970,1,,\n").encode()
    assert only_problem(content) == (
        f"A line of the file is longer than {MAX_LINE_LENGTH} characters; a roll's line is much shorter."
    )


def test_the_limits_are_translated():
    content = (",".join(HEADER) + "\nH1," + "x" * (MAX_LINE_LENGTH + 1) + "\n").encode()
    with translation.override("zh-hans"):
        assert str(MAX_LINE_LENGTH) in only_problem(content)
        assert "字符" in only_problem(content)


def test_a_hostile_workbook_upload_is_a_400_naming_the_limit(client, county):
    client.force_login(county.moderator)
    padded = with_part(workbook(), "xl/padding.xml", b" " * (30 * 1024 * 1024))
    upload = io.BytesIO(padded)
    upload.name = "roll.xlsx"
    url = reverse("staff:roll-import", args=[county.village.code])
    response = client.post(url, {"file": upload}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "The workbook unpacks to more than 25 MB" in response.content.decode()
    assert not Resident.objects.filter(village=county.village).exists()


class HugeBody:
    """A multipart body of `size` bytes made up as it is read, counting what the server reads."""

    def __init__(self, size: int, boundary: str, *, field: str = "file", filename: str = "roll.csv"):
        self.head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="{filename}"\r\n'
            "Content-Type: text/csv\r\n\r\n"
        ).encode()
        self.size, self.read_bytes = size, 0

    def read(self, size=-1):
        if size is None or size < 0:
            size = self.size - self.read_bytes
        size = min(size, self.size - self.read_bytes)
        start = self.read_bytes
        self.read_bytes += size
        prefix = self.head[start : start + size]
        return prefix + b"a" * (size - len(prefix))

    def readline(self, size=-1):
        return self.read(min(size, 64 * 1024) if size and size > 0 else 64 * 1024)


@pytest.mark.parametrize("declared", [True, False], ids=["declared-length", "understated-length"])
def test_a_200_mb_upload_is_cut_off_before_it_is_read_whole(rf, county, declared):
    size, boundary = 200 * 1024 * 1024, "hostile-boundary"
    body = HugeBody(size, boundary)
    environ = rf.post("/").environ | {
        "REQUEST_METHOD": "POST",
        "CONTENT_TYPE": f"multipart/form-data; boundary={boundary}",
        # An understated length hides the size; the bytes received still give it away.
        "CONTENT_LENGTH": str(size if declared else 50 * 1024 * 1024),
        "wsgi.input": body,
    }
    request = WSGIRequest(environ)
    request.user, request._dont_enforce_csrf_checks = county.moderator, True
    with translation.override("en"):
        response = roll_import_view(request, code=county.village.code)
    assert response.status_code == 400
    assert "The file is larger than 5 MB" in response.content.decode()
    assert body.read_bytes < upload_cutoff() + 1024 * 1024  # some 10 MB of the 200


def test_an_anonymous_upload_is_still_sent_to_the_login(client, county):
    response = client.post(
        reverse("staff:roll-import", args=[county.village.code]), {"file": io.BytesIO(b"x")}
    )
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_an_xlsx_that_lists_no_sheet_is_refused():
    """A workbook part without sheets left openpyxl an empty list of worksheets (IndexError, a 500)."""
    hostile = with_part(workbook(), "xl/workbook.xml", f'<workbook xmlns="{MAIN_NS}"/>'.encode())
    assert only_problem(hostile) == "The file is not an Excel workbook (.xlsx) that can be read."
