"""The villages' preparation files: those this installation prepared (the county) and received (the laptop).

A preparation file's version counts a village's preparations that differ in content, as a meeting
bundle's does: preparing again with nothing changed gives the same version, any change the next one.
The laptop keeps the versions it received, so that an older file given after a newer one (a replay) is
refused instead of taking the laptop's registry back to an older state (ratings.preparation.services).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class PreparationExport(models.Model):
    village = models.ForeignKey("portal.Village", on_delete=models.PROTECT, related_name="+")
    version = models.PositiveIntegerField(_("version"))
    # The SHA-256 of the members' digests: equal when nothing in the file changed.
    content_sha256 = models.CharField(max_length=64)
    prepared_at = models.DateTimeField(_("prepared"), auto_now_add=True)
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["village", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["village", "version"], name="preparation_export_version_once")
        ]
        verbose_name = _("prepared laptop file")
        verbose_name_plural = _("prepared laptop files")

    def __str__(self):
        return f"{self.village} · v{self.version}"


class PreparationReceipt(models.Model):
    village = models.ForeignKey("portal.Village", on_delete=models.PROTECT, related_name="+")
    version = models.PositiveIntegerField(_("version"))
    manifest_sha256 = models.CharField(_("SHA-256 of the manifest"), max_length=64)
    received_at = models.DateTimeField(_("received"), auto_now_add=True)

    class Meta:
        ordering = ["village", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["village", "version"], name="preparation_receipt_version_once")
        ]
        verbose_name = _("received laptop file")
        verbose_name_plural = _("received laptop files")

    def __str__(self):
        return f"{self.village} · v{self.version}"
