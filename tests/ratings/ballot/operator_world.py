"""Test data of the operator's ballot side: a meeting of each county village, with a default scheme."""

import datetime
from dataclasses import dataclass

from django.utils import timezone

from meetings.models import Meeting
from portal.models import Resident
from ratings.ballot.schemes import scheme_create
from tests.factories import HouseholdFactory, ResidentFactory

Status = Meeting.Status
PLACES = ("village", "neighbour", "elsewhere")
ROLES = ("township_admin", "operator", "moderator", "cadre", "nobody")
# Who may hand out codes and arm terminals in each place (portal.permissions: OPERATE_MEETING).
OPERATES = {"township_admin": {"village", "neighbour"}, "operator": {"village"}}


def operates(role: str, place: str) -> bool:
    return place in OPERATES.get(role, set())


def set_status(meeting: Meeting, status: str) -> Meeting:
    Meeting.objects.filter(pk=meeting.pk).update(status=status)
    meeting.refresh_from_db()
    return meeting


def make_meeting(village, *, status=Status.ANNOUNCED, year=2024) -> Meeting:
    """A meeting with the brief's default scheme (villager and township panel groups)."""
    return Meeting.objects.create(
        village=village,
        year=year,
        held_at=timezone.now() + datetime.timedelta(days=1),
        venue="Activity center",
        scheme=scheme_create(name=f"Scheme {village.code} {year}"),
        status=status,
    )


def make_resident(village, name: str, **fields) -> Resident:
    return ResidentFactory(household=HouseholdFactory(village=village), name=name, **fields)


@dataclass
class BallotWorld:
    county: object
    meeting: Meeting  # announced, county.village
    neighbour_meeting: Meeting
    elsewhere_meeting: Meeting
    aygul: Resident
    mamat: Resident
    left: Resident  # no longer on the roll
    stranger: Resident  # on the neighbour village's roll

    def meeting_in(self, place: str) -> Meeting:
        return {
            "village": self.meeting,
            "neighbour": self.neighbour_meeting,
            "elsewhere": self.elsewhere_meeting,
        }[place]


def ballot_world(county) -> BallotWorld:
    return BallotWorld(
        county=county,
        meeting=make_meeting(county.village),
        neighbour_meeting=make_meeting(county.neighbour),
        elsewhere_meeting=make_meeting(county.elsewhere),
        aygul=make_resident(county.village, "Aygul Tursun", id_last4="123X"),
        mamat=make_resident(county.village, "Mamat Tursun", representative=True),
        left=make_resident(county.village, "Left Tursun", active=False),
        stranger=make_resident(county.neighbour, "Nur Tursun"),
    )
