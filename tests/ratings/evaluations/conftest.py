"""Households' evaluations: the county's village with two households, a meeting, and a county officer
over the township; a helper that walks a proposal through its steps."""

import datetime
from dataclasses import dataclass

import pytest

from meetings.models import Meeting
from portal.models import Household, Role
from portal.services.roles import role_grant
from ratings.evaluations import services
from ratings.models import HouseholdProposal
from tests.factories import HouseholdFactory, UserFactory
from tests.worlds import make_meeting, set_status

Kind = HouseholdProposal.Kind
Status = HouseholdProposal.Status
# A Thursday: the notice of 5 days runs to the Monday after; 20 working days later is a Monday.
VOTED_ON = datetime.date(2026, 11, 26)

FACTS = {
    "head_name": "Ahmat Tursun",
    "members": 4,
    "reason": "Greenhouse vegetables since 2024; both sons work in the county town.",
    "income_year": 2025,
    "income_per_head": "9800.00",
    "income_line": "4800.00",
    "food": True,
    "clothing": True,
    "education": True,
    "medical": True,
    "housing": True,
    "drinking_water": True,
}


@dataclass
class Evaluations:
    county: object
    meeting: Meeting
    household: Household
    second: Household
    neighbour_household: Household
    county_officer: object
    elsewhere_officer: object

    def propose(self, kind=Kind.POVERTY_EXIT, household=None, **fields) -> HouseholdProposal:
        return services.proposal_create(
            village=self.county.village,
            household=household or self.household,
            kind=kind,
            by=self.county.operator,
            **(FACTS | fields),
        )

    def on_agenda(self, kind=Kind.POVERTY_EXIT, household=None, **fields) -> HouseholdProposal:
        """Proposed, submitted, approved and placed on the meeting's agenda."""
        proposal = self.propose(kind, household, **fields)
        services.proposal_submit(proposal=proposal, by=self.county.operator)
        services.proposal_approve(proposal=proposal, by=self.county.moderator)
        return services.proposal_place_on_agenda(
            proposal=proposal, meeting=self.meeting, by=self.county.moderator
        )

    def close_vote(self) -> None:
        self.meeting = set_status(self.meeting, Meeting.Status.VOTING_CLOSED)

    def counted(self, proposal, agree=8, disagree=1, abstain=1, today=VOTED_ON) -> HouseholdProposal:
        if self.meeting.status != Meeting.Status.VOTING_CLOSED:
            self.close_vote()
        return services.proposal_outcome_record(
            proposal=proposal,
            agree=agree,
            disagree=disagree,
            abstain=abstain,
            ballots=agree + disagree + abstain,
            by=self.county.operator,
            today=today,
        )

    def checked(self, proposal) -> HouseholdProposal:
        return services.township_check(
            proposal=proposal,
            approve=True,
            by=self.county.township_admin,
            today=proposal.notice_ends + datetime.timedelta(days=1),
        )

    def decided(self, proposal, *, today=None) -> HouseholdProposal:
        return services.county_decide(
            proposal=proposal, approve=True, by=self.county_officer, today=today or proposal.decision_due
        )

    def final(self, kind=Kind.POVERTY_EXIT, household=None, **fields) -> HouseholdProposal:
        proposal = self.counted(self.on_agenda(kind, household, **fields))
        return self.decided(self.checked(proposal))


@pytest.fixture
def ev(county) -> Evaluations:
    officer = UserFactory(username="county-officer")
    role_grant(user=officer, role=Role.COUNTY_OFFICER, township=county.township, by=county.superuser)
    elsewhere_officer = UserFactory(username="county-officer-elsewhere")
    role_grant(
        user=elsewhere_officer,
        role=Role.COUNTY_OFFICER,
        township=county.elsewhere.township,
        by=county.superuser,
    )
    return Evaluations(
        county=county,
        meeting=make_meeting(county.village, year=2026),
        household=HouseholdFactory(village=county.village, number="7"),
        second=HouseholdFactory(village=county.village, number="12"),
        neighbour_household=HouseholdFactory(village=county.neighbour, number="3"),
        county_officer=officer,
        elsewhere_officer=elsewhere_officer,
    )
