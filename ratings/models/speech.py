"""The spoken ballot's audio: one row per clip a meeting's ballot plays, in one language.

A clip is a text of the ballot (a cadre's name, a criterion, a grade, a sentence of the screens) and
the audio file that says it, synthesized when voting opens or recorded by a clerk. A recording is
played once a moderator approves it, in place of the synthetic clip of the same text. The files live
in STORAGES["speech"], named by `digest`, which for a synthetic clip is that of (engine, voice, text),
so that the same text is made once whatever the meeting.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ratings.querysets import SpokenClipQuerySet


class SpokenClip(models.Model):
    class Source(models.TextChoices):
        SYNTHESIZED = "synthesized", _("synthesized")
        RECORDED = "recorded", _("recorded")

    meeting = models.ForeignKey(
        "meetings.Meeting", on_delete=models.CASCADE, related_name="spoken_clips", verbose_name=_("meeting")
    )
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    text = models.TextField(_("text"))
    digest = models.CharField(_("digest"), max_length=64, db_index=True)
    file_name = models.CharField(_("file"), max_length=100)
    content_type = models.CharField(_("content type"), max_length=40)
    size = models.PositiveIntegerField(_("size in bytes"))
    source = models.CharField(_("source"), max_length=12, choices=Source.choices)
    approved = models.BooleanField(_("approved"), default=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = SpokenClipQuerySet.as_manager()

    class Meta:
        verbose_name = _("spoken clip")
        verbose_name_plural = _("spoken clips")
        ordering = ["meeting", "language", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "language", "digest"],
                condition=models.Q(source="synthesized"),
                name="synthetic_clip_once",
            )
        ]

    def __str__(self):
        return f"{self.language}: {self.text[:40]}"
