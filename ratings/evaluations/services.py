"""Writes of households' evaluations: one function per step, permission checked again, audited, and
each change of status kept in the household's history (HouseholdStatusChange).

Who does what (portal.permissions): the village's staff (PROPOSE_HOUSEHOLDS) propose a household, edit
and submit the proposal, and record the household's confirmation of the outcome; the village's
moderators (MODERATE) approve it for the agenda or return it, and place it on a meeting's agenda until
voting opens; whoever runs the meeting (OPERATE_MEETING) records the vote's count once voting is
closed; the township's administrators (CHECK_HOUSEHOLDS) check it after the public notice; a county
officer (DECIDE_HOUSEHOLDS) decides, within the working days after the notice.

The vote plugs in at two points: the ballot of a meeting holds `HouseholdProposal.objects.for_ballot(
meeting)` (approved and on its agenda, frozen with it when voting opens), and once its box is sealed the
count of each of them is recorded with `proposal_outcome_record`.
"""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from meetings.models import Meeting, RiskFlag
from portal import audit, permissions
from portal.models import Household, Village
from portal.permissions import Capability
from portal.workdays import add_working_days
from ratings.aggregation import household_passes
from ratings.evaluations import register
from ratings.models import HouseholdProposal, HouseholdStatusChange

Kind = HouseholdProposal.Kind
Status = HouseholdProposal.Status

# The facts of the ballot that the village enters and may edit until the proposal is submitted.
FACTS = (
    "head_name",
    "members",
    "reason",
    "income_year",
    "income_per_head",
    "income_line",
    "food",
    "clothing",
    "education",
    "medical",
    "housing",
    "drinking_water",
)
# What the decision is, and the rules it is voted under: set when proposing, changed only with the facts.
DECISION = ("kind", "category", "star")
RULES = ("threshold_numerator", "threshold_denominator", "notice_days")
SETTINGS = DECISION + RULES
# A vote is counted once its box is closed; an annulled meeting counts nothing.
COUNTED = {Meeting.Status.VOTING_CLOSED, Meeting.Status.UNDER_NOTICE, Meeting.Status.FINAL}
MAX_NOTICE_DAYS = 60
MAX_DENOMINATOR = 100


def notice_days_for(kind: str) -> int:
    """The shortest notice of a decision, and its default: 7 days for an exit from poverty, else 5."""
    if kind == Kind.POVERTY_EXIT:
        return settings.HOUSEHOLD_EXIT_NOTICE_DAYS
    return settings.HOUSEHOLD_NOTICE_DAYS


def _today(today: datetime.date | None) -> datetime.date:
    return today or timezone.localdate()


def _locked(proposal: HouseholdProposal) -> HouseholdProposal:
    return (
        HouseholdProposal.objects.select_for_update(of=("self",))
        .select_related("village__township", "household", "meeting")
        .get(pk=proposal.pk)
    )


def _ensure_status(proposal: HouseholdProposal, *statuses: str) -> None:
    if proposal.status not in statuses:
        raise ValidationError(
            _("This proposal is %(status)s: this step is not possible now.")
            % {"status": proposal.get_status_display()}
        )


def _move(proposal: HouseholdProposal, status: str, *, by, action: str, reason: str = "", details=None):
    """Move the proposal to `status`, keep the step in the household's history, and audit it."""
    if not proposal.can_move_to(status):
        raise ValidationError(
            _("This proposal is %(status)s: it cannot become %(next)s.")
            % {"status": proposal.get_status_display(), "next": Status(status).label}
        )
    proposal.status = status
    proposal.save()
    HouseholdStatusChange.objects.create(
        proposal=proposal,
        household=proposal.household,
        status=status,
        by=by,
        by_name=by.get_username(),
        at=timezone.now(),
        reason=reason,
    )
    audit.record(
        actor=by,
        action=action,
        target=proposal,
        details={"household": proposal.household.number, "kind": proposal.kind, "status": status}
        | ({"reason": reason} if reason else {})
        | (details or {}),
    )


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for returning it.")})
    return reason


def _check_settings(values: dict, *, household: Household, exclude_pk=None) -> None:
    """What makes a proposal's decision and threshold valid, whatever door it came through."""
    errors = {}
    kind = values["kind"]
    if kind not in Kind.values:
        errors["kind"] = _("Choose a decision.")
    if kind == Kind.MONITORING_ENTRY and values.get("category") not in HouseholdProposal.Category.values:
        errors["category"] = _("An entry into monitoring needs its category.")
    if kind != Kind.MONITORING_ENTRY and values.get("category"):
        errors["category"] = _("Only an entry into monitoring has a category.")
    if kind == Kind.STAR and values.get("star") not in HouseholdProposal.Star.values:
        errors["star"] = _("A star rating needs its star.")
    if kind != Kind.STAR and values.get("star"):
        errors["star"] = _("Only a star rating has a star.")
    numerator, denominator = values["threshold_numerator"], values["threshold_denominator"]
    if not (0 <= numerator < denominator <= MAX_DENOMINATOR):
        errors["threshold_numerator"] = _(
            "The threshold is a share below one: more than 1 of 2, 2 of 3… (at most 100 parts)."
        )
    shortest = notice_days_for(kind)
    if not (shortest <= values["notice_days"] <= MAX_NOTICE_DAYS):
        errors["notice_days"] = _("This decision is posted for %(days)s to %(most)s days.") % {
            "days": shortest,
            "most": MAX_NOTICE_DAYS,
        }
    if errors:
        raise ValidationError(errors)
    if kind in (Kind.MONITORING_ENTRY, Kind.MONITORING_EXIT):
        monitored = register.monitoring_of(household) is not None
        if kind == Kind.MONITORING_ENTRY and monitored:
            raise ValidationError({"kind": _("This household is already under monitoring.")})
        if kind == Kind.MONITORING_EXIT and not monitored:
            raise ValidationError({"kind": _("This household is not under monitoring.")})
    still_open = HouseholdProposal.objects.filter(household=household, kind=kind).exclude(
        status__in=HouseholdProposal.FINAL
    )
    if still_open.exclude(pk=exclude_pk).exists():
        raise ValidationError({"kind": _("This household already has an open proposal for this decision.")})


@transaction.atomic
def proposal_create(
    *,
    village: Village,
    household: Household,
    kind: str,
    by,
    category: str = "",
    star: str = "",
    threshold_numerator: int = 1,
    threshold_denominator: int = 2,
    notice_days: int | None = None,
    risk_flag: RiskFlag | None = None,
    **facts,
) -> HouseholdProposal:
    """The village proposes a household for a decision, with the facts the ballot shows (a draft).

    An entry into monitoring may start from an open risk flag of the household (found at a visit):
    the proposal keeps it, and the flag's page shows the proposal."""
    permissions.ensure(by, Capability.PROPOSE_HOUSEHOLDS, village)
    if household.village_id != village.pk:
        raise ValidationError({"household": _("This household is not of this village.")})
    if risk_flag is not None:
        if risk_flag.household_id != household.pk:
            raise ValidationError({"household": _("The risk was found at another household.")})
        if risk_flag.status != RiskFlag.Status.OPEN:
            raise ValidationError(_("This risk is closed."))
        if kind != Kind.MONITORING_ENTRY:
            raise ValidationError({"kind": _("A risk leads to an entry into monitoring.")})
    unknown = set(facts) - set(FACTS)
    if unknown:
        raise TypeError(f"unknown facts: {sorted(unknown)}")
    values = {
        "kind": kind,
        "category": category,
        "star": star,
        "threshold_numerator": threshold_numerator,
        "threshold_denominator": threshold_denominator,
        "notice_days": notice_days if notice_days is not None else notice_days_for(kind),
    }
    _check_settings(values, household=household)
    proposal = HouseholdProposal(
        village=village, household=household, created_by=by, risk_flag=risk_flag, **values, **facts
    )
    proposal.full_clean(validate_constraints=False)
    try:
        # Two clerks proposing the same household at once: the second meets the constraint.
        with transaction.atomic():
            proposal.save()
    except IntegrityError as error:
        raise ValidationError(
            {"kind": _("This household already has an open proposal for this decision.")}
        ) from error
    HouseholdStatusChange.objects.create(
        proposal=proposal,
        household=household,
        status=Status.DRAFT,
        by=by,
        by_name=by.get_username(),
        at=timezone.now(),
    )
    audit.record(
        actor=by,
        action="household_proposal_create",
        target=proposal,
        details={"household": household.number, "kind": kind, "category": category, "star": star}
        | ({"risk flag": risk_flag.pk} if risk_flag else {}),
    )
    return proposal


@transaction.atomic
def proposal_update(*, proposal: HouseholdProposal, by, **changes) -> HouseholdProposal:
    """The village corrects a draft or a returned proposal: its decision, threshold, notice and facts."""
    permissions.ensure(by, Capability.PROPOSE_HOUSEHOLDS, proposal.village)
    proposal = _locked(proposal)
    if not proposal.is_editable:
        raise ValidationError(
            _("This proposal is %(status)s: only a draft or a returned one is edited.")
            % {"status": proposal.get_status_display()}
        )
    unknown = set(changes) - set(FACTS) - set(SETTINGS)
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    if proposal.risk_flag_id and changes.get("kind", proposal.kind) != Kind.MONITORING_ENTRY:
        raise ValidationError({"kind": _("A risk leads to an entry into monitoring.")})
    for name, value in changes.items():
        setattr(proposal, name, value)
    _check_settings(
        {name: getattr(proposal, name) for name in SETTINGS},
        household=proposal.household,
        exclude_pk=proposal.pk,
    )
    proposal.full_clean(validate_constraints=False)
    proposal.save()
    audit.record(
        actor=by,
        action="household_proposal_update",
        target=proposal,
        details={"household": proposal.household.number, "fields": sorted(changes)},
    )
    return proposal


@transaction.atomic
def proposal_submit(*, proposal: HouseholdProposal, by) -> HouseholdProposal:
    """The village sends the proposal to its moderator."""
    permissions.ensure(by, Capability.PROPOSE_HOUSEHOLDS, proposal.village)
    proposal = _locked(proposal)
    _move(proposal, Status.SUBMITTED, by=by, action="household_proposal_submit")
    return proposal


@transaction.atomic
def proposal_approve(*, proposal: HouseholdProposal, by) -> HouseholdProposal:
    """The moderator approves the proposal for a meeting's agenda."""
    permissions.ensure(by, Capability.MODERATE, proposal.village)
    proposal = _locked(proposal)
    _move(proposal, Status.APPROVED, by=by, action="household_proposal_approve")
    return proposal


@transaction.atomic
def proposal_return(*, proposal: HouseholdProposal, reason: str, by) -> HouseholdProposal:
    """The moderator returns the proposal to the village with a reason, off any agenda not yet frozen."""
    permissions.ensure(by, Capability.MODERATE, proposal.village)
    proposal = _locked(proposal)
    reason = _reason(reason)
    _ensure_status(proposal, Status.SUBMITTED, Status.APPROVED)
    if proposal.agenda_frozen:
        raise ValidationError(_("Voting has opened on this proposal: it can no longer be returned."))
    proposal.meeting = None
    proposal.return_reason = reason
    _move(proposal, Status.RETURNED, by=by, action="household_proposal_return", reason=reason)
    return proposal


@transaction.atomic
def proposal_place_on_agenda(
    *, proposal: HouseholdProposal, meeting: Meeting | None, by
) -> HouseholdProposal:
    """The moderator puts an approved proposal on a meeting's agenda (None: takes it off), until voting
    opens at that meeting: after that, what is on the ballot stays as it was cast."""
    permissions.ensure(by, Capability.MODERATE, proposal.village)
    proposal = _locked(proposal)
    _ensure_status(proposal, Status.APPROVED)
    if proposal.agenda_frozen:
        raise ValidationError(_("Voting has opened at this meeting: its agenda is frozen."))
    if meeting is not None:
        meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
        if meeting.village_id != proposal.village_id:
            raise ValidationError({"meeting": _("This meeting is not of the household's village.")})
        if meeting.is_frozen:
            raise ValidationError({"meeting": _("Voting has opened at this meeting: its agenda is frozen.")})
    proposal.meeting = meeting
    proposal.save(update_fields=["meeting"])
    audit.record(
        actor=by,
        action="household_proposal_place",
        target=proposal,
        details={"household": proposal.household.number, "meeting": meeting.pk if meeting else None},
    )
    return proposal


@transaction.atomic
def proposal_outcome_record(
    *,
    proposal: HouseholdProposal,
    agree: int,
    disagree: int,
    abstain: int,
    ballots: int,
    by,
    today: datetime.date | None = None,
) -> HouseholdProposal:
    """The meeting's count for the household: passed, it is posted for its notice days from today and the
    county's decision falls due the working days after; failed, the proposal ends there."""
    permissions.ensure(by, Capability.OPERATE_MEETING, proposal.village)
    proposal = _locked(proposal)
    _ensure_status(proposal, Status.APPROVED)
    if proposal.meeting is None or proposal.meeting.status not in COUNTED:
        raise ValidationError(_("The household is counted once the vote of its meeting is closed."))
    try:
        passed = household_passes(
            agree=agree, disagree=disagree, abstain=abstain, ballots=ballots, threshold=proposal.threshold
        )
    except ValueError as error:
        raise ValidationError(
            _("Agree, disagree and abstain are counts that add up to the ballots.")
        ) from error
    proposal.agree, proposal.disagree, proposal.abstain, proposal.ballots = agree, disagree, abstain, ballots
    counts = {"agree": agree, "disagree": disagree, "abstain": abstain, "ballots": ballots}
    if not passed:
        _move(proposal, Status.FAILED, by=by, action="household_outcome_record", details=counts)
        return proposal
    today = _today(today)
    proposal.notice_starts = today
    # Posted for `notice_days` whole days, the first of them today.
    proposal.notice_ends = today + datetime.timedelta(days=proposal.notice_days - 1)
    proposal.decision_due = add_working_days(proposal.notice_ends, settings.HOUSEHOLD_DECISION_WORKING_DAYS)
    _move(
        proposal,
        Status.UNDER_NOTICE,
        by=by,
        action="household_outcome_record",
        details=counts | {"notice_ends": proposal.notice_ends.isoformat()},
    )
    return proposal


@transaction.atomic
def township_check(
    *, proposal: HouseholdProposal, approve: bool, by, reason: str = "", today: datetime.date | None = None
) -> HouseholdProposal:
    """The township checks a passed proposal once its notice is over: approved, it goes to the county;
    returned, with a reason, it ends (the village may propose the household again)."""
    permissions.ensure(by, Capability.CHECK_HOUSEHOLDS, proposal.village)
    proposal = _locked(proposal)
    _ensure_status(proposal, Status.UNDER_NOTICE)
    if not proposal.notice_over(_today(today)):
        raise ValidationError(
            _("The notice lasts until %(date)s: the township checks after it.")
            % {"date": proposal.notice_ends.isoformat()}
        )
    if approve:
        _move(
            proposal, Status.TOWNSHIP_CHECKED, by=by, action="household_township_check", reason=reason.strip()
        )
    else:
        proposal.return_reason = _reason(reason)
        _move(
            proposal,
            Status.TOWNSHIP_RETURNED,
            by=by,
            action="household_township_check",
            reason=proposal.return_reason,
        )
    return proposal


@transaction.atomic
def county_decide(
    *, proposal: HouseholdProposal, approve: bool, by, reason: str = "", today: datetime.date | None = None
) -> HouseholdProposal:
    """The county decides what the township checked: approved, the household's standing changes (the
    register); returned, with a reason. A decision after its due date is still taken, and says so."""
    permissions.ensure(by, Capability.DECIDE_HOUSEHOLDS, proposal.village)
    proposal = _locked(proposal)
    _ensure_status(proposal, Status.TOWNSHIP_CHECKED)
    today = _today(today)
    late = proposal.is_overdue(today)
    proposal.decided_on = today
    details = {"late": late, "due": proposal.decision_due.isoformat() if proposal.decision_due else None}
    if approve:
        if proposal.kind == Kind.MONITORING_ENTRY and register.monitoring_of(proposal.household):
            raise ValidationError(_("This household has been put under monitoring since: return this one."))
        _move(
            proposal,
            Status.COUNTY_APPROVED,
            by=by,
            action="household_county_decide",
            reason=reason.strip(),
            details=details,
        )
    else:
        proposal.return_reason = _reason(reason)
        _move(
            proposal,
            Status.COUNTY_RETURNED,
            by=by,
            action="household_county_decide",
            reason=proposal.return_reason,
            details=details,
        )
    return proposal


@transaction.atomic
def household_confirm(
    *, proposal: HouseholdProposal, by_helper: bool, thumbprint: bool, by
) -> HouseholdProposal:
    """The village records that the household was shown the final outcome and confirmed it: in its own
    hand, or through a helper for a household that cannot write, its thumbprint noted as given."""
    permissions.ensure(by, Capability.PROPOSE_HOUSEHOLDS, proposal.village)
    proposal = _locked(proposal)
    if not proposal.is_final:
        raise ValidationError(_("The household confirms the outcome once it is final."))
    if proposal.confirmed_at is not None:
        raise ValidationError(_("The household has already confirmed this outcome."))
    if by_helper and not thumbprint:
        raise ValidationError(
            {"thumbprint": _("A helper signs for the household only with the household's thumbprint.")}
        )
    proposal.confirmed_at = timezone.now()
    proposal.confirmed_by_helper = by_helper
    proposal.thumbprint = thumbprint
    proposal.confirmation_recorded_by = by
    proposal.save(
        update_fields=["confirmed_at", "confirmed_by_helper", "thumbprint", "confirmation_recorded_by"]
    )
    audit.record(
        actor=by,
        action="household_confirm",
        target=proposal,
        details={"household": proposal.household.number, "helper": by_helper, "thumbprint": thumbprint},
    )
    return proposal
