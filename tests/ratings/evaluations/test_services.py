"""The steps of a household's evaluation: who may take each, in which order, the count against the
threshold, the deadlines, the history and the audit log."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from meetings.models import Meeting
from portal.models import AuditEntry, Role
from portal.services.roles import role_grant
from ratings.evaluations import register, services
from ratings.models import HouseholdProposal, HouseholdStatusChange
from tests.ratings.evaluations.conftest import VOTED_ON
from tests.worlds import make_meeting, set_status

pytestmark = pytest.mark.usefixtures("english")

Kind = HouseholdProposal.Kind
Status = HouseholdProposal.Status


def test_the_whole_way_is_kept_in_the_households_history_and_the_audit_log(ev):
    proposal = ev.final()
    assert proposal.status == Status.COUNTY_APPROVED
    steps = list(HouseholdStatusChange.objects.of_household(ev.household).values_list("status", "by_name"))
    assert steps == [
        (Status.DRAFT, "operator1"),
        (Status.SUBMITTED, "operator1"),
        (Status.APPROVED, "moderator1"),
        (Status.UNDER_NOTICE, "operator1"),
        (Status.TOWNSHIP_CHECKED, "admin1"),
        (Status.COUNTY_APPROVED, "county-officer"),
    ]
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {
        "household_proposal_create",
        "household_proposal_submit",
        "household_proposal_approve",
        "household_proposal_place",
        "household_outcome_record",
        "household_township_check",
        "household_county_decide",
    } <= actions
    entry = AuditEntry.objects.filter(action="household_outcome_record").get()
    assert entry.scope == ev.county.village.code
    assert entry.details["agree"] == 8


def test_a_poverty_exit_is_posted_seven_days_and_the_county_decides_within_twenty_working_days(ev):
    proposal = ev.counted(ev.on_agenda(Kind.POVERTY_EXIT))
    assert proposal.notice_days == 7
    assert proposal.notice_starts == VOTED_ON  # a Thursday
    assert proposal.notice_ends == datetime.date(2026, 12, 2)
    # Twenty working days after Wednesday 2 December, four weekends skipped.
    assert proposal.decision_due == datetime.date(2026, 12, 30)


def test_a_monitoring_entry_is_posted_five_days(ev):
    proposal = ev.counted(ev.on_agenda(Kind.MONITORING_ENTRY, category="marginal"))
    assert proposal.notice_days == 5
    assert proposal.notice_ends == datetime.date(2026, 11, 30)
    assert proposal.decision_due == datetime.date(2026, 12, 28)


def test_the_notice_may_be_longer_but_never_shorter_than_the_rule(ev):
    assert ev.propose(notice_days=10).notice_days == 10
    with pytest.raises(ValidationError) as refused:
        ev.propose(Kind.MONITORING_ENTRY, household=ev.second, category="unstable", notice_days=4)
    assert "notice_days" in refused.value.error_dict
    with pytest.raises(ValidationError):
        ev.propose(Kind.STAR, household=ev.second, star="diligent", notice_days=4)


def test_a_pending_step_past_its_deadline_is_overdue_and_a_late_decision_says_so(ev):
    proposal = ev.checked(ev.counted(ev.on_agenda()))
    assert not proposal.is_overdue(proposal.decision_due)
    assert proposal.is_overdue(proposal.decision_due + datetime.timedelta(days=1))
    later = proposal.decision_due + datetime.timedelta(days=3)
    assert list(HouseholdProposal.objects.overdue(later)) == [proposal]
    ev.decided(proposal, today=later)
    assert AuditEntry.objects.filter(action="household_county_decide").get().details["late"] is True
    assert not HouseholdProposal.objects.overdue(later).exists()


@pytest.mark.parametrize(
    "agree, disagree, abstain, passes",
    [
        (6, 4, 0, True),  # more than half
        (5, 5, 0, False),  # exactly half: not more
        (5, 0, 5, False),  # abstentions count as ballots, not as agreement
        (5, 4, 1, False),
        (6, 0, 4, True),
    ],
)
def test_the_count_passes_on_more_than_half_of_the_ballots(ev, agree, disagree, abstain, passes):
    proposal = ev.counted(ev.on_agenda(), agree=agree, disagree=disagree, abstain=abstain)
    assert proposal.status == (Status.UNDER_NOTICE if passes else Status.FAILED)
    assert (proposal.agree, proposal.disagree, proposal.abstain, proposal.ballots) == (
        agree,
        disagree,
        abstain,
        10,
    )
    assert proposal.passed is passes
    assert (proposal.notice_ends is not None) is passes


def test_a_threshold_of_two_thirds_needs_more_than_two_thirds(ev):
    two_thirds = {"threshold_numerator": 2, "threshold_denominator": 3}
    exit_proposal = ev.on_agenda(**two_thirds)
    star = ev.on_agenda(Kind.STAR, star="diligent", **two_thirds)
    assert ev.counted(exit_proposal, agree=6, disagree=3, abstain=0).status == Status.FAILED
    assert ev.counted(star, agree=7, disagree=2, abstain=0).status == Status.UNDER_NOTICE


def test_a_count_that_does_not_add_up_is_refused(ev):
    proposal = ev.on_agenda()
    ev.close_vote()
    with pytest.raises(ValidationError):
        services.proposal_outcome_record(
            proposal=proposal, agree=5, disagree=2, abstain=1, ballots=10, by=ev.county.operator
        )
    proposal.refresh_from_db()
    assert proposal.status == Status.APPROVED


def test_the_count_waits_for_the_vote_to_close(ev):
    proposal = ev.on_agenda()
    with pytest.raises(ValidationError):
        services.proposal_outcome_record(
            proposal=proposal, agree=5, disagree=0, abstain=0, ballots=5, by=ev.county.operator
        )


def test_another_villages_household_is_refused(ev):
    with pytest.raises(ValidationError) as refused:
        ev.propose(household=ev.neighbour_household)
    assert "household" in refused.value.error_dict
    assert not HouseholdProposal.objects.exists()


def test_a_meeting_of_another_village_is_refused_for_the_agenda(ev):
    proposal = ev.propose()
    services.proposal_submit(proposal=proposal, by=ev.county.operator)
    services.proposal_approve(proposal=proposal, by=ev.county.moderator)
    other = make_meeting(ev.county.neighbour, year=2026)
    with pytest.raises(ValidationError):
        services.proposal_place_on_agenda(proposal=proposal, meeting=other, by=ev.county.township_admin)


def test_the_agenda_is_frozen_once_voting_opens(ev):
    proposal = ev.on_agenda()
    set_status(ev.meeting, Meeting.Status.VOTING_OPEN)
    with pytest.raises(ValidationError):
        services.proposal_place_on_agenda(proposal=proposal, meeting=None, by=ev.county.moderator)
    with pytest.raises(ValidationError):
        services.proposal_return(proposal=proposal, reason="Wrong figures", by=ev.county.moderator)
    later = ev.propose(household=ev.second)
    services.proposal_submit(proposal=later, by=ev.county.operator)
    services.proposal_approve(proposal=later, by=ev.county.moderator)
    with pytest.raises(ValidationError):
        services.proposal_place_on_agenda(proposal=later, meeting=ev.meeting, by=ev.county.moderator)


def test_a_returned_proposal_is_corrected_and_submitted_again(ev):
    proposal = ev.on_agenda()
    with pytest.raises(ValidationError):
        services.proposal_return(proposal=proposal, reason="  ", by=ev.county.moderator)
    proposal = services.proposal_return(
        proposal=proposal, reason="Income figure missing", by=ev.county.moderator
    )
    assert proposal.meeting is None
    assert proposal.return_reason == "Income figure missing"
    services.proposal_update(proposal=proposal, income_per_head="10200.00", by=ev.county.operator)
    services.proposal_submit(proposal=proposal, by=ev.county.operator)
    history = HouseholdStatusChange.objects.filter(proposal=proposal)
    assert history.get(status=Status.RETURNED).reason == "Income figure missing"
    assert list(history.values_list("status", flat=True))[-1] == Status.SUBMITTED


def test_only_a_draft_or_a_returned_proposal_is_edited(ev):
    proposal = ev.on_agenda()
    with pytest.raises(ValidationError):
        services.proposal_update(proposal=proposal, members=9, by=ev.county.operator)


def test_one_open_proposal_per_household_and_decision(ev):
    ev.propose()
    with pytest.raises(ValidationError):
        ev.propose()
    ev.propose(Kind.STAR, star="civilized")


def test_the_township_checks_after_the_notice_and_returns_with_a_reason(ev):
    proposal = ev.counted(ev.on_agenda())
    with pytest.raises(ValidationError):
        services.township_check(
            proposal=proposal, approve=True, by=ev.county.township_admin, today=proposal.notice_ends
        )
    after = proposal.notice_ends + datetime.timedelta(days=1)
    with pytest.raises(ValidationError):
        services.township_check(proposal=proposal, approve=False, by=ev.county.township_admin, today=after)
    proposal = services.township_check(
        proposal=proposal,
        approve=False,
        reason="Income not verified",
        by=ev.county.township_admin,
        today=after,
    )
    assert proposal.status == Status.TOWNSHIP_RETURNED
    assert proposal.is_final
    # Final: the village may propose the household again.
    ev.propose()


def test_the_county_returns_with_a_reason(ev):
    proposal = ev.checked(ev.counted(ev.on_agenda()))
    proposal = services.county_decide(
        proposal=proposal, approve=False, reason="Housing not safe", by=ev.county_officer
    )
    assert proposal.status == Status.COUNTY_RETURNED
    assert HouseholdStatusChange.objects.filter(proposal=proposal).last().reason == "Housing not safe"


def test_the_household_confirms_the_final_outcome_through_a_helper_with_a_thumbprint(ev):
    proposal = ev.on_agenda()
    with pytest.raises(ValidationError):
        services.household_confirm(
            proposal=proposal, by_helper=False, thumbprint=False, by=ev.county.operator
        )
    proposal = ev.decided(ev.checked(ev.counted(proposal)))
    with pytest.raises(ValidationError):
        services.household_confirm(proposal=proposal, by_helper=True, thumbprint=False, by=ev.county.operator)
    proposal = services.household_confirm(
        proposal=proposal, by_helper=True, thumbprint=True, by=ev.county.operator
    )
    assert proposal.confirmed_at is not None and proposal.thumbprint
    with pytest.raises(ValidationError):
        services.household_confirm(
            proposal=proposal, by_helper=False, thumbprint=False, by=ev.county.operator
        )
    assert AuditEntry.objects.filter(action="household_confirm").count() == 1


def test_a_category_goes_with_an_entry_and_a_star_with_a_star_rating(ev):
    with pytest.raises(ValidationError) as refused:
        ev.propose(Kind.MONITORING_ENTRY)
    assert "category" in refused.value.error_dict
    with pytest.raises(ValidationError):
        ev.propose(Kind.STAR)
    with pytest.raises(ValidationError):
        ev.propose(Kind.POVERTY_EXIT, category="marginal")


def test_monitoring_entry_then_exit_changes_the_households_standing(ev):
    with pytest.raises(ValidationError):
        ev.propose(Kind.MONITORING_EXIT)
    entry = ev.final(Kind.MONITORING_ENTRY, category="hardship")
    monitored = register.monitoring_of(ev.household)
    assert (monitored.category, monitored.since) == ("hardship", entry.decided_on)
    with pytest.raises(ValidationError):
        ev.propose(Kind.MONITORING_ENTRY, category="marginal")
    ev.meeting = set_status(ev.meeting, Meeting.Status.FINAL)
    ev.meeting = make_meeting(ev.county.village, year=2027)
    ev.final(Kind.MONITORING_EXIT)
    assert register.monitoring_of(ev.household) is None


# --- who may take each step --------------------------------------------------------------------------

REFUSED = {
    "propose": ["township_admin", "nobody", "county_officer", "neighbour"],
    "approve": ["operator", "cadre", "county_officer", "neighbour"],
    "count": ["moderator", "cadre", "county_officer", "neighbour"],
    "check": ["moderator", "operator", "county_officer", "neighbour"],
    "decide": ["township_admin", "moderator", "elsewhere_officer"],
    "confirm": ["township_admin", "county_officer", "neighbour"],
}
ALLOWED = {
    "propose": ["operator", "moderator", "cadre"],
    "approve": ["moderator", "township_admin"],
    "count": ["operator", "township_admin"],
    "check": ["township_admin"],
    "decide": ["county_officer"],
    "confirm": ["operator", "moderator", "cadre"],
}


def _account(ev, name, django_user_model):
    if name == "county_officer":
        return ev.county_officer
    if name == "elsewhere_officer":
        return ev.elsewhere_officer
    if name == "neighbour":
        user = django_user_model.objects.create_user("neighbour-moderator")
        role_grant(
            user=user, role=Role.VILLAGE_MODERATOR, village=ev.county.neighbour, by=ev.county.superuser
        )
        return user
    return getattr(ev.county, name)


def _take(step, ev, user):
    if step == "propose":
        return services.proposal_create(
            village=ev.county.village,
            household=ev.household,
            kind=Kind.POVERTY_EXIT,
            by=user,
            head_name="A",
            members=2,
            reason="r",
        )
    if step == "approve":
        proposal = ev.propose()
        services.proposal_submit(proposal=proposal, by=ev.county.operator)
        return services.proposal_approve(proposal=proposal, by=user)
    if step == "count":
        proposal = ev.on_agenda()
        ev.close_vote()
        return services.proposal_outcome_record(
            proposal=proposal, agree=3, disagree=0, abstain=0, ballots=3, by=user
        )
    if step == "check":
        proposal = ev.counted(ev.on_agenda())
        return services.township_check(
            proposal=proposal, approve=True, by=user, today=proposal.notice_ends + datetime.timedelta(days=1)
        )
    if step == "decide":
        proposal = ev.checked(ev.counted(ev.on_agenda()))
        return services.county_decide(proposal=proposal, approve=True, by=user)
    proposal = ev.counted(ev.on_agenda(), agree=1, disagree=2, abstain=0)
    return services.household_confirm(proposal=proposal, by_helper=False, thumbprint=False, by=user)


@pytest.mark.parametrize("step, who", [(step, who) for step, names in REFUSED.items() for who in names])
def test_each_step_is_refused_to_those_who_may_not_take_it(ev, step, who, django_user_model):
    with pytest.raises(PermissionDenied):
        _take(step, ev, _account(ev, who, django_user_model))


@pytest.mark.parametrize("step, who", [(step, who) for step, names in ALLOWED.items() for who in names])
def test_each_step_is_taken_by_those_who_may(ev, step, who, django_user_model):
    assert _take(step, ev, _account(ev, who, django_user_model)).pk


def test_an_annulled_meeting_lets_its_households_go_to_another_agenda(ev):
    proposal = ev.on_agenda()
    set_status(ev.meeting, Meeting.Status.VOTING_OPEN)
    assert list(HouseholdProposal.objects.for_ballot(ev.meeting)) == [proposal]
    set_status(ev.meeting, Meeting.Status.ANNULLED)
    proposal.refresh_from_db()
    assert not proposal.agenda_frozen
    again = make_meeting(ev.county.village, year=2026)
    proposal = services.proposal_place_on_agenda(proposal=proposal, meeting=again, by=ev.county.moderator)
    assert proposal.meeting == again
