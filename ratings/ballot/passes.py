"""The ballot pass: what the server hands a browser once its code is checked, until the ballot is cast.

The ballot itself is never stored before it is cast: the villager fills it in in the page, which sends
it once (ratings.ballot.views). Between the code and the cast the browser only holds this pass, a
signed cookie (HttpOnly, SameSite=Strict) naming the door, the meeting, the terminal, the code, the
terminal's count of clears when the ballot began, and the villager's language and text size. There is
nothing to clean up when a villager walks away; clearing the screen drops the cookie, casting too.

A pass is checked again at every use: its signature and age, its door and meeting against the page
asking, and on a terminal its count of clears (ratings.ballot.services.terminal_report): a terminal
cleared since (by the operator, the idle question or found silent) makes every older pass void.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from django.conf import settings
from django.core import signing

TEXT_SIZES = ("normal", "large")
SALT = "ratings.ballot.pass"
COOKIES = {"terminal": "portal_ballot_pass", "phone": "portal_phone_pass"}


def max_age(door: str) -> int:
    """Seconds a pass lives: on a terminal the server's own abandon limit, on a phone the phone's."""
    return settings.KIOSK_ABANDONED_SECONDS if door == "terminal" else settings.PHONE_PASS_SECONDS


@dataclass(frozen=True)
class BallotPass:
    door: str
    meeting: int
    code: str
    language: str
    text_size: str
    terminal: int = 0
    clears: int = 0

    @classmethod
    def read(cls, request, door: str) -> BallotPass | None:
        """The browser's valid pass for this door, or None (missing, forged, expired or malformed)."""
        raw = request.COOKIES.get(COOKIES[door])
        if not raw:
            return None
        try:
            data = signing.loads(raw, salt=SALT, max_age=max_age(door))
            ballot_pass = cls(**data)
        except (signing.BadSignature, TypeError, ValueError):
            return None
        if ballot_pass.door != door or ballot_pass.language not in dict(settings.LANGUAGES):
            return None
        if ballot_pass.text_size not in TEXT_SIZES:
            return None
        return ballot_pass

    def give(self, response, path: str) -> None:
        """Hand the pass to the browser with `response`; only pages under `path` receive it back."""
        response.set_cookie(
            COOKIES[self.door],
            signing.dumps(asdict(self), salt=SALT, compress=True),
            max_age=max_age(self.door),
            path=path,
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
            samesite="Strict",
        )


def take_back(response, door: str, path: str) -> None:
    """Drop the door's pass from the browser (after the cast, on clearing, on any refusal)."""
    response.delete_cookie(COOKIES[door], path=path, samesite="Strict")
