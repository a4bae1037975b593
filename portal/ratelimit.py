"""The one brake per network address on what anyone may do without an account.

Five things are limited: questions left on the site, objections to published results, receipt
checks, wrong ballot codes typed on phones, and wrong codes of households' cards (the visit log). Each
is an `AddressLimit` (below, with its numbers from the settings), spent with `spend`, which answers the
sender's key or raises `RateLimited`; the view answers 429 with its `retry_after`.

Where the allowance is counted depends on what the action writes anyway:

- a question or an objection is a row that stores the sender's key, so those rows are the count: the
  limit holds across several app servers, and nothing else is stored. Two posts racing from one
  address may both pass on PostgreSQL; that is acceptable for a spam brake;
- a receipt check writes nothing, and must not start writing: its allowance is a counter in Django's
  cache. With the laptop's per-process cache each app server counts on its own; a county running
  several servers sets REDIS_URL (portal/settings.py) and they count once.

The address itself is never stored, only `sender_key(address)`: a keyed hash, equal for equal
addresses and useless to a reader, since the key derives from SECRET_KEY.

One address may be a whole village: a carrier's shared address, or the village office's router. So
questions and objections are limited twice: per browser, tightly (a random identifier in a signed
cookie, `browser_id`, stored only as a keyed hash too), and per address, loosely, as the brake on a
flood. One villager who keeps posting spends their browser's allowance, not the village's; only a
sender who throws away the cookie each time can spend the address's, which is ten times larger and
the township can raise (docs/production.md).
"""

import datetime
import re
import secrets
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.crypto import salted_hmac

HOUR = datetime.timedelta(hours=1)


class RateLimited(Exception):
    """The address has spent its allowance. The message, if any, is user-facing."""

    def __init__(self, message: str = "", *, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


def sender_key(address: str) -> str:
    """A keyed hash of a network address: the only form in which an address is counted or stored."""
    return salted_hmac("portal.ratelimit.sender", address or "", algorithm="sha256").hexdigest()


BROWSER_COOKIE = "portal_sender"
BROWSER_COOKIE_AGE = 365 * 24 * 3600
_BROWSER_SALT = "portal.ratelimit.browser"


def browser_key(browser: str) -> str:
    """A keyed hash of a browser's identifier, as stored beside a question or an objection."""
    return salted_hmac(_BROWSER_SALT, browser, algorithm="sha256").hexdigest() if browser else ""


def browser_id(request) -> tuple[str, bool]:
    """The browser's random identifier from its signed cookie, or a new one (True: `keep_browser_id`
    must give it to the browser). It names a browser, not a person, and nothing else is in it."""
    kept = request.get_signed_cookie(BROWSER_COOKIE, default=None, salt=_BROWSER_SALT)
    if kept and re.fullmatch(r"[0-9a-f]{32}", kept):
        return kept, False
    return secrets.token_hex(16), True


def keep_browser_id(response, browser: str, new: bool):
    if new:
        response.set_signed_cookie(
            BROWSER_COOKIE,
            browser,
            salt=_BROWSER_SALT,
            max_age=BROWSER_COOKIE_AGE,
            httponly=True,
            samesite="Lax",
            secure=settings.SESSION_COOKIE_SECURE,
        )
    return response


@dataclass(frozen=True)
class Spent:
    sender_key: str  # the address's keyed hash
    browser_key: str  # the browser's, or "" when the caller named none


@dataclass(frozen=True)
class AddressLimit:
    """At most `per_window` actions of one `purpose` from one address in any `window`, and, where
    `per_browser` is set and the caller names the browser, at most that many from one browser."""

    purpose: str
    per_window: int
    window: datetime.timedelta
    per_browser: int = 0

    @property
    def retry_after(self) -> int:
        """Seconds a refused sender is told to wait (the Retry-After header): a whole window."""
        return int(self.window.total_seconds())

    def spend(
        self,
        address: str,
        *,
        rows: QuerySet | None = None,
        stamped: str = "",
        message: str = "",
        browser: str = "",
    ) -> str:
        """Spend one action of the address's allowance and return its sender key, or raise RateLimited.

        Without `rows`, the allowance is a counter in the cache. With `rows`, see `spend_rows`.
        """
        if rows is not None:
            return self.spend_rows(
                address, rows=rows, stamped=stamped, message=message, browser=browser
            ).sender_key
        key = sender_key(address)
        if self._count_in_cache(key) > self.per_window:
            raise RateLimited(message, retry_after=self.retry_after)
        return key

    def spend_rows(
        self, address: str, *, rows: QuerySet, stamped: str, message: str = "", browser: str = ""
    ) -> Spent:
        """Spend one action counted in the caller's own rows, which store the sender key in
        `sender_key`, the browser key in `browser_key` and the time in the field `stamped`: the
        actions already spent are those rows of the last window. The caller then writes its row with
        the returned keys."""
        spent = Spent(sender_key(address), browser_key(browser))
        recent = rows.filter(**{f"{stamped}__gte": timezone.now() - self.window})
        by_browser = recent.filter(browser_key=spent.browser_key) if spent.browser_key else None
        if self.per_browser and by_browser is not None and by_browser.count() + 1 > self.per_browser:
            raise RateLimited(message, retry_after=self.retry_after)
        if recent.filter(sender_key=spent.sender_key).count() + 1 > self.per_window:
            raise RateLimited(message, retry_after=self.retry_after)
        return spent

    def exhausted(self, address: str) -> bool:
        """Whether the address has spent its allowance in the cache's current window (spends nothing)."""
        return (cache.get(self._cache_entry(sender_key(address))) or 0) >= self.per_window

    def _cache_entry(self, key: str) -> str:
        return f"ratelimit:{self.purpose}:{key}:{int(time.time() // self.retry_after)}"

    def _count_in_cache(self, key: str) -> int:
        """Add one to this window's counter of the key; the number spent so far, this one included."""
        seconds = self.retry_after
        entry = self._cache_entry(key)
        cache.add(entry, 0, timeout=2 * seconds)
        try:
            return cache.incr(entry)
        except ValueError:  # the entry expired between add and incr
            cache.set(entry, 1, timeout=2 * seconds)
            return 1


# The limits, read from the settings when they are spent (a test or an operator may change them).


def questions() -> AddressLimit:
    """Questions left on the site, counted in Question rows: per browser, and per address."""
    return AddressLimit(
        "question", settings.QUESTIONS_PER_ADDRESS_PER_HOUR, HOUR, settings.QUESTIONS_PER_BROWSER_PER_HOUR
    )


def objections() -> AddressLimit:
    """Objections to published results, counted in Objection rows: per browser, and per address."""
    return AddressLimit(
        "objection", settings.OBJECTIONS_PER_ADDRESS_PER_HOUR, HOUR, settings.OBJECTIONS_PER_BROWSER_PER_HOUR
    )


def phone_codes() -> AddressLimit:
    """Wrong ballot codes typed on phones, counted in the cache: phones have no terminal to count on."""
    window = datetime.timedelta(seconds=settings.PHONE_WRONG_CODES_WINDOW_SECONDS)
    return AddressLimit("phone-code", settings.PHONE_WRONG_CODES_PER_WINDOW, window)


def receipt_checks() -> AddressLimit:
    """Public receipt checks, counted in the cache: a brake on load and on scripted guessing."""
    window = datetime.timedelta(seconds=settings.RECEIPT_CHECK_WINDOW_SECONDS)
    return AddressLimit("receipt-check", settings.RECEIPT_CHECKS_PER_WINDOW, window)


def household_codes() -> AddressLimit:
    """Wrong codes of households' cards (meetings.visits), counted in the cache: a brake on guessing."""
    window = datetime.timedelta(seconds=settings.HOUSEHOLD_WRONG_CODES_WINDOW_SECONDS)
    return AddressLimit("household-code", settings.HOUSEHOLD_WRONG_CODES_PER_WINDOW, window)
