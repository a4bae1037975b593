"""Households' evaluations (民主评议): a household proposed for a decision, voted on at a meeting, posted,
checked by the township and decided by the county; and every step of it, the household's history.

A proposal is entered by the village with the facts the villagers need on the ballot, approved by a
moderator for the agenda, placed on a meeting's agenda (frozen once voting opens), voted (agree,
disagree, abstain against the proposal's threshold), posted for its notice days, checked by the
township, and decided by the county within the working days after the notice. The household then
confirms that it was shown the outcome. Writes are ratings.evaluations.services; each one adds a
HouseholdStatusChange row.

A household's monitoring status (category, since when) is derived from this history, not kept on a row
of its own (ratings.evaluations.register): only a county decision changes it, the history already
records each one with its date, and a second row saying the same thing would have to be kept in step
by every write and could drift from it, while the register reads the decisions anyway for its entries
and exits by year. A household monitored before the portal came into use enters it through a proposal
like any other.
"""

import datetime
from fractions import Fraction

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ratings.querysets import HouseholdProposalQuerySet, HouseholdStatusChangeQuerySet


class HouseholdProposal(models.Model):
    class Kind(models.TextChoices):
        POVERTY_EXIT = "poverty_exit", _("exit from poverty")
        MONITORING_ENTRY = "monitoring_entry", _("entry into monitoring")
        MONITORING_EXIT = "monitoring_exit", _("exit from monitoring")
        STAR = "star", _("star household rating")

    class Category(models.TextChoices):
        """The "three types of households" under monitoring against a return to poverty."""

        UNSTABLE = "unstable", _("unstable household out of poverty")  # 脱贫不稳定户
        MARGINAL = "marginal", _("marginal household at risk of poverty")  # 边缘易致贫户
        HARDSHIP = "hardship", _("household in sudden severe hardship")  # 突发严重困难户

    class Star(models.TextChoices):
        CIVILIZED = "civilized", _("star civilized household")  # 星级文明户
        DILIGENT = "diligent", _("star of prosperity through hard work")  # 勤劳致富星

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        SUBMITTED = "submitted", _("submitted to the moderator")
        RETURNED = "returned", _("returned to the village")
        APPROVED = "approved", _("approved for the agenda")
        FAILED = "failed", _("not passed by the vote")
        UNDER_NOTICE = "under_notice", _("passed, under public notice")
        TOWNSHIP_CHECKED = "township_checked", _("checked by the township")
        TOWNSHIP_RETURNED = "township_returned", _("returned by the township")
        COUNTY_APPROVED = "county_approved", _("approved by the county")
        COUNTY_RETURNED = "county_returned", _("returned by the county")

    TRANSITIONS = {
        Status.DRAFT: {Status.SUBMITTED},
        Status.SUBMITTED: {Status.APPROVED, Status.RETURNED},
        Status.RETURNED: {Status.SUBMITTED},
        Status.APPROVED: {Status.FAILED, Status.UNDER_NOTICE, Status.RETURNED},
        Status.UNDER_NOTICE: {Status.TOWNSHIP_CHECKED, Status.TOWNSHIP_RETURNED},
        Status.TOWNSHIP_CHECKED: {Status.COUNTY_APPROVED, Status.COUNTY_RETURNED},
    }
    EDITABLE = {Status.DRAFT, Status.RETURNED}
    # The steps after the vote, each with a deadline.
    PENDING = {Status.UNDER_NOTICE, Status.TOWNSHIP_CHECKED}
    FINAL = {Status.FAILED, Status.TOWNSHIP_RETURNED, Status.COUNTY_APPROVED, Status.COUNTY_RETURNED}

    village = models.ForeignKey(
        "portal.Village",
        on_delete=models.PROTECT,
        related_name="household_proposals",
        verbose_name=_("village"),
    )
    household = models.ForeignKey(
        "portal.Household", on_delete=models.PROTECT, related_name="proposals", verbose_name=_("household")
    )
    # The meeting whose agenda holds it; none until a moderator places it there.
    meeting = models.ForeignKey(
        "meetings.Meeting",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="household_proposals",
        verbose_name=_("meeting"),
    )
    # The risk found at a visit that this entry into monitoring started from (meetings.monitoring).
    risk_flag = models.ForeignKey(
        "meetings.RiskFlag",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="household_proposals",
        verbose_name=_("started from the risk"),
    )
    kind = models.CharField(_("evaluation"), max_length=20, choices=Kind.choices)
    category = models.CharField(_("monitoring category"), max_length=12, choices=Category.choices, blank=True)
    star = models.CharField(_("star"), max_length=12, choices=Star.choices, blank=True)
    # The facts shown on the ballot, as the village gives them.
    head_name = models.CharField(_("head of household"), max_length=100)
    members = models.PositiveSmallIntegerField(_("members of the household"))
    reason = models.TextField(_("reason"))
    income_year = models.PositiveSmallIntegerField(_("income of the year"), null=True, blank=True)
    income_per_head = models.DecimalField(
        _("income per head (yuan)"), max_digits=9, decimal_places=2, null=True, blank=True
    )
    income_line = models.DecimalField(
        _("the year's line (yuan per head)"), max_digits=9, decimal_places=2, null=True, blank=True
    )
    # The "two assurances and three guarantees" (两不愁三保障), and safe drinking water.
    food = models.BooleanField(_("food assured"), default=False)
    clothing = models.BooleanField(_("clothing assured"), default=False)
    education = models.BooleanField(_("compulsory education guaranteed"), default=False)
    medical = models.BooleanField(_("basic medical care guaranteed"), default=False)
    housing = models.BooleanField(_("housing safety guaranteed"), default=False)
    drinking_water = models.BooleanField(_("safe drinking water assured"), default=False)
    # Passes when more than numerator/denominator of the ballots agree (ratings.aggregation).
    threshold_numerator = models.PositiveSmallIntegerField(_("threshold: more than (numerator)"), default=1)
    threshold_denominator = models.PositiveSmallIntegerField(_("threshold: of (denominator)"), default=2)
    notice_days = models.PositiveSmallIntegerField(_("days of public notice"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    # The last return's reason (the moderator's, the township's or the county's); every one is in the history.
    return_reason = models.TextField(_("reason for returning"), blank=True)
    # The count, once voted.
    agree = models.PositiveIntegerField(_("agree"), null=True, blank=True)
    disagree = models.PositiveIntegerField(_("disagree"), null=True, blank=True)
    abstain = models.PositiveIntegerField(_("abstain"), null=True, blank=True)
    ballots = models.PositiveIntegerField(_("ballots"), null=True, blank=True)
    notice_starts = models.DateField(_("notice from"), null=True, blank=True)
    notice_ends = models.DateField(_("notice until"), null=True, blank=True)
    decision_due = models.DateField(_("county decision due"), null=True, blank=True)
    decided_on = models.DateField(_("county decided on"), null=True, blank=True)
    # The household was shown the outcome and confirmed it (or a helper did, with its thumbprint).
    confirmed_at = models.DateTimeField(_("confirmed by the household"), null=True, blank=True)
    confirmed_by_helper = models.BooleanField(_("confirmed through a helper"), default=False)
    thumbprint = models.BooleanField(_("thumbprint given"), default=False)
    confirmation_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # None: proposed at the venue, imported with the meeting's bundle (ratings.bundle).
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = HouseholdProposalQuerySet.as_manager()

    class Meta:
        ordering = ["village", "-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(threshold_numerator__lt=models.F("threshold_denominator")),
                name="household_threshold_below_one",
            ),
            # One open proposal per household and decision: a second waits until the first is final.
            models.UniqueConstraint(
                fields=["household", "kind"],
                condition=~models.Q(
                    status__in=["failed", "township_returned", "county_approved", "county_returned"]
                ),
                name="household_proposal_one_open_per_kind",
            ),
        ]
        verbose_name = _("household proposal")
        verbose_name_plural = _("household proposals")

    def __str__(self):
        return f"{self.household} · {self.get_kind_display()}"

    def get_absolute_url(self):
        return reverse("ratings:household-proposal", args=[self.pk])

    @property
    def threshold(self) -> Fraction:
        return Fraction(self.threshold_numerator, self.threshold_denominator)

    @property
    def decision_label(self) -> str:
        """The decision with its category or star: "entry into monitoring: marginal household…"."""
        detail = self.get_category_display() if self.category else self.get_star_display()
        if not detail:
            return str(self.get_kind_display())
        return gettext("%(evaluation)s: %(detail)s") % {
            "evaluation": self.get_kind_display(),
            "detail": detail,
        }

    @property
    def is_editable(self) -> bool:
        return self.status in self.EDITABLE

    @property
    def is_final(self) -> bool:
        return self.status in self.FINAL

    @property
    def agenda_frozen(self) -> bool:
        """On the agenda of a meeting whose vote has opened: the proposal stays as the ballot showed it.
        An annulled meeting lets it go, to be placed on another meeting's agenda or returned."""
        meeting = self.meeting
        return meeting is not None and meeting.is_frozen and meeting.status != meeting.Status.ANNULLED

    @property
    def returned_for(self) -> str:
        """The reason it was returned, while returned (to the village, by the township or the county)."""
        returned = {self.Status.RETURNED, self.Status.TOWNSHIP_RETURNED, self.Status.COUNTY_RETURNED}
        return self.return_reason if self.status in returned else ""

    @property
    def passed(self) -> bool | None:
        """The vote's outcome; None until voted."""
        if self.ballots is None:
            return None
        return self.status != self.Status.FAILED

    def can_move_to(self, status: str) -> bool:
        return status in self.TRANSITIONS.get(self.Status(self.status), set())

    def deadline(self) -> datetime.date | None:
        """The date by which the next step is due, after the vote: the county's decision, which the
        township's check must come before (the notice's end is `notice_ends`)."""
        return self.decision_due if self.status in self.PENDING else None

    def is_overdue(self, today: datetime.date) -> bool:
        due = self.deadline()
        return due is not None and today > due

    def notice_over(self, today: datetime.date) -> bool:
        return self.notice_ends is not None and today > self.notice_ends


class HouseholdStatusChange(models.Model):
    """One step of a proposal: the status it moved to, who moved it, when, and why (a return's reason)."""

    proposal = models.ForeignKey(
        HouseholdProposal, on_delete=models.PROTECT, related_name="history", verbose_name=_("proposal")
    )
    household = models.ForeignKey(
        "portal.Household",
        on_delete=models.PROTECT,
        related_name="status_changes",
        verbose_name=_("household"),
    )
    status = models.CharField(_("status"), max_length=20, choices=HouseholdProposal.Status.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    by_name = models.CharField(_("by"), max_length=150, blank=True)
    at = models.DateTimeField(_("when"))
    reason = models.TextField(_("reason"), blank=True)

    objects = HouseholdStatusChangeQuerySet.as_manager()

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("household status change")
        verbose_name_plural = _("household status changes")

    def __str__(self):
        return f"{self.household} · {self.get_status_display()}"
