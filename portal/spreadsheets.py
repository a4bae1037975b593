"""CSV files that Excel opens right, for the open data and the staff's exports.

Every file starts with a UTF-8 byte-order mark, without which Excel on Chinese Windows reads UTF-8 as
GBK and garbles every Chinese or Uyghur word; and a text value Excel would turn into a number, a date or
a formula (a code "007" or "1-2", the 12-digit village code that becomes 6.53E+11, a text typed as
"=HYPERLINK(...)") is written as the formula ="007", which Excel shows as the text 007, exact. A
leading apostrophe would stay visible in a cell opened from a CSV, and a leading tab would stay inside
the value, so neither keeps a lookup exact; ="..." does, and `from_spreadsheet` reads it back.
Standard library only: the recount (ratings/recount.py) runs without Django.
"""

import csv
import functools
import io
import re
from collections.abc import Iterable

BOM = "\ufeff"
# What Excel reads as a number, a percentage, a date or a time, a truth value, or a formula.
_NUMBER = re.compile(r"[+-]?(\d[\d,]*)?(\.\d*)?([eE][+-]?\d+)?%?")
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_DATE_PART = re.compile(r"[0-9]+|[A-Za-z]+")
_DATE_SEPARATORS = re.compile(r"[-/:. ]")
_FORMULA_LEAD = ("=", "+", "-", "@")
# A formula's text literal holds at most 255 characters.
_FORMULA_TEXT_MAX = 255


def _looks_like_date(text: str) -> bool:
    parts = _DATE_SEPARATORS.split(text)
    return (
        len(parts) > 1
        and any(part.isdigit() for part in parts)
        and all(
            _DATE_PART.fullmatch(part)
            and (part.isdigit() or part[:3].lower() in _MONTHS or part.lower() in ("am", "pm"))
            for part in parts
        )
    )


# The same codes and counts come back on every row: remembered, a results document is written faster.
@functools.lru_cache(maxsize=4096)
def excel_would_convert(text: str) -> bool:
    """Whether Excel, opening a CSV, would store this text as something else (number, date, formula)."""
    return bool(text) and (
        (any(ch.isdigit() for ch in text) and bool(_NUMBER.fullmatch(text)))
        or _looks_like_date(text)
        or text.upper() in ("TRUE", "FALSE")
        or text.startswith(_FORMULA_LEAD)
    )


def for_spreadsheet(value):
    """A cell as Excel keeps it: text it would convert becomes ="text"; anything else is unchanged."""
    if not isinstance(value, str) or not excel_would_convert(value):
        return value
    if len(value) > _FORMULA_TEXT_MAX:
        # Too long for ="...": defused by the visible apostrophe instead (only free text is this long).
        return f"'{value}"
    return '="{}"'.format(value.replace('"', '""'))


def from_spreadsheet(cell: str) -> str:
    """The text `for_spreadsheet` wrote as ="text"; any other cell unchanged."""
    if len(cell) >= 3 and cell.startswith('="') and cell.endswith('"'):
        return cell[2:-1].replace('""', '"')
    return cell


def spreadsheet_csv(header: Iterable, rows: Iterable[Iterable]) -> bytes:
    """A CSV file that Excel opens right: BOM, and every value it would convert written as ="text"."""
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([for_spreadsheet(value) for value in row] for row in rows)
    return out.getvalue().encode("utf-8")
