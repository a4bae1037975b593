"""The work-report meeting, the reports read at it, the questions asked and the promises made."""

import uuid

from django.conf import settings
from django.core.files.storage import storages
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from meetings.querysets import (
    CommitmentQuerySet,
    HouseholdProblemQuerySet,
    MeasureQuerySet,
    MeetingQuerySet,
    PairingQuerySet,
    QuestionQuerySet,
    RiskFlagQuerySet,
    TownshipListQuerySet,
    VisitQuerySet,
    WorkReportQuerySet,
)
from portal.models import Resident

MAX_PANEL_SEATS = 50


class IllegalTransition(Exception):
    """A status change the lifecycle does not allow; the message is user-facing."""


class Meeting(models.Model):
    class Kind(models.TextChoices):
        VILLAGERS_ASSEMBLY = "villagers", _("villagers' assembly")
        REPRESENTATIVES_ASSEMBLY = "representatives", _("villagers' representatives' assembly")

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        ANNOUNCED = "announced", _("announced")
        VOTING_OPEN = "voting_open", _("voting open")
        VOTING_CLOSED = "voting_closed", _("voting closed")
        UNDER_NOTICE = "under_notice", _("results under public notice")
        FINAL = "final", _("final")
        ANNULLED = "annulled", _("annulled")

    # The lifecycle: each status and the statuses it may move to. Annulment needs a reason and is
    # possible from anywhere but a final or already annulled meeting.
    TRANSITIONS = {
        Status.DRAFT: {Status.ANNOUNCED, Status.ANNULLED},
        Status.ANNOUNCED: {Status.VOTING_OPEN, Status.ANNULLED},
        Status.VOTING_OPEN: {Status.VOTING_CLOSED, Status.ANNULLED},
        Status.VOTING_CLOSED: {Status.UNDER_NOTICE, Status.ANNULLED},
        Status.UNDER_NOTICE: {Status.FINAL, Status.ANNULLED},
        Status.FINAL: set(),
        Status.ANNULLED: set(),
    }
    # Over: nothing about the meeting changes any more (its reports, terminals, details).
    CLOSED = {Status.FINAL, Status.ANNULLED}
    # From voting open on, nothing that changes the meaning of a cast ballot may be edited.
    FROZEN = {Status.VOTING_OPEN, Status.VOTING_CLOSED, Status.UNDER_NOTICE, Status.FINAL, Status.ANNULLED}
    PUBLIC = {
        Status.ANNOUNCED,
        Status.VOTING_OPEN,
        Status.VOTING_CLOSED,
        Status.UNDER_NOTICE,
        Status.FINAL,
        Status.ANNULLED,
    }
    # The results are worked on from the close of the vote until they are final: computed, reviewed,
    # published, under notice (ratings.results).
    RESULTS_IN_PROGRESS = {Status.VOTING_CLOSED, Status.UNDER_NOTICE}
    # The honor roll is worked on from the announcement (the committees put households forward) until
    # it is final with the results.
    HONOR_ROLL_IN_PROGRESS = {Status.ANNOUNCED, Status.VOTING_OPEN} | RESULTS_IN_PROGRESS
    # Questions are taken from the announcement to the end of the notice period (meetings.questions).
    TAKES_QUESTIONS = {Status.ANNOUNCED, Status.VOTING_OPEN, Status.VOTING_CLOSED, Status.UNDER_NOTICE}
    # A commitment is made at or after the meeting, never for a draft or an annulled one.
    TAKES_COMMITMENTS = TAKES_QUESTIONS | {Status.FINAL}

    village = models.ForeignKey(
        "portal.Village", on_delete=models.PROTECT, related_name="meetings", verbose_name=_("village")
    )
    year = models.PositiveSmallIntegerField(_("year reported on"))
    held_at = models.DateTimeField(_("date and time"))
    venue = models.CharField(_("venue"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.VILLAGERS_ASSEMBLY)
    agenda = models.TextField(_("agenda"), blank=True)
    scheme = models.ForeignKey(
        "ratings.RatingScheme",
        on_delete=models.PROTECT,
        related_name="meetings",
        verbose_name=_("rating scheme"),
    )
    cadres = models.ManyToManyField(
        "portal.Cadre", through="MeetingCadre", related_name="meetings", verbose_name=_("reporting cadres")
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    status_changed_at = models.DateTimeField(_("status changed"), default=timezone.now)
    annulment_reason = models.TextField(_("reason for annulment"), blank=True)
    # The roll as it stood when voting opened: the base of the quorum from then on.
    roll_size = models.PositiveIntegerField(_("voters on the roll"), null=True, blank=True)
    representatives_size = models.PositiveIntegerField(
        _("representatives on the roll"), null=True, blank=True
    )
    # The township panel is not on the village's roll: its seats bound the codes printed for it.
    panel_seats = models.PositiveSmallIntegerField(
        _("township panel seats"),
        default=0,
        validators=[MaxValueValidator(MAX_PANEL_SEATS)],
        help_text=_("How many members of the township panel vote at this meeting; 0 if none."),
    )
    # The second door: a code slip's QR code opens the ballot on the villager's own phone.
    phones_allowed = models.BooleanField(
        _("ballots on villagers' own phones"),
        default=False,
        help_text=_(
            "The QR code of a slip opens the ballot on the villager's phone over the venue's Wi-Fi. The "
            "same one-time code, the same secret ballot."
        ),
    )
    # The spoken ballot (ratings.speech): its audio is made when voting opens, so it is set before.
    spoken_ballot = models.BooleanField(
        _("spoken ballot"),
        default=False,
        help_text=_("A listen button on every ballot screen reads it aloud in Mandarin or Uyghur."),
    )

    objects = MeetingQuerySet.as_manager()

    class Meta:
        ordering = ["-held_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["village", "year"],
                condition=~models.Q(status="annulled"),
                name="meeting_one_live_per_village_year",
            )
        ]
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")

    def __str__(self):
        return _("%(village)s work-report meeting %(year)s") % {"village": self.village, "year": self.year}

    def get_absolute_url(self):
        return reverse("meetings:meeting", args=[self.pk])

    @property
    def results_in_progress(self) -> bool:
        """Voting has closed and the results are not final yet: they are computed, reviewed, noticed."""
        return self.status in self.RESULTS_IN_PROGRESS

    @property
    def is_closed(self) -> bool:
        """Final or annulled: the meeting is over and nothing about it changes any more."""
        return self.status in self.CLOSED

    @property
    def is_frozen(self) -> bool:
        return self.status in self.FROZEN

    @property
    def is_before_its_day(self) -> bool:
        """Today (in the portal's time zone) is before the meeting's date: no vote yet."""
        return timezone.localdate() < timezone.localdate(self.held_at)

    @property
    def is_public(self) -> bool:
        return self.status in self.PUBLIC

    @property
    def takes_questions(self) -> bool:
        return self.status in self.TAKES_QUESTIONS

    @property
    def takes_commitments(self) -> bool:
        return self.status in self.TAKES_COMMITMENTS

    def voters(self):
        """Who takes part and may vote: the village's roll; at a representatives' assembly, only the
        villagers' representatives on it. Signing in and every way of handing out a code ask this."""
        roll = Resident.objects.in_village(self.village_id).on_roll()
        return roll.representatives() if self.kind == self.Kind.REPRESENTATIVES_ASSEMBLY else roll

    def refusal_of(self, resident) -> str | None:
        """Why the resident may not sign in or receive a code at this meeting, in words for the clerk;
        None when they may."""
        if self.voters().filter(pk=resident.pk).exists():
            return None
        if resident.village_id == self.village_id and resident.active:
            return _(
                "Only villagers' representatives take part in a representatives' assembly, and %(name)s is "
                "not one."
            ) % {"name": resident.name}
        return _("This person is not on the village's roll.")

    def can_move_to(self, status: str) -> bool:
        return status in self.TRANSITIONS[self.Status(self.status)]

    def transition_to(self, status: str) -> None:
        """Move along the lifecycle or raise IllegalTransition; the caller saves."""
        if not self.can_move_to(status):
            raise IllegalTransition(
                _("A meeting cannot go from “%(current)s” to “%(next)s”.")
                % {"current": self.get_status_display(), "next": self.Status(status).label}
            )
        self.status = status
        self.status_changed_at = timezone.now()


class MeetingCadre(models.Model):
    """A cadre reporting at a meeting, in the order they speak."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="reporting")
    cadre = models.ForeignKey("portal.Cadre", on_delete=models.PROTECT, related_name="reporting")
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "cadre__name"]
        constraints = [models.UniqueConstraint(fields=["meeting", "cadre"], name="meeting_cadre_once")]
        verbose_name = _("reporting cadre")
        verbose_name_plural = _("reporting cadres")

    def __str__(self):
        return f"{self.meeting} · {self.cadre}"


class Attendance(models.Model):
    """A resident signed in at the meeting. Deliberately no time and a random key: who, not when, and
    not in which order (signing in and receiving a ballot code happen together)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendance")
    resident = models.ForeignKey("portal.Resident", on_delete=models.PROTECT, related_name="attendance")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["meeting", "resident"], name="attendance_once")]
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")

    def __str__(self):
        return f"{self.meeting} · {self.resident}"


class WorkReport(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        SUBMITTED = "submitted", _("submitted")
        RETURNED = "returned", _("returned for changes")
        APPROVED = "approved", _("approved")
        PUBLISHED = "published", _("published")

    class Language(models.TextChoices):
        """The language a version of a report is written in; each version is its own row, moderated,
        published and revised as a report is (meetings.reports.versions says which one a page shows)."""

        CHINESE = "zh-hans", _("Simplified Chinese")
        UYGHUR = "ug", _("Uyghur")

    # Which actions each status allows; nothing is allowed once the meeting is closed (`allows`).
    # Attachments are not part of a revision: they change only before moderation. A published report
    # is also approved or returned while an edit of it awaits the moderator (`status_allows`).
    ALLOWED_IN = {
        "edit": {Status.DRAFT, Status.RETURNED, Status.PUBLISHED},
        "attach": {Status.DRAFT, Status.RETURNED},
        "submit": {Status.DRAFT, Status.RETURNED},
        "approve": {Status.SUBMITTED},
        "return": {Status.SUBMITTED, Status.APPROVED},
        "publish": {Status.APPROVED},
    }
    EDIT_DECISIONS = {"approve", "return"}

    # The sections of a report (述职报告), in the order they are read.
    SECTIONS = (
        ("duties", _("Duties")),
        ("measures", _("Measures and key work")),
        ("achievements", _("Achievements")),
        ("integrity", _("Integrity")),
        ("shortcomings", _("Shortcomings")),
        ("plan", _("Plan and rectification")),
    )

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="reports")
    cadre = models.ForeignKey("portal.Cadre", on_delete=models.PROTECT, related_name="reports")
    language = models.CharField(
        _("language"), max_length=10, choices=Language.choices, default=Language.CHINESE
    )
    duties = models.TextField(_("duties"), blank=True)
    measures = models.TextField(_("measures and key work"), blank=True)
    achievements = models.TextField(_("achievements (with figures)"), blank=True)
    integrity = models.TextField(_("integrity"), blank=True)
    shortcomings = models.TextField(_("shortcomings"), blank=True)
    plan = models.TextField(_("plan and rectification"), blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    moderator_comment = models.TextField(_("moderator's comment"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("last changed"), auto_now=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    # An edit of the published report, every section, held for the moderator: the public page keeps the
    # published text until the edit is approved. Kept when returned, for the cadre to rework.
    proposed_sections = models.JSONField(_("edit awaiting moderation"), null=True, blank=True)
    proposal_returned = models.BooleanField(_("edit returned for changes"), default=False)

    objects = WorkReportQuerySet.as_manager()

    class Meta:
        ordering = ["meeting", "cadre__name", "language"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "cadre", "language"], name="report_one_per_cadre_meeting_language"
            )
        ]
        verbose_name = _("work report")
        verbose_name_plural = _("work reports")

    def __str__(self):
        names = {"cadre": self.cadre, "year": self.meeting.year}
        if self.language == self.Language.UYGHUR:
            return _("Work report of %(cadre)s, %(year)s, in Uyghur") % names
        return _("Work report of %(cadre)s, %(year)s") % names

    def get_absolute_url(self):
        return reverse("meetings:report", args=[self.pk])

    def get_version_url(self):
        """This very version's public page, whatever the language of the page (see `report_detail`)."""
        return f"{self.get_absolute_url()}?language={self.language}"

    @property
    def is_uyghur(self) -> bool:
        return self.language == self.Language.UYGHUR

    @classmethod
    def text_attributes(cls, language: str) -> tuple[str, str]:
        """HTML's `lang` and `dir` of a version's text in the language: Uyghur reads right to left."""
        return ("ug", "rtl") if language == cls.Language.UYGHUR else ("zh-Hans", "ltr")

    @property
    def text_lang(self) -> str:
        return self.text_attributes(self.language)[0]

    @property
    def text_dir(self) -> str:
        return self.text_attributes(self.language)[1]

    def section_texts(self) -> dict[str, str]:
        return {name: getattr(self, name) for name, _label in self.SECTIONS}

    @property
    def has_proposed_edit(self) -> bool:
        """An edit of the published report is with the moderator."""
        return (
            self.status == self.Status.PUBLISHED
            and self.proposed_sections is not None
            and not self.proposal_returned
        )

    def text_to_edit(self) -> dict[str, str]:
        """The text the cadre works on: an edit held for the moderator, or else the report itself."""
        if self.status == self.Status.PUBLISHED and self.proposed_sections is not None:
            return {**self.section_texts(), **self.proposed_sections}
        return self.section_texts()

    def status_allows(self, action: str) -> bool:
        if action in self.EDIT_DECISIONS and self.has_proposed_edit:
            return True
        return self.status in self.ALLOWED_IN[action]

    def allows(self, action: str) -> bool:
        """Whether the action ("edit", "attach", "submit", "approve", "return", "publish") is possible now.

        The one rule the services enforce and the pages offer buttons by. Publishing also waits for the
        meeting to be announced (`meeting.is_public`), which the services and the page say separately.
        """
        return not self.meeting.is_closed and self.status_allows(action)

    def allowed_actions(self) -> set[str]:
        return {action for action in self.ALLOWED_IN if self.allows(action)}


class ReportRevision(models.Model):
    """The text of a published report before an edit, kept so the public can see what changed."""

    report = models.ForeignKey(WorkReport, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField(_("revision"))
    sections = models.JSONField(_("sections"))
    created_at = models.DateTimeField(_("changed at"), default=timezone.now)

    class Meta:
        ordering = ["report", "-number"]
        constraints = [models.UniqueConstraint(fields=["report", "number"], name="revision_number_once")]
        verbose_name = _("report revision")
        verbose_name_plural = _("report revisions")

    def __str__(self):
        return f"{self.report} r{self.number}"


class Attachment(models.Model):
    """A photo or PDF attached to a report, stored under a generated name."""

    class Kind(models.TextChoices):
        IMAGE = "image", _("image")
        PDF = "pdf", _("PDF document")

    report = models.ForeignKey(WorkReport, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("file"), upload_to="reports/%Y/")
    original_name = models.CharField(_("file name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size in bytes"))
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        ordering = ["report", "uploaded_at"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self):
        return self.original_name

    def get_absolute_url(self):
        return reverse("meetings:attachment", args=[self.pk])


class Question(models.Model):
    """A question or comment from a villager, asked at the meeting or left on the site."""

    class Source(models.TextChoices):
        AT_MEETING = "meeting", _("asked at the meeting")
        ONLINE = "online", _("left on the site")

    class Status(models.TextChoices):
        PENDING = "pending", _("awaiting moderation")
        APPROVED = "approved", _("visible")
        HIDDEN = "hidden", _("hidden by moderator")

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="questions")
    cadre = models.ForeignKey(
        "portal.Cadre",
        on_delete=models.PROTECT,
        related_name="questions",
        null=True,
        blank=True,
        verbose_name=_("addressed to"),
    )
    text = models.TextField(_("question or comment"))
    asker_name = models.CharField(_("name (optional)"), max_length=100, blank=True)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    moderation_note = models.CharField(_("reason for hiding"), max_length=200, blank=True)
    # A keyed hash of the sender's address, only to rate-limit anonymous posting; never shown.
    sender_key = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    browser_key = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    created_at = models.DateTimeField(_("asked"), auto_now_add=True)
    answer = models.TextField(_("answer"), blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)

    objects = QuestionQuerySet.as_manager()

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("question")
        verbose_name_plural = _("questions")

    def __str__(self):
        return self.text[:60]

    def get_absolute_url(self):
        return f"{self.meeting.get_absolute_url()}#question-{self.pk}"


class Commitment(models.Model):
    """A promise to rectify (整改承诺), shown publicly until it is done."""

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        IN_PROGRESS = "in_progress", _("in progress")
        DONE = "done", _("done")

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="commitments")
    question = models.OneToOneField(
        Question, on_delete=models.SET_NULL, null=True, blank=True, related_name="commitment"
    )
    owner = models.ForeignKey(
        "portal.Cadre",
        on_delete=models.PROTECT,
        related_name="commitments",
        verbose_name=_("responsible cadre"),
    )
    title = models.CharField(_("what will be done"), max_length=200)
    details = models.TextField(_("details"), blank=True)
    due_date = models.DateField(_("due date"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(_("promised"), auto_now_add=True)
    done_at = models.DateField(_("done on"), null=True, blank=True)

    objects = CommitmentQuerySet.as_manager()

    class Meta:
        ordering = ["due_date", "pk"]
        verbose_name = _("commitment")
        verbose_name_plural = _("commitments")

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("meetings:commitment", args=[self.pk])

    @property
    def is_overdue(self) -> bool:
        return self.status != self.Status.DONE and self.due_date < timezone.localdate()


class CommitmentUpdate(models.Model):
    """A dated note of progress on a commitment, with an optional photo."""

    commitment = models.ForeignKey(Commitment, on_delete=models.CASCADE, related_name="updates")
    date = models.DateField(_("date"), default=timezone.localdate)
    text = models.TextField(_("progress"))
    photo = models.ImageField(_("photo"), upload_to="commitments/%Y/", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["commitment", "-date", "-pk"]
        verbose_name = _("progress update")
        verbose_name_plural = _("progress updates")

    def __str__(self):
        return f"{self.commitment} · {self.date}"


# ——— cadres' visits to paired households (meetings.visits) ———
#
# A cadre is paired with households of the village "as relatives" and visits them. The visit log is the
# cadre's: the situation written at a visit is never public and never on the household's own page. A
# visit is the place a later record attaches to (a risk found at a visit, in the household evaluations):
# such a record points here by a foreign key, the visit does not know about it.


def visit_photo_storage():
    """settings.STORAGES["visit_photos"]: not under MEDIA_ROOT, shown only through the visit log's pages."""
    return storages["visit_photos"]


class VisitRequirement(models.Model):
    """The township's rule: how many visits a paired cadre makes to each household in a month."""

    township = models.OneToOneField(
        "portal.Township",
        on_delete=models.CASCADE,
        related_name="visit_requirement",
        verbose_name=_("township"),
    )
    visits_per_month = models.PositiveSmallIntegerField(
        _("visits per household per month"),
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(31)],
    )

    class Meta:
        verbose_name = _("visit requirement")
        verbose_name_plural = _("visit requirements")

    def __str__(self):
        return f"{self.township} · {self.visits_per_month}"


class TownshipListEntry(models.Model):
    """An entry of a list a township keeps (the policies cadres explain, the kinds of measures): a name in
    both scripts, offered or not; an entry no longer offered stays on the records that used it."""

    name_ug = models.CharField(_("name in Uyghur"), max_length=100, blank=True)

    objects = TownshipListQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["township", "name"]

    def __str__(self):
        return self.name


class Policy(TownshipListEntry):
    """A policy a cadre may explain at a visit, from the township's own list."""

    township = models.ForeignKey(
        "portal.Township", on_delete=models.CASCADE, related_name="visit_policies", verbose_name=_("township")
    )
    name = models.CharField(_("policy"), max_length=100)
    active = models.BooleanField(
        _("offered"), default=True, help_text=_("Offered on the visit form; kept on past visits either way.")
    )

    class Meta(TownshipListEntry.Meta):
        constraints = [models.UniqueConstraint(fields=["township", "name"], name="policy_unique_in_township")]
        verbose_name = _("policy")
        verbose_name_plural = _("policies")


class MeasureKind(TownshipListEntry):
    """A kind of measure that answers a risk (industry, employment...), from the township's own list."""

    # The list a new township starts with.
    USUAL = (
        ("产业帮扶", "كەسپىي ياردەم"),
        ("就业帮扶", "ئىش بىلەن تەمىنلەش ياردىمى"),
        ("社会保障", "ئىجتىمائىي كاپالەت"),
        ("教育资助", "مائارىپ ياردىمى"),
        ("医疗救助", "داۋالاش ياردىمى"),
        ("住房保障", "تۇرالغۇ كاپالىتى"),
        ("其他", "باشقا"),
    )

    township = models.ForeignKey(
        "portal.Township", on_delete=models.CASCADE, related_name="measure_kinds", verbose_name=_("township")
    )
    name = models.CharField(_("measure"), max_length=100)
    active = models.BooleanField(
        _("offered"),
        default=True,
        help_text=_("Offered when a measure is assigned; kept on past measures either way."),
    )

    class Meta(TownshipListEntry.Meta):
        constraints = [
            models.UniqueConstraint(fields=["township", "name"], name="measure_kind_unique_in_township")
        ]
        verbose_name = _("kind of measure")
        verbose_name_plural = _("kinds of measures")


class Pairing(models.Model):
    """A cadre paired with a household of the cadre's village, from a start to an optional end."""

    cadre = models.ForeignKey(
        "portal.Cadre", on_delete=models.PROTECT, related_name="pairings", verbose_name=_("cadre")
    )
    household = models.ForeignKey(
        "portal.Household", on_delete=models.PROTECT, related_name="pairings", verbose_name=_("household")
    )
    start = models.DateField(_("from"))
    end = models.DateField(_("until"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = PairingQuerySet.as_manager()

    class Meta:
        ordering = ["household__number", "cadre__name", "start"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__isnull=True) | models.Q(end__gte=models.F("start")),
                name="pairing_ends_after_start",
            ),
            models.UniqueConstraint(fields=["cadre", "household", "start"], name="pairing_unique_start"),
        ]
        verbose_name = _("pairing")
        verbose_name_plural = _("pairings")

    def __str__(self):
        return f"{self.cadre} · {self.household}"

    def is_active_on(self, day) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)


class Visit(models.Model):
    """A cadre's visit to a paired household: who was met, the situation, the policies explained.

    `client_key` is the identifier the phone gave the visit when it was written: a visit kept on the
    phone while offline and sent again is recognised by it and saved once. No location is collected;
    a photo is optional and only with the household's agreement (re-encoded: no EXIF, no GPS).
    """

    household = models.ForeignKey(
        "portal.Household", on_delete=models.PROTECT, related_name="visits", verbose_name=_("household")
    )
    cadre = models.ForeignKey(
        "portal.Cadre", on_delete=models.PROTECT, related_name="visits", verbose_name=_("cadre")
    )
    date = models.DateField(_("date of the visit"))
    met = models.CharField(_("who was met"), max_length=200)
    situation = models.TextField(_("the household's situation"), blank=True)
    policies = models.ManyToManyField(
        Policy, blank=True, related_name="visits", verbose_name=_("policies explained")
    )
    photo = models.ImageField(_("photo"), upload_to="%Y/", storage=visit_photo_storage, blank=True)
    photo_agreed = models.BooleanField(_("the household agreed to the photo"), default=False)
    client_key = models.UUIDField(null=True, blank=True, editable=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded"), auto_now_add=True)
    # The household said on its own page that this visit did not happen.
    disputed_at = models.DateTimeField(_("reported as not having happened"), null=True, blank=True)
    dispute_note = models.CharField(_("the household's note"), max_length=300, blank=True)

    objects = VisitQuerySet.as_manager()

    class Meta:
        ordering = ["-date", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["client_key"], name="visit_client_key_once"),
            models.CheckConstraint(
                condition=models.Q(photo="") | models.Q(photo_agreed=True), name="visit_photo_only_agreed"
            ),
        ]
        verbose_name = _("visit")
        verbose_name_plural = _("visits")

    def __str__(self):
        return f"{self.household} · {self.date}"


class HouseholdProblem(models.Model):
    """A problem raised at a visit, tracked open → solved with a date and a note, like a commitment."""

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        SOLVED = "solved", _("solved")

    household = models.ForeignKey(
        "portal.Household", on_delete=models.PROTECT, related_name="problems", verbose_name=_("household")
    )
    raised_at = models.ForeignKey(
        Visit, on_delete=models.PROTECT, related_name="problems_raised", verbose_name=_("raised at the visit")
    )
    text = models.CharField(_("problem"), max_length=300)
    raised_on = models.DateField(_("raised on"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    solved_on = models.DateField(_("solved on"), null=True, blank=True)
    solution = models.CharField(_("how it was solved"), max_length=300, blank=True)
    solved_at = models.ForeignKey(
        Visit,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="problems_solved",
        verbose_name=_("solved at the visit"),
    )
    solved_by = models.ForeignKey(
        "portal.Cadre",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="problems_solved",
        verbose_name=_("solved by"),
    )

    objects = HouseholdProblemQuerySet.as_manager()

    class Meta:
        ordering = ["household", "raised_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(status="open", solved_on__isnull=True)
                    | models.Q(status="solved", solved_on__isnull=False)
                ),
                name="problem_solved_has_date",
            )
        ]
        verbose_name = _("household's problem")
        verbose_name_plural = _("households' problems")

    def __str__(self):
        return self.text[:60]


class HouseholdCard(models.Model):
    """The printed card of a household: its QR code carries a secret code, stored here only hashed.

    Printing a new card replaces the code: the old card no longer opens the page."""

    household = models.OneToOneField(
        "portal.Household", on_delete=models.CASCADE, related_name="card", verbose_name=_("household")
    )
    code_hash = models.CharField(max_length=64, unique=True, editable=False)
    issued_at = models.DateTimeField(_("printed"), default=timezone.now)

    class Meta:
        verbose_name = _("household card")
        verbose_name_plural = _("household cards")

    def __str__(self):
        return str(self.household)


class RiskFlag(models.Model):
    """A household found at risk of (returning to) poverty at a visit: the category of the "three types"
    it may fall in, the risk, a note. Measures answer it; the village's staff may start the household's
    entry into monitoring from it (ratings.evaluations: the proposal points here, not the reverse).

    Its follow-up visits are not stored: they are the household's visits after the flag was raised.
    """

    class Category(models.TextChoices):
        # The same values as ratings' HouseholdProposal.Category (meetings does not import ratings).
        UNSTABLE = "unstable", _("unstable household out of poverty")
        MARGINAL = "marginal", _("marginal household at risk of poverty")
        HARDSHIP = "hardship", _("household in sudden severe hardship")

    class Risk(models.TextChoices):
        INCOME_DROP = "income_drop", _("income drop")
        ILLNESS = "illness", _("illness")
        DISABILITY = "disability", _("disability")
        ACCIDENT = "accident", _("accident")
        DISASTER = "disaster", _("disaster")
        SCHOOLING = "schooling", _("schooling")
        OTHER = "other", _("other")

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        CLOSED = "closed", _("closed")

    household = models.ForeignKey(
        "portal.Household", on_delete=models.PROTECT, related_name="risk_flags", verbose_name=_("household")
    )
    visit = models.ForeignKey(
        Visit, on_delete=models.PROTECT, related_name="risk_flags", verbose_name=_("found at the visit")
    )
    category = models.CharField(_("monitoring category"), max_length=12, choices=Category.choices)
    risk = models.CharField(_("risk"), max_length=12, choices=Risk.choices)
    note = models.TextField(_("note"), blank=True)
    raised_by = models.ForeignKey(
        "portal.Cadre", on_delete=models.PROTECT, related_name="risk_flags", verbose_name=_("raised by")
    )
    raised_at = models.DateTimeField(_("raised"), default=timezone.now)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    objects = RiskFlagQuerySet.as_manager()

    class Meta:
        ordering = ["-raised_at", "-pk"]
        verbose_name = _("risk flag")
        verbose_name_plural = _("risk flags")

    def __str__(self):
        return f"{self.household} · {self.get_risk_display()}"

    def get_absolute_url(self):
        return reverse("meetings:risk-flag", args=[self.pk])

    def follow_up_visits(self):
        """The household's visits after the one that found the risk."""
        return (
            Visit.objects.filter(household_id=self.household_id, date__gte=self.visit.date)
            .exclude(pk=self.visit_id)
            .select_related("cadre")
        )


class Measure(models.Model):
    """What answers a risk: a kind of help, a cadre who owns it, a due date, done or not."""

    flag = models.ForeignKey(
        RiskFlag, on_delete=models.CASCADE, related_name="measures", verbose_name=_("risk")
    )
    kind = models.ForeignKey(
        MeasureKind, on_delete=models.PROTECT, related_name="measures", verbose_name=_("measure")
    )
    owner = models.ForeignKey(
        "portal.Cadre", on_delete=models.PROTECT, related_name="measures", verbose_name=_("owner")
    )
    due_date = models.DateField(_("due date"))
    done_at = models.DateField(_("done on"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("assigned"), auto_now_add=True)

    objects = MeasureQuerySet.as_manager()

    class Meta:
        ordering = ["due_date", "pk"]
        verbose_name = _("measure")
        verbose_name_plural = _("measures")

    def __str__(self):
        return f"{self.flag} · {self.kind}"
