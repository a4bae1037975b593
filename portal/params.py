"""Reading integers from a request: query parameters and URL path segments, never past the database.

A row identifier is a signed 64-bit integer in both databases. Python's int() reads any length (and
also '٣', '1_0' and ' 7'), so an unchecked `?id=9223372036854775808` reaches the database and fails
there with a 500. Everything here answers in terms of the request instead: a 400 for a bad query
parameter, a 404 for a path (the converter lets the router refuse it), a fallback for a page size.
"""

import re

from django.core.exceptions import BadRequest
from django.utils.translation import gettext as _

DB_INT_MAX = 2**63 - 1
# At most 19 digits: the most a value up to DB_INT_MAX needs, so that no huge string is converted.
DIGITS = re.compile(r"-?[0-9]{1,19}")


class ParameterError(BadRequest):
    """A query parameter the page cannot use; the message is user-facing (the 400 page shows it)."""


def parse_int(raw, *, low: int = 1, high: int = DB_INT_MAX) -> int | None:
    """The integer `raw` spells in ASCII digits, if it lies within [low, high]; otherwise None."""
    if raw is None or not DIGITS.fullmatch(str(raw)):
        return None
    value = int(raw)
    return value if low <= value <= high else None


def int_param(request, name: str, *, low: int = 1, high: int = DB_INT_MAX, default: int | None = None):
    """The query parameter `name` as an integer within [low, high], or `default` when absent or empty.

    Present but not such an integer, it is a ParameterError: the page answers 400 naming the range.
    The default range is that of a row identifier.
    """
    raw = request.GET.get(name, "")
    if raw == "":
        return default
    value = parse_int(raw, low=low, high=high)
    if value is None:
        message = _("“%(name)s” must be a whole number from %(low)s to %(high)s.")
        raise ParameterError(message % {"name": name, "low": low, "high": high})
    return value


class IdConverter:
    """`<id:pk>` in a URL: a row identifier the database can hold. A longer one does not match, so the
    router answers 404 before any view or query runs."""

    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = parse_int(value)
        if number is None:
            raise ValueError(value)  # the router takes it as "no match"
        return number

    def to_url(self, value) -> str:
        return str(value)
