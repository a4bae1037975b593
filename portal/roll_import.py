"""Reading a voter-roll spreadsheet (CSV or XLSX) into checked rows. No database access.

The clerk fixes the file in a spreadsheet program, so every problem is reported with the row number
that program shows (the header is row 1) and a reason in plain words. Nothing here decides whether a
row may be written: `portal.services.roll.roll_import` adds the checks against the existing roll and
writes only when no problem at all was found.
"""

import csv
import datetime
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.idcard import IdNumber, IdNumberError, parse_id_number
from portal.models import Household, Resident

FIELDS = ("household", "name", "gender", "birth_year", "id_number", "party_member", "representative")

# What each column holds, for the import page; the header row of the downloadable template.
FIELD_HELP = {
    "household": gettext_lazy("The household's number or label; households are created as needed."),
    "name": gettext_lazy("The villager's full name."),
    "gender": gettext_lazy("M or F (男 or 女)."),
    "birth_year": gettext_lazy("Four digits, as in the ID number."),
    "id_number": gettext_lazy("The 18-character resident ID number; store the column as text."),
    "party_member": gettext_lazy("是 or 否 (yes or no); empty means no."),
    "representative": gettext_lazy("是 or 否 (yes or no): a villagers' representative; empty means no."),
}
CHINESE_HEADERS = {
    "household": "户号",
    "name": "姓名",
    "gender": "性别",
    "birth_year": "出生年份",
    "id_number": "身份证号",
    "party_member": "党员",
    "representative": "村民代表",
}

# Keys as `_header_key` leaves them: "Birth year", "birth_year" and "BIRTH-YEAR" are one column.
HEADER_ALIASES = {
    **{field.replace("_", ""): field for field in FIELDS},
    "户号": "household",
    "户": "household",
    "户主": "household",
    "姓名": "name",
    "性别": "gender",
    "出生年份": "birth_year",
    "出生年": "birth_year",
    "身份证号": "id_number",
    "身份证号码": "id_number",
    "公民身份号码": "id_number",
    "党员": "party_member",
    "是否党员": "party_member",
    "村民代表": "representative",
    "是否村民代表": "representative",
}

GENDERS = {
    "m": Resident.Gender.MALE,
    "male": Resident.Gender.MALE,
    "男": Resident.Gender.MALE,
    "f": Resident.Gender.FEMALE,
    "female": Resident.Gender.FEMALE,
    "女": Resident.Gender.FEMALE,
}
YES = {"是", "y", "yes", "true", "1"}
NO = {"否", "n", "no", "false", "0", ""}

VOTING_AGE = 18
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

NAME_MAX_LENGTH = Resident._meta.get_field("name").max_length
HOUSEHOLD_MAX_LENGTH = Household._meta.get_field("number").max_length


@dataclass(frozen=True)
class RollError:
    """One problem, as the clerk will read it. `line` is None when it concerns the whole file."""

    line: int | None
    message: str

    def __str__(self):
        if self.line is None:
            return self.message
        return _("line %(line)s: %(reason)s") % {"line": self.line, "reason": self.message}


@dataclass(frozen=True)
class RollRow:
    line: int
    household: str
    name: str
    gender: str
    birth_year: int
    id_number: IdNumber
    party_member: bool
    representative: bool


@dataclass(frozen=True)
class ParsedRoll:
    rows: list[RollRow]
    errors: list[RollError]


class RollFileError(ValueError):
    """The file as a whole cannot be read; the message is user-facing."""

    def __init__(self, message, line: int | None = None):
        super().__init__(message)
        self.line = line


def parse_roll(content: bytes, *, year: int | None = None) -> ParsedRoll:
    """Check every row of a CSV or XLSX roll file; `year` (default: this year) sets the voting age."""
    year = year or timezone.localdate().year
    rows, errors = [], []
    first_line_of: dict[str, int] = {}
    try:
        lines = read_cells(content)
        columns = _header(lines)
        data_rows = 0
        for line, cells in lines:
            if _is_blank(cells):
                continue
            data_rows += 1
            if data_rows > MAX_ROWS:
                message = _("The file has more than %(max)s rows; import one village at a time.")
                raise RollFileError(message % {"max": MAX_ROWS})
            values = {field: cells[index] if index < len(cells) else None for field, index in columns.items()}
            row, problems = _check_row(line, values, year, first_line_of)
            if problems:
                errors.extend(RollError(line, problem) for problem in problems)
            else:
                rows.append(row)
    except RollFileError as error:
        return ParsedRoll(rows=[], errors=[RollError(error.line, str(error))])
    if not rows and not errors:
        return ParsedRoll(rows=[], errors=[RollError(None, _("The file has a header but no rows."))])
    return ParsedRoll(rows=rows, errors=errors)


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


def _header(lines: Iterator[tuple[int, list]]) -> dict[str, int]:
    """The first row that is not blank, mapped to column positions."""
    for line, cells in lines:
        if _is_blank(cells):
            continue
        columns: dict[str, int] = {}
        for index, cell in enumerate(cells):
            field = HEADER_ALIASES.get(_header_key(cell))
            if field is None:
                continue  # a column of the clerk's own, such as remarks: not imported
            if field in columns:
                message = _("Two columns hold the same thing (%(field)s); remove one of them.")
                raise RollFileError(message % {"field": field}, line)
            columns[field] = index
        missing = [field for field in FIELDS if field not in columns]
        if missing:
            message = _("The header has no column for: %(fields)s. The first row must name the columns.")
            names = ", ".join(f"{field} ({CHINESE_HEADERS[field]})" for field in missing)
            raise RollFileError(message % {"fields": names}, line)
        return columns
    raise RollFileError(_("The file is empty."))


def _header_key(cell) -> str:
    text = _text(cell).casefold()
    return "".join(character for character in text if not character.isspace() and character not in "_-")


def _is_blank(cells: list) -> bool:
    return all(_text(cell) == "" for cell in cells)


def _text(value) -> str:
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


def _check_row(
    line: int, values: dict, year: int, first_line_of: dict[str, int]
) -> tuple[RollRow | None, list[str]]:
    """The row, or the reasons it cannot be imported. `first_line_of` tracks IDs seen so far."""
    problems = []

    household = _text(values["household"])
    if not household:
        problems.append(_("The household is empty."))
    elif len(household) > HOUSEHOLD_MAX_LENGTH:
        message = _("The household is longer than %(max)s characters.")
        problems.append(message % {"max": HOUSEHOLD_MAX_LENGTH})

    name = _text(values["name"])
    if not name:
        problems.append(_("The name is empty."))
    elif len(name) > NAME_MAX_LENGTH:
        problems.append(_("The name is longer than %(max)s characters.") % {"max": NAME_MAX_LENGTH})

    gender = GENDERS.get(_text(values["gender"]).casefold())
    if gender is None:
        message = _("The gender “%(value)s” is not understood; write M or F (男 or 女).")
        problems.append(message % {"value": _text(values["gender"])})

    birth_year = _birth_year(values["birth_year"], year, problems)
    id_number = _id_number(values["id_number"], problems)
    if id_number is not None:
        first = first_line_of.setdefault(id_number.normalized, line)
        if first != line:
            message = _("The same ID number is also on line %(first)s; a person is listed only once.")
            problems.append(message % {"first": first})
        id_year = id_number.birth_date.year
        if birth_year is not None and birth_year != id_year:
            message = _("The birth year %(year)s does not match the ID number, which says %(id_year)s.")
            problems.append(message % {"year": birth_year, "id_year": id_year})
        elif year - id_year < VOTING_AGE:
            message = _("This person is not %(age)s this year and cannot be on the voter roll.")
            problems.append(message % {"age": VOTING_AGE})

    party_member = _flag(values["party_member"], _("Party member"), problems)
    representative = _flag(values["representative"], _("villagers' representative"), problems)

    if problems:
        return None, problems
    row = RollRow(
        line=line,
        household=household,
        name=name,
        gender=gender,
        birth_year=birth_year,
        id_number=id_number,
        party_member=party_member,
        representative=representative,
    )
    return row, problems


def _birth_year(value, year: int, problems: list) -> int | None:
    text = _text(value)
    if not text:
        problems.append(_("The birth year is empty."))
        return None
    if not (text.isascii() and text.isdigit() and len(text) == 4 and 1900 <= int(text) <= year):
        problems.append(_("The birth year “%(value)s” is not a year such as 1970.") % {"value": text})
        return None
    return int(text)


def _id_number(value, problems: list) -> IdNumber | None:
    if isinstance(value, float):
        # Excel keeps 15 significant digits: an ID number typed into a number cell has lost its end.
        problems.append(
            _(
                "The ID number was stored as a number and has lost its last digits; "
                "format the column as text and type it again."
            )
        )
        return None
    text = _text(value)
    if not text:
        problems.append(_("The ID number is empty."))
        return None
    try:
        return parse_id_number(text)
    except IdNumberError as error:
        problems.append(str(error))
        return None


def _flag(value, label: str, problems: list) -> bool:
    text = _text(value).casefold()
    if text in YES:
        return True
    if text not in NO:
        message = _("“%(value)s” in the column “%(column)s” is not understood; write 是 or 否 (yes or no).")
        problems.append(message % {"value": _text(value), "column": label})
    return False
