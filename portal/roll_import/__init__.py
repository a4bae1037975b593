"""Reading a village's roll file (CSV or XLSX) into checked rows. No database access.

The clerk fixes the file in a spreadsheet program, so every problem is reported with the row number
that program shows and a reason in plain words. The header may sit under title rows, and its columns
are mapped by their usual names (`columns`); the clerk may correct that mapping, which `parse_roll`
then takes instead. Nothing here decides whether a row may be written: `portal.services.roll` adds the
checks against the existing roll and writes only when no problem at all was found.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _

from portal.roll_import.columns import (
    CHINESE_HEADERS,
    FIELD_HELP,
    FIELD_LABELS,
    FIELDS,
    TEMPLATE_FIELDS,
    Header,
    field_columns,
    find_header,
)
from portal.roll_import.files import (
    MAX_CELL_LENGTH,
    MAX_LINE_LENGTH,
    MAX_LINES,
    MAX_ROWS,
    RollFileError,
    is_blank,
    read_cells,
    too_large_message,
)
from portal.roll_import.rows import RollRow, RowReader, RowResult

__all__ = [
    "CHINESE_HEADERS",
    "FIELD_HELP",
    "FIELD_LABELS",
    "FIELDS",
    "MAX_CELL_LENGTH",
    "MAX_LINE_LENGTH",
    "MAX_LINES",
    "MAX_ROWS",
    "TEMPLATE_FIELDS",
    "Header",
    "ParsedRoll",
    "RollError",
    "RollFileError",
    "RollRow",
    "parse_roll",
    "read_header",
    "too_large_message",
]

# Rows the preview shows as they will be read.
SAMPLE_ROWS = 10


@dataclass(frozen=True)
class RollError:
    """One problem, as the clerk will read it. `line` is None when it concerns the whole file."""

    line: int | None
    message: str

    def __str__(self):
        if self.line is None:
            return self.message
        return _("line %(line)s: %(reason)s") % {"line": self.line, "reason": self.message}


@dataclass
class ParsedRoll:
    """The rows to add, every problem, and what the preview shows of the file."""

    rows: list[RollRow]
    errors: list[RollError]
    left_out: list[RollError] = field(default_factory=list)  # readable rows not for the roll, and why
    header: Header | None = None
    mapping: dict[int, str] = field(default_factory=dict)  # column index → field
    sample: list[RowResult] = field(default_factory=list)
    mapping_ok: bool = False

    @property
    def households(self) -> int:
        return len({row.household for row in self.rows})


def parse_roll(
    content: bytes, *, year: int | None = None, mapping: Mapping[int, str] | None = None
) -> ParsedRoll:
    """Check every row of a roll file; `year` (default: this year) sets the voting age.

    `mapping` (column index → field) is the clerk's correction of the mapping guessed from the header;
    a column it leaves out is not imported.
    """
    year = year or timezone.localdate().year
    parsed = ParsedRoll(rows=[], errors=[])
    try:
        lines = read_cells(content)
        parsed.header, lines = find_header(lines)
        parsed.mapping = (
            parsed.header.guessed_mapping() if mapping is None else _known(parsed.header, mapping)
        )
        columns, problems = field_columns(parsed.header, parsed.mapping)
        if problems:
            parsed.errors = [RollError(parsed.header.line, problem) for problem in problems]
            return parsed
        parsed.mapping_ok = True
        _read_rows(parsed, lines, RowReader(columns, year))
    except RollFileError as error:
        parsed.rows, parsed.errors = [], [RollError(error.line, str(error))]
        return parsed
    if not parsed.rows and not parsed.errors and not parsed.left_out:
        parsed.errors = [RollError(None, _("The file has a header but no rows."))]
    elif not parsed.rows and not parsed.errors:
        parsed.errors = [RollError(None, _("No one in the file is old enough for the voter roll."))]
    return parsed


def read_header(content: bytes) -> Header:
    """The file's header row; a RollFileError when the file has none (or cannot be read)."""
    header, _rows = find_header(read_cells(content))
    return header


def _known(header: Header, mapping: Mapping[int, str]) -> dict[int, str]:
    """The clerk's mapping, for the header's columns only."""
    return {
        column.index: field if (field := mapping.get(column.index, "")) in FIELD_LABELS else ""
        for column in header.columns
    }


def _read_rows(parsed: ParsedRoll, lines, reader: RowReader) -> None:
    data_rows = 0
    for line, cells in lines:
        if is_blank(cells):
            continue
        data_rows += 1
        if data_rows > MAX_ROWS:
            message = _("The file has more than %(max)s rows; import one village at a time.")
            raise RollFileError(message % {"max": MAX_ROWS})
        result = reader.read(line, cells)
        if len(parsed.sample) < SAMPLE_ROWS:
            parsed.sample.append(result)
        parsed.errors.extend(RollError(line, problem) for problem in result.problems)
        if result.left_out:
            parsed.left_out.append(RollError(line, f"{result.name}: {result.left_out}"))
        elif result.row is not None:
            parsed.rows.append(result.row)
