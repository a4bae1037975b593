"""The closure certificate of a meeting: the scrutineers (监票人) named for it, and the confirmations of
the certificate by them and by the supervision committee's chair.

A confirmation binds to one computed results snapshot — its version, the digest of its ballots and the
digest of the certificate's figures — so that computing the results again, or any change of a figure,
leaves it on record but no longer counting (ratings.closure.certificate).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ratings.querysets import ScrutineerQuerySet


class Scrutineer(models.Model):
    """A villager of the roll named to watch the count of one meeting, perhaps with a staff account."""

    meeting = models.ForeignKey(
        "meetings.Meeting", on_delete=models.CASCADE, related_name="scrutineers", verbose_name=_("meeting")
    )
    resident = models.ForeignKey(
        "portal.Resident", on_delete=models.PROTECT, related_name="+", verbose_name=_("villager")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="scrutineer_seats",
        verbose_name=_("staff account"),
    )
    # None: named at the venue, imported with the meeting's bundle (the venue's accounts stay there).
    named_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    named_at = models.DateTimeField(_("named"), auto_now_add=True)

    objects = ScrutineerQuerySet.as_manager()

    class Meta:
        ordering = ["meeting", "resident__name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "resident"], name="scrutineer_once"),
            models.UniqueConstraint(
                fields=["meeting", "user"],
                condition=models.Q(user__isnull=False),
                name="scrutineer_account_once",
            ),
        ]
        verbose_name = _("scrutineer")
        verbose_name_plural = _("scrutineers")

    def __str__(self):
        return self.resident.name

    @property
    def name(self) -> str:
        return self.resident.name


class CertificateConfirmation(models.Model):
    """One signer's confirmation of the closure certificate of one computed snapshot."""

    class Capacity(models.TextChoices):
        CHAIR = "chair", _("chair of the supervision committee")
        SCRUTINEER = "scrutineer", _("scrutineer")

    meeting = models.ForeignKey(
        "meetings.Meeting",
        on_delete=models.CASCADE,
        related_name="certificate_confirmations",
        verbose_name=_("meeting"),
    )
    # Null once the draft it confirmed is replaced by a new count: kept on record, counting no more.
    snapshot = models.ForeignKey(
        "ratings.ResultSnapshot",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="confirmations",
        verbose_name=_("results"),
    )
    version = models.PositiveSmallIntegerField(_("results version"))
    ballots_sha256 = models.CharField(_("SHA-256 of the ballots"), max_length=64)
    figures_sha256 = models.CharField(_("SHA-256 of the certificate's figures"), max_length=64)
    capacity = models.CharField(_("as"), max_length=12, choices=Capacity.choices)
    scrutineer = models.ForeignKey(
        Scrutineer, on_delete=models.SET_NULL, null=True, blank=True, related_name="confirmations"
    )
    member = models.ForeignKey(
        "portal.SupervisionMember", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    signer_name = models.CharField(_("signed by"), max_length=100)
    # Signed on the printed copy; recorded by the operator (`recorded_by`), not confirmed by the signer.
    on_paper = models.BooleanField(_("signed on paper"), default=False)
    # None: recorded at the venue, imported with the meeting's bundle.
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    confirmed_at = models.DateTimeField(_("confirmed"), auto_now_add=True)

    # One counting confirmation per signer and snapshot is the service's rule (under the meeting's lock):
    # after a figure changed, the same signer confirms the same snapshot again.
    class Meta:
        ordering = ["meeting", "version", "confirmed_at", "pk"]
        verbose_name = _("certificate confirmation")
        verbose_name_plural = _("certificate confirmations")

    def __str__(self):
        return f"{self.meeting} · v{self.version} · {self.signer_name}"
