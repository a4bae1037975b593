"""Results of a vote: the immutable snapshot, objections during the public notice, the honor roll.

A snapshot is computed as a draft, reviewed, then published for the notice period; what it says never
changes after that. A recount writes a new version and supersedes the old one, which stays readable.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ratings.models.ballot import BallotEvaluation
from ratings.querysets import (
    SNAPSHOT_LIFECYCLE_FIELDS,
    CadreStandingQuerySet,
    EvaluationCountQuerySet,
    GradeCountQuerySet,
    HonorCandidateQuerySet,
    ImmutableSnapshotError,
    ObjectionQuerySet,
    ResultSnapshotQuerySet,
)


class ResultSnapshot(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("draft, under review")
        PUBLISHED = "published", _("under public notice")
        FINAL = "final", _("final")
        SUPERSEDED = "superseded", _("superseded by a recount")
        WITHDRAWN = "withdrawn", _("withdrawn: meeting annulled")

    LIVE = {Status.PUBLISHED, Status.FINAL}
    # Objections lodged against results later withdrawn by an annulment still get their ruling.
    RULABLE = {Status.PUBLISHED, Status.WITHDRAWN}

    meeting = models.ForeignKey(
        "meetings.Meeting",
        on_delete=models.PROTECT,
        related_name="result_snapshots",
        verbose_name=_("meeting"),
    )
    version = models.PositiveSmallIntegerField(_("version"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.DRAFT)
    # The published results.json, as computed; never edited once published.
    data = models.JSONField(_("results"))
    ballots = models.PositiveIntegerField(_("ballots"))
    ballots_sha256 = models.CharField(_("SHA-256 of ballots.csv"), max_length=64)
    computed_at = models.DateTimeField(_("computed"))
    computed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    notice_ends = models.DateField(_("notice period ends"), null=True, blank=True)
    finalized_at = models.DateTimeField(_("final since"), null=True, blank=True)

    objects = ResultSnapshotQuerySet.as_manager()

    class Meta:
        ordering = ["meeting", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "version"], name="snapshot_version_once"),
            models.UniqueConstraint(
                fields=["meeting"],
                condition=models.Q(status__in=["published", "final"]),
                name="snapshot_one_live_per_meeting",
            ),
            models.UniqueConstraint(
                fields=["meeting"], condition=models.Q(status="draft"), name="snapshot_one_draft_per_meeting"
            ),
        ]
        verbose_name = _("results snapshot")
        verbose_name_plural = _("results snapshots")

    def __str__(self):
        return f"{self.meeting} · v{self.version}"

    def save(self, *args, **kwargs):
        # Written once: later saves may only move it along its lifecycle (ratings.results.services).
        update_fields = kwargs.get("update_fields")
        if not self._state.adding and (
            update_fields is None or set(update_fields) - SNAPSHOT_LIFECYCLE_FIELDS
        ):
            raise ImmutableSnapshotError("What a results snapshot says cannot be changed; compute a new one.")
        super().save(*args, **kwargs)

    @property
    def village(self):
        return self.meeting.village

    @property
    def is_live(self) -> bool:
        return self.status in self.LIVE

    def accepts_objections(self, today=None) -> bool:
        """Under public notice and the notice period not over (its last day included); today by default."""
        return self.status == self.Status.PUBLISHED and (today or timezone.localdate()) <= self.notice_ends

    @property
    def takes_rulings(self) -> bool:
        """Its objections may still be ruled on: under notice, or withdrawn by an annulment."""
        return self.status in self.RULABLE


class Objection(models.Model):
    """An objection lodged during the notice period; every one gets a ruling shown publicly."""

    class Subject(models.TextChoices):
        RESULTS = "results", _("the results")
        HONOR_ROLL = "honor_roll", _("the honor roll")

    class Status(models.TextChoices):
        PENDING = "pending", _("awaiting a ruling")
        UPHELD = "upheld", _("upheld")
        REJECTED = "rejected", _("rejected")

    snapshot = models.ForeignKey(
        ResultSnapshot, on_delete=models.PROTECT, related_name="objections", verbose_name=_("results")
    )
    subject = models.CharField(_("about"), max_length=12, choices=Subject.choices, default=Subject.RESULTS)
    text = models.TextField(_("objection"))
    name = models.CharField(_("name (optional)"), max_length=50, blank=True)
    # For the township office to reply; never shown publicly.
    contact = models.CharField(_("contact (optional, not published)"), max_length=100, blank=True)
    # A keyed hash of the sender's address, only to rate-limit; never shown.
    sender_key = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    browser_key = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    lodged_at = models.DateTimeField(_("lodged"), auto_now_add=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    ruling = models.TextField(_("ruling"), blank=True)
    # Abusive or personal text is withheld from the public page; the ruling is still shown.
    text_withheld = models.BooleanField(_("text withheld"), default=False)
    ruled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    ruled_at = models.DateTimeField(_("ruled"), null=True, blank=True)

    objects = ObjectionQuerySet.as_manager()

    class Meta:
        ordering = ["snapshot", "lodged_at", "pk"]
        verbose_name = _("objection")
        verbose_name_plural = _("objections")

    def __str__(self):
        return _("Objection %(number)s") % {"number": self.pk}

    @property
    def village(self):
        return self.snapshot.meeting.village

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING

    @property
    def may_be_ruled(self) -> bool:
        """Awaiting its ruling, on results that still take rulings (ratings.results.services checks both)."""
        return self.is_pending and self.snapshot.takes_rulings


class HonorNomination(models.Model):
    """A household put forward for the honor roll by the village committees, with the reason."""

    meeting = models.ForeignKey(
        "meetings.Meeting",
        on_delete=models.PROTECT,
        related_name="honor_nominations",
        verbose_name=_("meeting"),
    )
    household = models.ForeignKey(
        "portal.Household", on_delete=models.PROTECT, related_name="+", verbose_name=_("household")
    )
    reason = models.TextField(_("reason"))
    # None: put forward at the venue, imported with the meeting's bundle.
    nominated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("nominated"), auto_now_add=True)

    class Meta:
        ordering = ["meeting", "created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "household"], name="honor_nomination_once"),
        ]
        verbose_name = _("committee nomination")
        verbose_name_plural = _("committee nominations")

    def __str__(self):
        return f"{self.meeting} · {self.household}"

    @property
    def village(self):
        return self.meeting.village


class HonorCandidate(models.Model):
    """A household on the meeting's honor list: its votes, the committees' reason, the review, the award."""

    class Status(models.TextChoices):
        PENDING = "pending", _("awaiting review")
        ACCEPTED = "accepted", _("accepted")
        DECLINED = "declined", _("declined")

    meeting = models.ForeignKey(
        "meetings.Meeting",
        on_delete=models.PROTECT,
        related_name="honor_candidates",
        verbose_name=_("meeting"),
    )
    household = models.ForeignKey(
        "portal.Household", on_delete=models.PROTECT, related_name="+", verbose_name=_("household")
    )
    votes = models.PositiveIntegerField(_("ballot nominations"), default=0)
    committee_reason = models.TextField(_("committees' reason"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    review_note = models.CharField(_("reviewer's note"), max_length=200, blank=True)
    award = models.CharField(_("award"), max_length=100, blank=True)
    # The award's name in Uyghur, shown on Uyghur pages (the Chinese as the fallback: portal/names.py).
    award_ug = models.CharField(_("award in Uyghur"), max_length=100, blank=True)
    award_amount = models.DecimalField(
        _("award amount (yuan)"), max_digits=9, decimal_places=2, null=True, blank=True
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)

    objects = HonorCandidateQuerySet.as_manager()

    class Meta:
        ordering = ["meeting", "-votes", "household__number"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "household"], name="honor_candidate_once"),
            models.CheckConstraint(condition=models.Q(award_amount__gte=0), name="honor_award_not_negative"),
        ]
        verbose_name = _("honor roll candidate")
        verbose_name_plural = _("honor roll candidates")

    def __str__(self):
        return f"{self.meeting} · {self.household}"

    @property
    def village(self):
        return self.meeting.village


class GradeCount(models.Model):
    """How many ballots gave a cadre one grade on one criterion, in one voter group: the histograms of
    a meeting, written when its box is sealed (at the close, and again when the paper count's closure
    puts the paper ballots in). Every results document, recount of the open data and ranking after
    that reads these rows, never the grade rows again; verify_results checks them against the box.
    """

    meeting = models.ForeignKey("meetings.Meeting", on_delete=models.CASCADE, related_name="grade_counts")
    cadre = models.ForeignKey("portal.Cadre", on_delete=models.PROTECT, related_name="+")
    # No criterion: the overall grade of quick mode.
    criterion = models.ForeignKey("ratings.Criterion", on_delete=models.PROTECT, null=True, related_name="+")
    group = models.ForeignKey("ratings.VoterGroup", on_delete=models.PROTECT, related_name="+")
    grade = models.ForeignKey("ratings.Grade", on_delete=models.PROTECT, related_name="+")
    ballots = models.PositiveIntegerField()

    objects = GradeCountQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "cadre", "criterion", "group", "grade"],
                nulls_distinct=False,
                name="grade_count_once",
            )
        ]

    def __str__(self):
        return f"{self.meeting_id} · {self.cadre_id} · {self.criterion} · {self.group} · {self.grade}"


class EvaluationCount(models.Model):
    """How many ballots gave one answer on one household's evaluation, in one voter group: written when
    the box is sealed, as GradeCount is, and what the results and the recount read after that."""

    meeting = models.ForeignKey(
        "meetings.Meeting", on_delete=models.CASCADE, related_name="evaluation_counts"
    )
    proposal = models.ForeignKey("ratings.HouseholdProposal", on_delete=models.PROTECT, related_name="+")
    group = models.ForeignKey("ratings.VoterGroup", on_delete=models.PROTECT, related_name="+")
    answer = models.CharField(max_length=8, choices=BallotEvaluation.Answer.choices)
    ballots = models.PositiveIntegerField()

    objects = EvaluationCountQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "proposal", "group", "answer"], name="evaluation_count_once"
            )
        ]

    def __str__(self):
        return f"{self.meeting_id} · {self.proposal_id} · {self.group} · {self.answer}"


class CadreStanding(models.Model):
    """One cadre's published standing for one post it held, as a snapshot published it: what the
    township and county rankings and a cadre's history read, one row each, without opening the
    snapshot's document. Written with the snapshot and never changed; only live snapshots count.
    """

    snapshot = models.ForeignKey(ResultSnapshot, on_delete=models.CASCADE, related_name="standings")
    cadre = models.ForeignKey("portal.Cadre", on_delete=models.PROTECT, related_name="+")
    village = models.ForeignKey("portal.Village", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    post = models.CharField(max_length=32, blank=True)
    name = models.CharField(max_length=100)
    # None: figures withheld (the k rule), or nobody graded the cadre.
    score = models.DecimalField(max_digits=9, decimal_places=4, null=True)
    satisfaction = models.DecimalField(max_digits=5, decimal_places=4, null=True)
    verdict_share = models.DecimalField(max_digits=5, decimal_places=4, null=True)
    swing = models.DecimalField(max_digits=9, decimal_places=4, null=True)
    graded_ballots = models.PositiveIntegerField(default=0)
    median_grade = models.CharField(max_length=32, blank=True)
    verdict = models.CharField(max_length=32, blank=True)
    village_rank = models.PositiveSmallIntegerField(null=True)
    two_years = models.BooleanField(default=False)
    withheld = models.BooleanField(default=False)

    objects = CadreStandingQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["year", "post"], name="standing_year_post")]

    def __str__(self):
        return f"{self.snapshot} · {self.name} · {self.post}"
