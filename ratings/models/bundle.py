"""The sealed meeting bundles: those this installation exported (the venue) and imported (the county).

A bundle's version counts a meeting's exports that differ in content: exporting again with nothing
changed gives the same version, any change the next one (ratings.bundle.services). The county keeps
each bundle it imported, so that a replay of an earlier version is refused and the same bundle twice
changes nothing; it also keeps what the bundle stated and the county does not hold row by row: the
poll book's and the codes' counts, and the closure certificate as filed (its figures and their digest,
which ratings.closure.certificate shows for an imported meeting; its scrutineers and confirmations are
imported as rows).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class BundleExport(models.Model):
    meeting = models.ForeignKey("meetings.Meeting", on_delete=models.PROTECT, related_name="bundle_exports")
    version = models.PositiveIntegerField(_("version"))
    # The SHA-256 of the members' digests: equal when nothing in the bundle changed.
    content_sha256 = models.CharField(max_length=64)
    exported_at = models.DateTimeField(_("exported"), auto_now_add=True)
    exported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The village's audit chain when this version was first exported (its export entry): signed into
    # every file of the version, so that the laptop's log cannot be cut back or rewritten before it
    # unseen (`verify_audit --bundle`). The same for every export of one version.
    audit_seq = models.PositiveIntegerField(null=True, blank=True)
    audit_hash = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["meeting", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "version"], name="bundle_export_version_once")
        ]
        verbose_name = _("exported bundle")
        verbose_name_plural = _("exported bundles")

    def __str__(self):
        return f"{self.meeting} · v{self.version}"


class BundleImport(models.Model):
    meeting = models.ForeignKey("meetings.Meeting", on_delete=models.PROTECT, related_name="bundle_imports")
    version = models.PositiveIntegerField(_("version"))
    manifest_sha256 = models.CharField(_("SHA-256 of the manifest"), max_length=64)
    venue_key = models.ForeignKey("portal.VenueKey", on_delete=models.PROTECT, related_name="+")
    # The venue's seal of its live results (the SHA-256 of its per-ballot file, venue ids), as printed
    # on its notice; the county's snapshot is sealed again in the county's ids.
    venue_seal = models.CharField(max_length=64, blank=True)
    poll_counts = models.JSONField(_("poll book and codes, counted"), default=dict)
    certificate = models.JSONField(_("closure certificate"), default=dict)
    # The venue's audit chain as the bundle pinned it: {"chain", "seq", "hash"}; {} for an older bundle.
    audit_anchor = models.JSONField(_("venue's audit log"), default=dict)
    imported_at = models.DateTimeField(_("imported"), auto_now_add=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["meeting", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "version"], name="bundle_import_version_once")
        ]
        verbose_name = _("imported bundle")
        verbose_name_plural = _("imported bundles")

    def __str__(self):
        return f"{self.meeting} · v{self.version}"
