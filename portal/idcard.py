"""Resident ID-card numbers (GB 11643): validation and the keyed hash that is all the roll keeps.

The number itself is never stored: only an HMAC under a key of the deployment (so that a leaked
database cannot be matched against a list of numbers) and its last four characters for display.
"""

import datetime
import hashlib
import hmac
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext_lazy as _

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_SYMBOLS = "10X98765432"


class IdNumberError(ValueError):
    """A number that is not a valid 18-character resident ID; the message is user-facing."""


@dataclass(frozen=True)
class IdNumber:
    normalized: str

    @property
    def birth_date(self) -> datetime.date:
        value = self.normalized[6:14]
        return datetime.date(int(value[:4]), int(value[4:6]), int(value[6:]))

    @property
    def last4(self) -> str:
        return self.normalized[-4:]

    @property
    def keyed_hash(self) -> str:
        return id_number_hash(self.normalized)


def check_symbol(first17: str) -> str:
    total = sum(int(digit) * weight for digit, weight in zip(first17, WEIGHTS, strict=True))
    return CHECK_SYMBOLS[total % 11]


def normalize(raw: str) -> str:
    return "".join(str(raw).split()).upper()


def parse_id_number(raw: str) -> IdNumber:
    """Validate length, digits, the embedded birth date and the check symbol."""
    value = normalize(raw)
    if len(value) != 18:
        raise IdNumberError(_("The ID number must have 18 characters."))
    if not value[:17].isdigit() or not (value[17].isdigit() or value[17] == "X"):
        raise IdNumberError(_("The ID number may hold only digits and a final X."))
    number = IdNumber(value)
    try:
        birth_date = number.birth_date
    except ValueError:
        birth_date = None
    if birth_date is None or not 1900 <= birth_date.year <= datetime.date.today().year:
        raise IdNumberError(_("The ID number holds an impossible birth date."))
    if check_symbol(value[:17]) != value[17]:
        raise IdNumberError(_("The ID number's check digit is wrong; please check for a typing error."))
    return number


def id_number_hash(normalized: str) -> str:
    key = settings.ROLL_HASH_KEY.encode()
    return hmac.new(key, normalized.encode(), hashlib.sha256).hexdigest()


def hash_key_check() -> str:
    """A keyed hash of a fixed text (not an ID number), which two installations compare to learn whether
    they hash ID numbers under the same key: a roll moved between them only matches if they do. It
    tells nothing of the key."""
    return id_number_hash("portal: is the roll hash key the same?")


def with_check_symbol(first17: str) -> str:
    """Complete 17 digits into a valid number (used by the demo data and the tests)."""
    return first17 + check_symbol(first17)
