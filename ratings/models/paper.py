"""Paper ballots: sheets printed for a meeting, the images of those that came back, what a person
decided where the machine would not, the clerks' keyed entries, and the paper count's closure.

A sheet is anonymous paper: its identifier is random and nothing records who received it (the poll
book says only that a villager took a paper ballot instead of a code). What it says becomes a Ballot
only when the paper count closes, all at once and in random order, with no link back to the sheet,
its image, the upload or the clerks (ratings.paper.box).
"""

import uuid

from django.conf import settings
from django.core.files.storage import storages
from django.db import models
from django.utils.translation import gettext_lazy as _

from ratings.models.ballot import VoterGroup
from ratings.querysets import PaperSheetQuerySet


def page_image_path(_instance, filename: str) -> str:
    """A random name: never the uploaded file's name, which may carry a time or an order."""
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"{uuid.uuid4().hex}.{suffix}"


def paper_storage():
    """settings.STORAGES["paper"]: not under MEDIA_ROOT, never served as a file (PAPER_ROOT)."""
    return storages["paper"]


class PaperPrint(models.Model):
    """A run of blank sheets printed for one voter group: how many, never for whom."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    meeting = models.ForeignKey("meetings.Meeting", on_delete=models.PROTECT, related_name="paper_prints")
    group = models.ForeignKey(VoterGroup, on_delete=models.PROTECT, related_name="+", verbose_name=_("group"))
    language = models.CharField(_("language"), max_length=10)
    digest = models.CharField(max_length=8, editable=False)
    sheets = models.PositiveIntegerField(_("sheets"))

    class Meta:
        verbose_name = _("print run of paper ballots")
        verbose_name_plural = _("print runs of paper ballots")

    def __str__(self):
        return f"{self.meeting} · {self.sheets}"


class PaperSheet(models.Model):
    """One printed ballot sheet; every page of it carries `sheet_id` in its QR code, and in print."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    meeting = models.ForeignKey("meetings.Meeting", on_delete=models.PROTECT, related_name="paper_sheets")
    print_run = models.ForeignKey(PaperPrint, on_delete=models.PROTECT, related_name="sheet_rows")
    sheet_id = models.CharField(_("sheet"), max_length=16)

    objects = PaperSheetQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["meeting", "sheet_id"], name="paper_sheet_once")]
        verbose_name = _("paper ballot sheet")
        verbose_name_plural = _("paper ballot sheets")

    def __str__(self):
        return self.sheet_id


class PaperPage(models.Model):
    """An uploaded page: the image as it came, its SHA-256, and what the reader made of it.

    `sheet` is empty when the reader found the sheet but could not read its code: two people read the
    sheet's identifier, printed under the code, and the lines are read again. No upload time, batch or
    file name is kept.
    """

    class Problem(models.TextChoices):
        NONE = "", _("read")
        UNREADABLE_CODE = "unreadable_code", _("the sheet's code could not be read")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    meeting = models.ForeignKey("meetings.Meeting", on_delete=models.PROTECT, related_name="paper_pages")
    sheet = models.ForeignKey(
        PaperSheet, on_delete=models.PROTECT, null=True, blank=True, related_name="pages"
    )
    number = models.PositiveSmallIntegerField(null=True, blank=True)
    image = models.FileField(upload_to=page_image_path, storage=paper_storage)
    sha256 = models.CharField(max_length=64)
    # The page after rotation and perspective were undone: every crop below is a rectangle in it.
    corrected = models.FileField(upload_to=page_image_path, storage=paper_storage, blank=True)
    lines = models.JSONField(default=list)  # [{cadre, criterion, status, grade, crop, ink}]
    nominations = models.JSONField(default=list)  # [{number, written, crop}]
    problem = models.CharField(max_length=20, choices=Problem.choices, blank=True)
    handled = models.BooleanField(default=False)  # an unreadable page set aside: scanned again or keyed

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["sheet", "number"], condition=models.Q(sheet__isnull=False), name="paper_page_once"
            ),
            models.UniqueConstraint(fields=["meeting", "sha256"], name="paper_image_once"),
        ]
        verbose_name = _("paper ballot page")
        verbose_name_plural = _("paper ballot pages")

    def __str__(self):
        return self.sha256[:12]


class PaperKeying(models.Model):
    """What one clerk keyed for one sheet, blind to the other clerk: {line key: grade key or ""} and the
    household numbers written in the nomination boxes."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    sheet = models.ForeignKey(PaperSheet, on_delete=models.PROTECT, related_name="keyings")
    clerk = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    lines = models.JSONField(default=dict)
    nominations = models.JSONField(default=list)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["sheet", "clerk"], name="paper_keying_once")]
        verbose_name = _("keyed paper ballot")
        verbose_name_plural = _("keyed paper ballots")

    def __str__(self):
        return f"{self.sheet} · {self.clerk}"


class PaperDecision(models.Model):
    """A line the machine would not read, or the clerks keyed differently: two accounts agree on it.

    `key` names a line ("<cadre key>:<criterion key or overall>") or "nominations". Each of the two
    readings is entered blind to the other; when they differ both are cleared and the line is read
    again. `value` is set when they agree: a grade key, "" for a line left blank or void, or the list
    of household numbers.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    sheet = models.ForeignKey(PaperSheet, on_delete=models.PROTECT, related_name="decisions")
    key = models.CharField(max_length=80)
    reason = models.CharField(max_length=20)  # overmarked, ambiguous, keyed_apart
    first_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    first_value = models.JSONField(null=True, blank=True)
    second_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    second_value = models.JSONField(null=True, blank=True)
    disagreements = models.PositiveSmallIntegerField(default=0)
    value = models.JSONField(null=True, blank=True)
    decided = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["sheet", "key"], name="paper_decision_once")]
        verbose_name = _("adjudicated line")
        verbose_name_plural = _("adjudicated lines")

    def __str__(self):
        return f"{self.sheet} · {self.key}"


class PaperClosure(models.Model):
    """The paper count, closed: the figures the closure form stated and checked. Closing it put the
    paper ballots into the box; nothing of the paper changes afterwards."""

    meeting = models.OneToOneField("meetings.Meeting", on_delete=models.PROTECT, related_name="paper_closure")
    figures = models.JSONField()
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("paper count closure")
        verbose_name_plural = _("paper count closures")

    def __str__(self):
        return str(self.meeting)


class DoorCount(models.Model):
    """How many ballots came in by each door (terminal, phone, paper), kept when the box is sealed.

    While voting is open the door is on each ballot row, for the operator's live counts; the seal
    moves it here and wipes it from the rows, so that a door few villagers used (the phones, or the
    paper of a handful) does not single out their ballots afterwards.
    """

    meeting = models.ForeignKey("meetings.Meeting", on_delete=models.CASCADE, related_name="door_counts")
    door = models.CharField(max_length=10)
    ballots = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["meeting", "door"], name="door_count_once")]

    def __str__(self):
        return f"{self.meeting} · {self.door}: {self.ballots}"
