"""The public keys of venue laptops, registered by the township for a village (portal.signing).

A meeting bundle signed by a village's laptop is accepted only under a key registered for that village
and not revoked (ratings.bundle). Registering and revoking go through portal.services.venue_keys, which
writes the audit log; a revoked key stays on record, so that what it signed can still be told apart.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class VenueKeyQuerySet(models.QuerySet):
    def in_village(self, village):
        return self.filter(village=village)

    def in_force(self):
        return self.filter(revoked_at__isnull=True)


class VenueKey(models.Model):
    village = models.ForeignKey(
        "portal.Village", on_delete=models.PROTECT, related_name="venue_keys", verbose_name=_("village")
    )
    label = models.CharField(_("laptop"), max_length=100, blank=True)
    public_key = models.CharField(_("public key"), max_length=44, unique=True)
    fingerprint = models.CharField(_("fingerprint"), max_length=64, unique=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    registered_at = models.DateTimeField(_("registered"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = VenueKeyQuerySet.as_manager()

    class Meta:
        ordering = ["village", "-registered_at", "pk"]
        verbose_name = _("venue key")
        verbose_name_plural = _("venue keys")

    def __str__(self):
        return f"{self.village} · {self.fingerprint[:16]}"

    @property
    def in_force(self) -> bool:
        return self.revoked_at is None
