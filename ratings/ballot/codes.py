"""Ballot codes and receipts in Crockford's base32, as pure functions.

A ballot code is 9 random symbols (45 bits) and Crockford's check symbol (the value modulo 37).
Codes whose check would be one of the five extra check symbols (* ~ $ = U) are drawn again, so that
the keypad needs only the 32 ordinary symbols; that keeps 44.8 bits. Typing is forgiving as the
standard says: lower case, O for 0, I and L for 1, hyphens and spaces are all accepted.
"""

import hashlib
import hmac
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CHECK_ALPHABET = ALPHABET + "*~$=U"
DATA_SYMBOLS = 9
RECEIPT_SYMBOLS = 8  # 40 bits: unguessable, short enough to copy down
ALIASES = str.maketrans({"O": "0", "I": "1", "L": "1"})


def check_symbol(data: str) -> str:
    value = 0
    for symbol in data:
        value = value * 32 + ALPHABET.index(symbol)
    return CHECK_ALPHABET[value % 37]


def new_code() -> str:
    while True:
        data = "".join(secrets.choice(ALPHABET) for _ in range(DATA_SYMBOLS))
        check = check_symbol(data)
        if check in ALPHABET:
            return data + check


def new_receipt() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(RECEIPT_SYMBOLS))


def normalize(typed: str) -> str:
    """What the villager typed, in canonical form: upper case, aliases resolved, separators gone."""
    return "".join(ch for ch in (typed or "").upper().translate(ALIASES) if ch not in " -_")


def is_well_formed(code: str) -> bool:
    """Right length, known symbols, right check symbol: catches a typing slip before any lookup."""
    return (
        len(code) == DATA_SYMBOLS + 1
        and all(symbol in ALPHABET for symbol in code[:-1])
        and code[-1] in CHECK_ALPHABET
        and check_symbol(code[:-1]) == code[-1]
    )


def is_receipt(receipt: str) -> bool:
    """A receipt's shape (in canonical form): the right length, known symbols."""
    return len(receipt) == RECEIPT_SYMBOLS and all(symbol in ALPHABET for symbol in receipt)


def display(code: str) -> str:
    """Grouped for reading aloud and copying: two groups of five, as in 7KQ2M-W9D4H."""
    return f"{code[:5]}-{code[5:]}"


def code_hash(key: bytes, meeting_id: int, code: str) -> str:
    """The only form in which a code is stored: keyed, and bound to its meeting."""
    return hmac.new(key, f"{meeting_id}:{code}".encode(), hashlib.sha256).hexdigest()
