"""Rating schemes, ballot codes, terminals and the secret ballot.

What may link a ballot to a person is kept out of this module by construction: a Ballot and the rows
hanging from it have random identifiers, no time finer than the meeting's date, and no key to a code,
a resident, a terminal, a session or a user. tests/ratings/test_ballot_secrecy.py holds them to it.
"""

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from meetings.models import Meeting
from ratings.querysets import (
    BallotCodeQuerySet,
    BallotEvaluationQuerySet,
    BallotGradeQuerySet,
    PollBookQuerySet,
    RatingSchemeQuerySet,
    TerminalQuerySet,
)


class RatingScheme(models.Model):
    """How villagers rate the cadres of one meeting; frozen once voting opens."""

    name = models.CharField(_("name"), max_length=100)
    # None: one of the county's presets, which every township's meetings may use and only a superuser
    # edits. A township's own scheme is offered to its meetings only (RatingScheme.objects.offered_to).
    township = models.ForeignKey(
        "portal.Township",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="rating_schemes",
        verbose_name=_("township"),
        help_text=_("Empty: a county preset, offered to every township."),
    )
    quick_mode = models.BooleanField(
        _("quick mode"),
        default=False,
        help_text=_("One overall grade per cadre instead of one per criterion."),
    )
    max_nominations = models.PositiveSmallIntegerField(
        _("household nominations per ballot"), default=3, validators=[MaxValueValidator(20)]
    )
    # Verdicts: share of "top" or "pass" grades (satisfied or basically satisfied; excellent or
    # competent) at or above this → excellent; share of "bottom" grades at or above that →
    # incompetent (the brief's 90% and 50%). ratings/aggregation.py applies them.
    excellent_share = models.DecimalField(
        _("share for “excellent”"),
        max_digits=4,
        decimal_places=3,
        default=Decimal("0.900"),
        validators=[MinValueValidator(0), MaxValueValidator(1)],
    )
    incompetent_share = models.DecimalField(
        _("share for “incompetent”"),
        max_digits=4,
        decimal_places=3,
        default=Decimal("0.500"),
        validators=[MinValueValidator(0), MaxValueValidator(1)],
    )
    min_cell = models.PositiveSmallIntegerField(
        _("smallest breakdown shown (k)"),
        default=5,
        help_text=_("A breakdown cell with fewer ballots than this is not shown, to keep the ballot secret."),
    )

    objects = RatingSchemeQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("rating scheme")
        verbose_name_plural = _("rating schemes")

    def __str__(self):
        return self.name

    @property
    def is_frozen(self) -> bool:
        """True once any meeting using the scheme has opened voting."""
        return self.meetings.filter(status__in=Meeting.FROZEN).exists()


class Criterion(models.Model):
    scheme = models.ForeignKey(RatingScheme, on_delete=models.CASCADE, related_name="criteria")
    code = models.SlugField(_("code"), max_length=20)
    name = models.CharField(_("name"), max_length=50)
    description = models.CharField(_("what it means"), max_length=200, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["scheme", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "code"], name="criterion_code_once"),
            models.CheckConstraint(condition=~models.Q(code="overall"), name="criterion_code_not_overall"),
        ]
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")

    def __str__(self):
        return self.name


class Grade(models.Model):
    """A grade of the scale. "Don't know" is an abstention: it counts toward turnout, never as a grade."""

    class Standing(models.TextChoices):
        TOP = "top", _("top (satisfied / excellent)")
        PASS = "pass", _("passing (basically satisfied / competent)")
        LOW = "low", _("low (basically competent)")
        BOTTOM = "bottom", _("bottom (dissatisfied / incompetent)")
        ABSTAIN = "abstain", _("abstention (don't know)")

    class Tone(models.TextChoices):
        GOOD = "good", _("good")
        FAIR = "fair", _("fair")
        POOR = "poor", _("poor")
        NEUTRAL = "neutral", _("neutral")

    scheme = models.ForeignKey(RatingScheme, on_delete=models.CASCADE, related_name="grades")
    code = models.SlugField(_("code"), max_length=20)
    label = models.CharField(_("label"), max_length=30)
    value = models.PositiveSmallIntegerField(_("score"), null=True, blank=True)
    standing = models.CharField(_("standing"), max_length=10, choices=Standing.choices)
    tone = models.CharField(_("colour and face"), max_length=10, choices=Tone.choices)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["scheme", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "code"], name="grade_code_once"),
            models.CheckConstraint(
                condition=(models.Q(standing="abstain", value__isnull=True))
                | (~models.Q(standing="abstain") & models.Q(value__isnull=False)),
                name="grade_abstention_has_no_score",
            ),
        ]
        verbose_name = _("grade")
        verbose_name_plural = _("grades")

    def __str__(self):
        return self.label

    @property
    def is_abstention(self) -> bool:
        return self.standing == self.Standing.ABSTAIN


class VoterGroup(models.Model):
    """Who casts a ballot, as far as the weighting needs to know: never more than that."""

    class Kind(models.TextChoices):
        VILLAGER = "villager", _("villager")
        PARTY_MEMBER = "party_member", _("Party member")
        REPRESENTATIVE = "representative", _("villagers' representative")
        TOWNSHIP_PANEL = "township_panel", _("township panel")

    scheme = models.ForeignKey(RatingScheme, on_delete=models.CASCADE, related_name="groups")
    kind = models.CharField(_("group"), max_length=20, choices=Kind.choices)
    weight = models.DecimalField(
        _("weight"), max_digits=4, decimal_places=3, validators=[MinValueValidator(0), MaxValueValidator(1)]
    )

    class Meta:
        ordering = ["scheme", "kind"]
        constraints = [models.UniqueConstraint(fields=["scheme", "kind"], name="voter_group_once")]
        verbose_name = _("voter group")
        verbose_name_plural = _("voter groups")

    def __str__(self):
        return self.get_kind_display()


class CodeBatch(models.Model):
    """A batch of pre-printed codes, printed for a stated purpose: every code is accounted for.

    Its codes name no holder; a villager's slip is written in the poll book when it is handed out.
    """

    class Purpose(models.TextChoices):
        SIGN_IN = "sign_in", _("slips for the sign-in desk")
        PANEL = "panel", _("the township panel")

    meeting = models.ForeignKey("meetings.Meeting", on_delete=models.PROTECT, related_name="code_batches")
    purpose = models.CharField(_("purpose"), max_length=10, choices=Purpose.choices)
    note = models.CharField(_("note"), max_length=200, blank=True)
    size = models.PositiveIntegerField(_("codes"))
    # None: printed from the command line, with the server's authority.
    printed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    printed_at = models.DateTimeField(_("printed"), auto_now_add=True)

    class Meta:
        ordering = ["meeting", "printed_at", "pk"]
        verbose_name = _("batch of codes")
        verbose_name_plural = _("batches of codes")

    def __str__(self):
        return f"{self.meeting} · {self.get_purpose_display()} · {self.size}"


class BallotCode(models.Model):
    """A one-time ballot code, stored only as a keyed hash.

    `holder_key` is a keyed hash of the resident it was handed to, kept only while the code is unused
    so that reprinting a lost code can void the old one; burning the code erases it. The poll book
    (PollBookEntry) says who received a code, never which one and never when.
    """

    class Status(models.TextChoices):
        ISSUED = "issued", _("issued")
        USED = "used", _("used")
        VOIDED = "voided", _("voided")

    # Random, so that the order of issuing (which the sign-in order could match to people) is not kept.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    meeting = models.ForeignKey("meetings.Meeting", on_delete=models.PROTECT, related_name="ballot_codes")
    code_hash = models.CharField(max_length=64, unique=True, editable=False)
    group = models.ForeignKey(VoterGroup, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ISSUED)
    holder_key = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    # The batch a pre-printed code came from; none for a code handed to a named villager.
    batch = models.ForeignKey(
        CodeBatch, on_delete=models.PROTECT, null=True, blank=True, related_name="codes"
    )

    objects = BallotCodeQuerySet.as_manager()

    class Meta:
        verbose_name = _("ballot code")
        verbose_name_plural = _("ballot codes")

    def __str__(self):
        return f"{self.meeting} · {self.get_status_display()}"


class PollBookEntry(models.Model):
    """A resident who received a ballot code or a paper sheet. Deliberately no time, no code, and a
    random key, so that not even the order of handing out can be read from it. `paper` says which,
    for the desk and the paper count; the paper count's closure wipes it, keeping only the figures.
    `assisted`: a helper of the villager's choice marked the ballot (代写), a count and never which
    ballot; sealing the box moves it to PollBookCount and wipes it here."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    meeting = models.ForeignKey("meetings.Meeting", on_delete=models.PROTECT, related_name="poll_book")
    resident = models.ForeignKey("portal.Resident", on_delete=models.PROTECT, related_name="+")
    paper = models.BooleanField(_("paper ballot"), default=False)
    assisted = models.BooleanField(_("assisted by a helper"), default=False)

    objects = PollBookQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["meeting", "resident"], name="poll_book_once")]
        verbose_name = _("poll book entry")
        verbose_name_plural = _("poll book")

    def __str__(self):
        return f"{self.meeting} · {self.resident}"


class PollBookCount(models.Model):
    """What the poll book keeps once the box is sealed: how many villagers were assisted, never who.

    While voting is open the flag is on each poll-book entry, so that the operator can undo a slip;
    the seal adds it up here and wipes it there (ratings.ballot.services.assisted_count).
    """

    meeting = models.OneToOneField(
        "meetings.Meeting", on_delete=models.CASCADE, related_name="poll_book_count"
    )
    assisted = models.PositiveIntegerField(_("voters assisted"), default=0)

    class Meta:
        verbose_name = _("poll book count")
        verbose_name_plural = _("poll book counts")

    def __str__(self):
        return f"{self.meeting} · {self.assisted}"


class Terminal(models.Model):
    """A browser armed by an operator to show the ballot of one meeting."""

    class State(models.TextChoices):
        WAITING = "waiting", _("waiting for a villager")
        VOTING = "voting", _("a ballot in progress")
        IDLE = "idle", _("asking “still voting?”")

    meeting = models.ForeignKey("meetings.Meeting", on_delete=models.PROTECT, related_name="terminals")
    label = models.CharField(_("name"), max_length=50)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    armed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    armed_at = models.DateTimeField(_("armed"), auto_now_add=True)
    disarmed_at = models.DateTimeField(_("disarmed"), null=True, blank=True)
    # Wrong codes typed on this terminal, for growing delays that never block the other terminals.
    failed_attempts = models.PositiveIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)
    # What the screen shows, as its pages and heartbeat report it, for the operator's list: never
    # anything of the ballot on it.
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.WAITING)
    state_since = models.DateTimeField(null=True, blank=True)
    seen_at = models.DateTimeField(null=True, blank=True)
    # How many times the terminal has been cleared. A ballot records the number when it begins; one
    # begun before the latest clear is void, wherever it is kept (ratings.ballot.services.terminal_clear).
    clears = models.PositiveIntegerField(default=0)

    objects = TerminalQuerySet.as_manager()

    class Meta:
        ordering = ["meeting", "label"]
        verbose_name = _("terminal")
        verbose_name_plural = _("terminals")

    def __str__(self):
        return self.label

    @property
    def is_armed(self) -> bool:
        return self.disarmed_at is None


class Ballot(models.Model):
    """A cast ballot: random identifier, the voter's group, a receipt, the meeting's date, and, while
    voting is open, the door it came in by (a terminal, a phone, paper: which terminal or phone is never
    written). Nothing else. Sealing the box moves the doors to DoorCount and wipes them here."""

    class Door(models.TextChoices):
        TERMINAL = "terminal", _("voting terminal")
        PHONE = "phone", _("villager's phone")
        PAPER = "paper", _("paper ballot")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    meeting = models.ForeignKey("meetings.Meeting", on_delete=models.PROTECT, related_name="ballots")
    group = models.ForeignKey(VoterGroup, on_delete=models.PROTECT, related_name="+")
    receipt = models.CharField(_("receipt"), max_length=12)
    cast_on = models.DateField(_("date"))
    door = models.CharField(_("door"), max_length=10, choices=Door.choices, null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["meeting", "receipt"], name="ballot_receipt_once")]
        verbose_name = _("ballot")
        verbose_name_plural = _("ballots")

    def __str__(self):
        return self.receipt


class BallotGrade(models.Model):
    """One grade on a ballot: a cadre on a criterion, or overall (no criterion) in quick mode."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="grades")
    cadre = models.ForeignKey("portal.Cadre", on_delete=models.PROTECT, related_name="+")
    criterion = models.ForeignKey(
        Criterion, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    grade = models.ForeignKey(Grade, on_delete=models.PROTECT, related_name="+")

    objects = BallotGradeQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["ballot", "cadre", "criterion"], name="ballot_grade_once"),
            models.UniqueConstraint(
                fields=["ballot", "cadre"],
                condition=models.Q(criterion__isnull=True),
                name="ballot_overall_once",
            ),
        ]
        verbose_name = _("grade on a ballot")
        verbose_name_plural = _("grades on ballots")

    def __str__(self):
        return f"{self.cadre_id}:{self.criterion_id or 'overall'}={self.grade_id}"


class BallotNomination(models.Model):
    """A household nominated on a ballot for the honor roll."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="nominations")
    household = models.ForeignKey("portal.Household", on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["ballot", "household"], name="ballot_nomination_once")]
        verbose_name = _("nomination on a ballot")
        verbose_name_plural = _("nominations on ballots")

    def __str__(self):
        return str(self.household_id)


class BallotEvaluation(models.Model):
    """One ballot's answer on one household's evaluation on the meeting's agenda: agree, disagree or
    abstain. Nothing else, as for a grade."""

    class Answer(models.TextChoices):
        AGREE = "agree", _("agree")
        DISAGREE = "disagree", _("disagree")
        ABSTAIN = "abstain", _("abstain")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="evaluations")
    proposal = models.ForeignKey("ratings.HouseholdProposal", on_delete=models.PROTECT, related_name="+")
    answer = models.CharField(_("answer"), max_length=8, choices=Answer.choices)

    objects = BallotEvaluationQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["ballot", "proposal"], name="ballot_evaluation_once")]
        verbose_name = _("answer on a ballot")
        verbose_name_plural = _("answers on ballots")

    def __str__(self):
        return f"{self.proposal_id}={self.answer}"
