"""An uploaded roll file kept between its preview and the clerk's confirmation, and no longer.

The file holds full ID numbers, so it is kept outside MEDIA_ROOT (never served), under a random name,
and deleted once imported, cancelled or an hour old. The page carries a signed token naming the file,
the village, the account and the file's SHA-256: no session is needed (any app server sharing the
storage can confirm it), and a token cannot be replayed for another village, by another account, or
on a file that changed.
"""

import hashlib
import secrets

from django.conf import settings
from django.core import signing
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.utils import timezone
from django.utils.translation import gettext as _

SALT = "portal.roll_import.pending"
SUFFIX = ".roll"


class PendingUploadError(ValueError):
    """The token names no file this account may confirm; the message is user-facing."""


def _storage():
    return storages["roll_uploads"]


def keep(content: bytes, *, village, user) -> str:
    """Store the file for its preview; returns the token the confirmation must bring back."""
    sweep()
    name = _storage().save(f"{secrets.token_hex(16)}{SUFFIX}", ContentFile(content))
    payload = {"f": name, "v": village.pk, "u": user.pk, "d": hashlib.sha256(content).hexdigest()}
    return signing.dumps(payload, salt=SALT)


def load(token: str, *, village, user) -> bytes:
    """The kept file, if the token is this account's for this village and still fresh."""
    payload = _payload(token)
    expired = _("This preview has expired or was already used; upload the file again.")
    if payload is None or payload.get("v") != village.pk or payload.get("u") != user.pk:
        raise PendingUploadError(expired)
    try:
        with _storage().open(payload["f"]) as kept:
            content = kept.read()
    except (OSError, KeyError):
        raise PendingUploadError(expired) from None
    if hashlib.sha256(content).hexdigest() != payload.get("d"):
        raise PendingUploadError(expired)
    return content


def discard(token: str) -> None:
    """Delete the token's file, if it is still there."""
    payload = _payload(token)
    if payload is not None:
        _storage().delete(payload["f"])


def sweep() -> None:
    """Delete kept files older than the preview's lifetime (a preview left without an answer)."""
    storage = _storage()
    try:
        _, names = storage.listdir("")
    except FileNotFoundError:
        return
    oldest = timezone.now() - timezone.timedelta(seconds=settings.ROLL_PREVIEW_MAX_AGE)
    for name in names:
        if name.endswith(SUFFIX) and storage.get_modified_time(name) < oldest:
            storage.delete(name)


def _payload(token: str) -> dict | None:
    try:
        payload = signing.loads(token, salt=SALT, max_age=settings.ROLL_PREVIEW_MAX_AGE)
    except signing.BadSignature:  # SignatureExpired included
        return None
    name = payload.get("f") if isinstance(payload, dict) else None
    # The name was made here; checked anyway, so that no token can point outside the folder.
    if not isinstance(name, str) or "/" in name or "\\" in name or not name.endswith(SUFFIX):
        return None
    return payload
