"""A meeting is voted on its day, not before: the vote cannot open early, and the home page lists a
meeting as upcoming only while it is announced and still to be held."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from meetings import services
from meetings.models import Meeting
from portal.models import AuditEntry
from tests.worlds import set_status

Status = Meeting.Status

pytestmark = pytest.mark.usefixtures("english")


def tomorrow():
    return timezone.now() + datetime.timedelta(days=1)


def test_the_vote_does_not_open_before_the_meetings_day(meeting, county):
    meeting = set_status(meeting, Status.ANNOUNCED, held_at=tomorrow())
    with pytest.raises(ValidationError, match="The vote opens on the day of the meeting"):
        services.voting_open(meeting=meeting, by=county.operator)
    meeting.refresh_from_db()
    assert meeting.status == Status.ANNOUNCED
    assert not AuditEntry.objects.filter(action="voting_open").exists()


def test_the_vote_opens_on_the_day_even_before_the_hour(meeting, county):
    later_today = min(
        timezone.now() + datetime.timedelta(minutes=5),
        timezone.make_aware(datetime.datetime.combine(timezone.localdate(), datetime.time(23, 59, 59))),
    )
    meeting = set_status(meeting, Status.ANNOUNCED, held_at=later_today)
    meeting = services.voting_open(meeting=meeting, by=county.operator, warn_below_quorum=False)
    assert meeting.status == Status.VOTING_OPEN


def test_the_operator_is_told_why_and_nothing_moves(client, meeting, county):
    meeting = set_status(meeting, Status.ANNOUNCED, held_at=tomorrow())
    client.force_login(county.operator)
    response = client.post(
        reverse("meetings:staff-voting-open", args=[meeting.pk]),
        {"below_quorum": "confirmed"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    day = timezone.localdate(meeting.held_at)
    assert "The vote opens on the day of the meeting" in response.content.decode()
    assert str(day.year) in response.content.decode()
    assert Meeting.objects.get(pk=meeting.pk).status == Status.ANNOUNCED


def test_a_meeting_whose_vote_opened_is_no_longer_upcoming(meeting):
    # Held later today: its vote may open before the hour set, and then it is under way.
    set_status(meeting, Status.ANNOUNCED, held_at=timezone.now() + datetime.timedelta(minutes=30))
    assert list(Meeting.objects.upcoming()) == [meeting]
    assert list(Meeting.objects.recent()) == []
    for status in (Status.VOTING_OPEN, Status.UNDER_NOTICE):
        set_status(meeting, status)
        assert list(Meeting.objects.upcoming()) == []
        assert list(Meeting.objects.recent()) == [meeting]
    set_status(meeting, Status.ANNULLED)
    assert list(Meeting.objects.upcoming()) == list(Meeting.objects.recent()) == []
