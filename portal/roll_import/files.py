"""Reading a roll file (CSV or XLSX) into rows of cells, and refusing a file no roll can be.

Every row keeps the number a spreadsheet program shows for it, blank rows included, so that each
problem can be named by the line the clerk sees. A hostile file (a zip bomb, a billion laughs, a million
empty rows, a cell the size of a book) is refused from its size and shape before it is parsed.
"""

import csv
import datetime
import io
import re
import zipfile
from collections.abc import Iterator

from django.conf import settings
from django.utils.translation import gettext as _

# A village has at most a few thousand voters; a larger file is a mistake (a whole county's list).
MAX_ROWS = 20_000
# Wide enough for a clerk's extra columns (remarks, phone); the rest of a row is not read.
MAX_COLUMNS = 100
# Rows of any kind (blank, formatted or not), counted before anything is parsed: a file of a million
# empty rows would keep a worker busy past its timeout before the MAX_ROWS check is reached.
MAX_LINES = 2 * MAX_ROWS
# No cell of a roll comes near this; a longer one (a pasted document, a hostile file) refuses the file.
# A CSV line (as a text editor shows it) is checked before parsing instead.
MAX_CELL_LENGTH = 1_000
MAX_LINE_LENGTH = 10_000
# In an XLSX, the longest run of bytes between two tags bounds every cell's text: UTF-8 takes up to 4
# bytes a character, and an escape such as &amp; a few more; anything past this is not a roll's cell.
MAX_XML_TEXT_BYTES = 6 * MAX_CELL_LENGTH
# An XLSX is a zip of a handful of parts; a real one has some ten, a hostile one thousands.
MAX_ZIP_MEMBERS = 200


class RollFileError(ValueError):
    """The file as a whole cannot be read; the message is user-facing."""

    def __init__(self, message, line: int | None = None):
        super().__init__(message)
        self.line = line


def read_cells(content: bytes) -> Iterator[tuple[int, list]]:
    """(row number as a spreadsheet shows it, cell values) for every row, blank ones included."""
    if len(content) > settings.ROLL_IMPORT_MAX_BYTES:
        raise RollFileError(too_large_message())
    if content.startswith(b"PK"):
        return _read_xlsx(content)
    if content.startswith(b"\xd0\xcf\x11\xe0"):
        raise RollFileError(_("Old Excel files (.xls) cannot be read; save the file as .xlsx or CSV."))
    return _read_csv(content)


def too_large_message() -> str:
    limit = settings.ROLL_IMPORT_MAX_BYTES // (1024 * 1024)
    return _("The file is larger than %(limit)s MB; a village's roll is much smaller.") % {"limit": limit}


def _read_csv(content: bytes) -> Iterator[tuple[int, list]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Excel in a Chinese locale saves "CSV" in the system code page, GBK, which GB18030 contains.
        try:
            text = content.decode("gb18030")
        except UnicodeDecodeError:
            raise RollFileError(
                _("The file is neither a spreadsheet nor readable text; save it as .xlsx or CSV.")
            ) from None
    if "\x00" in text:
        raise RollFileError(
            _("The file is neither a spreadsheet nor readable text; save it as .xlsx or CSV.")
        )
    _check_text_shape(text)
    # A record number, not a physical line: a quoted cell may span lines, and a spreadsheet shows
    # such a record as one row. Blank lines are rows too, so the numbers stay aligned.
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        for line, cells in enumerate(reader, start=1):
            _check_line_count(line)
            yield line, cells[:MAX_COLUMNS]
    except csv.Error as error:
        raise RollFileError(_("The CSV file is malformed: %(error)s") % {"error": error}) from None


def _check_text_shape(text: str) -> None:
    """Refuse a CSV with too many lines or too long a line, before the CSV reader sees it."""
    if text.count("\n") >= MAX_LINES:
        raise RollFileError(too_many_lines_message())
    if max(map(len, text.splitlines() or [""])) > MAX_LINE_LENGTH:
        message = _("A line of the file is longer than %(max)s characters; a roll's line is much shorter.")
        raise RollFileError(message % {"max": MAX_LINE_LENGTH})


def _read_xlsx(content: bytes) -> Iterator[tuple[int, list]]:
    import openpyxl  # only the XLSX path needs it
    from openpyxl.utils.exceptions import InvalidFileException

    unreadable = _("The file is not an Excel workbook (.xlsx) that can be read.")
    _check_xlsx_shape(content)
    # openpyxl parses with defusedxml (a pinned requirement) when it is installed: a document type
    # declaration with entities ("billion laughs") or an external entity is refused, a ValueError here.
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError, SyntaxError):
        raise RollFileError(unreadable) from None
    try:
        if not workbook.worksheets:  # a workbook part that lists no sheet
            raise RollFileError(unreadable)
        sheet = workbook.worksheets[0]
        # The stored dimensions may be stale; without them every row present in the sheet is read.
        sheet.reset_dimensions()
        rows = sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True)
        line = 0
        while True:
            try:
                cells = next(rows, None)
            except (KeyError, ValueError, SyntaxError, TypeError, zipfile.BadZipFile):
                # The sheet itself is read lazily: a malformed or refused sheet surfaces only here.
                raise RollFileError(unreadable) from None
            if cells is None:
                return
            line += 1
            _check_line_count(line)
            yield line, list(cells)
    finally:
        workbook.close()


def _check_xlsx_shape(content: bytes) -> None:
    """Refuse a workbook too big to unpack, with too many rows or too long a cell, before parsing it.

    The sizes come from the zip's central directory, which the reader then holds every part to (Python's
    zipfile stops at the declared size and checks the CRC). The XML of each part is then streamed once,
    unparsed, counting row elements and the longest run of bytes between two tags, which bounds the
    length of any cell's text.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except (zipfile.BadZipFile, ValueError, OSError):
        raise RollFileError(_("The file is not an Excel workbook (.xlsx) that can be read.")) from None
    with archive:
        members = archive.infolist()
        unpacked = sum(member.file_size for member in members)
        if len(members) > MAX_ZIP_MEMBERS or unpacked > settings.ROLL_IMPORT_MAX_UNPACKED_BYTES:
            limit = settings.ROLL_IMPORT_MAX_UNPACKED_BYTES // (1024 * 1024)
            message = _("The workbook unpacks to more than %(limit)s MB; a village's roll is much smaller.")
            raise RollFileError(message % {"limit": limit})
        for member in members:
            if not member.filename.endswith(".xml"):
                continue
            try:
                with archive.open(member) as part:
                    rows, longest_text = _scan_xml(part)
            except (zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError, EOFError):
                raise RollFileError(
                    _("The file is not an Excel workbook (.xlsx) that can be read.")
                ) from None
            if rows >= MAX_LINES:
                raise RollFileError(too_many_lines_message())
            if longest_text > MAX_XML_TEXT_BYTES:
                message = _(
                    "A cell of the workbook is longer than %(max)s characters; a roll's cell is much shorter."
                )
                raise RollFileError(message % {"max": MAX_CELL_LENGTH})


# A row element, with or without a namespace prefix (<row …>, <x:row …>); not <rowBreaks>.
ROW_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]{0,15}:)?row[\s/>]")
ROW_TAG_MAX_BYTES = 24  # a match never spans more: the overlap kept between two chunks
CHUNK_BYTES = 1 << 20


def _scan_xml(part) -> tuple[int, int]:
    """(row elements, longest run of bytes without a '<') of an XML stream, read in chunks."""
    rows = longest = run = 0
    tail = b""
    while chunk := part.read(CHUNK_BYTES):
        pieces = chunk.split(b"<")
        run += len(pieces[0])
        for piece in pieces[1:]:
            longest, run = max(longest, run), len(piece)
        longest = max(longest, run)
        window = tail + chunk
        edge = len(window) - ROW_TAG_MAX_BYTES
        rows += sum(1 for match in ROW_TAG.finditer(window) if match.start() < edge)
        tail = window[max(edge, 0) :]
    rows += len(ROW_TAG.findall(tail))
    return rows, longest


def too_many_lines_message() -> str:
    message = _("The file has more than %(max)s rows, blank ones included; import one village at a time.")
    return message % {"max": MAX_LINES}


def _check_line_count(line: int) -> None:
    if line > MAX_LINES:
        raise RollFileError(too_many_lines_message())


def is_blank(cells: list) -> bool:
    return all(cell_text(cell) == "" for cell in cells)


def cell_text(value) -> str:
    """A cell as the clerk sees it: numbers without a trailing .0, surrounding spaces dropped."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    return str(value).strip()
