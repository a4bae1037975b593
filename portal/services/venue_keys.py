"""Registering and revoking a venue laptop's public key for a village (township administrators).

The command line (`manage.py venue_key`) acts with the server's authority (`by=None`), as the other
commands do; every change is in the audit log either way.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import audit, permissions, signing
from portal.models import VenueKey, Village
from portal.permissions import Capability


def _ensure(by, village: Village) -> None:
    if by is not None:
        permissions.ensure(by, Capability.MANAGE_MEETINGS, village)


@transaction.atomic
def venue_key_register(*, village: Village, public_key: str, label: str = "", by) -> VenueKey:
    """Register a laptop's public key (base64 of 32 bytes, as `signing_key` prints it) for the village."""
    _ensure(by, village)
    text = public_key.strip()
    try:
        signing.parse_public(text)
    except ValueError as error:
        raise ValidationError(
            _("This is not an Ed25519 public key: paste the line `signing_key` printed after “public key”.")
        ) from error
    fingerprint = signing.fingerprint(text)
    existing = VenueKey.objects.filter(fingerprint=fingerprint).select_related("village").first()
    if existing is not None:
        raise ValidationError(
            _("This key is already registered for %(village)s.") % {"village": existing.village}
        )
    key = VenueKey.objects.create(
        village=village,
        public_key=text,
        fingerprint=fingerprint,
        label=label,
        registered_by=by if by is not None else None,
    )
    audit.record(
        actor=by,
        action="venue_key_register",
        target=key,
        details={"village": village.code, "fingerprint": fingerprint, "label": label},
    )
    return key


@transaction.atomic
def venue_key_revoke(*, key: VenueKey, by) -> VenueKey:
    """Stop accepting bundles signed with the key (a laptop lost, replaced or handed on)."""
    _ensure(by, key.village)
    key = VenueKey.objects.select_for_update().get(pk=key.pk)
    if key.revoked_at is not None:
        raise ValidationError(_("This key was already revoked."))
    key.revoked_at = timezone.now()
    key.revoked_by = by if by is not None else None
    key.save(update_fields=["revoked_at", "revoked_by"])
    audit.record(
        actor=by,
        action="venue_key_revoke",
        target=key,
        details={"village": key.village.code, "fingerprint": key.fingerprint},
    )
    return key
