"""The quorum warned before opening and before closing the vote: on the control page, on the
confirmation, and again by the server when a POST comes without the operator's confirmation."""

import re

import pytest
from django.urls import reverse

from meetings import services
from meetings.models import Meeting
from meetings.quorum import quorum_of, shortfall_warning
from portal.models import AuditEntry
from tests.worlds import residents, set_status

Status = Meeting.Status
OPEN_WARNING = (
    "1 present, 3 needed: unless more sign in before voting closes, the results of this vote cannot be "
    "published."
)
CLOSE_WARNING = "1 present, 3 needed: the results of this vote cannot be published."

pytestmark = pytest.mark.usefixtures("english", "english_pages")


@pytest.fixture
def roll(county):
    return residents(county.village, 4)


@pytest.fixture
def short(meeting, county, roll):
    """An announced meeting with 1 of the 4 on the roll signed in: 3 needed."""
    set_status(meeting, Status.ANNOUNCED)
    services.attendance_record(meeting=meeting, resident=roll[0], by=county.operator)
    return meeting


def page(response) -> str:
    return response.content.decode()


def status_of(meeting) -> str:
    return Meeting.objects.get(pk=meeting.pk).status


# --- the service ----------------------------------------------------------------------------------------


def test_the_warning_names_the_shortfall_and_is_silent_once_met(short, county, roll):
    assert shortfall_warning(quorum_of(short), closing=False) == OPEN_WARNING
    assert shortfall_warning(quorum_of(short), closing=True) == CLOSE_WARNING
    for resident in roll[1:3]:
        services.attendance_record(meeting=short, resident=resident, by=county.operator)
    assert shortfall_warning(quorum_of(short), closing=True) is None


def test_opening_below_quorum_asks_first_and_writes_nothing(short, county):
    with pytest.raises(services.QuorumShortfall) as asked:
        services.voting_open(meeting=short, by=county.operator, warn_below_quorum=True)
    assert asked.value.messages == [OPEN_WARNING]
    assert (asked.value.quorum.present, asked.value.quorum.required) == (1, 3)
    short.refresh_from_db()
    assert (short.status, short.roll_size) == (Status.ANNOUNCED, None)
    assert not AuditEntry.objects.filter(action="voting_open").exists()
    # Confirmed: the vote opens, and the log keeps the shortfall it opened with.
    services.voting_open(meeting=short, by=county.operator, warn_below_quorum=False)
    assert status_of(short) == Status.VOTING_OPEN
    details = AuditEntry.objects.get(action="voting_open").details
    assert (details["present"], details["required"], details["quorum_met"]) == (1, 3, False)


def test_closing_below_quorum_asks_first(short, county):
    services.voting_open(meeting=short, by=county.operator)
    with pytest.raises(services.QuorumShortfall) as asked:
        services.voting_close(meeting=short, by=county.operator, warn_below_quorum=True)
    assert asked.value.messages == [CLOSE_WARNING]
    assert status_of(short) == Status.VOTING_OPEN
    services.voting_close(meeting=short, by=county.operator, warn_below_quorum=False)
    assert status_of(short) == Status.VOTING_CLOSED


def test_with_the_quorum_met_nothing_is_asked(short, county, roll):
    for resident in roll[1:3]:
        services.attendance_record(meeting=short, resident=resident, by=county.operator)
    services.voting_open(meeting=short, by=county.operator, warn_below_quorum=True)
    services.voting_close(meeting=short, by=county.operator, warn_below_quorum=True)
    assert status_of(short) == Status.VOTING_CLOSED


def test_a_representatives_assembly_counts_representatives(meeting, county):
    representatives = residents(county.village, 3, representative=True)
    residents(county.village, 5)
    set_status(meeting, Status.ANNOUNCED, kind=Meeting.Kind.REPRESENTATIVES_ASSEMBLY)
    services.attendance_record(meeting=meeting, resident=representatives[0], by=county.operator)
    with pytest.raises(services.QuorumShortfall) as asked:
        services.voting_open(meeting=meeting, by=county.operator, warn_below_quorum=True)
    assert asked.value.messages[0].startswith("1 present, 3 needed:")


# --- the pages ------------------------------------------------------------------------------------------


def test_the_control_page_shows_present_and_needed_and_warns_beside_the_button(client, short, county):
    client.force_login(county.operator)
    html = page(client.get(reverse("meetings:staff-meeting", args=[short.pk])))
    assert re.search(r"Present</dt>\s*<dd[^>]*>1</dd>", html)
    assert re.search(r"Needed for the quorum</dt>\s*<dd[^>]*>3", html)
    assert re.search(r"data-quorum-warning>" + re.escape(OPEN_WARNING) + "<", html)


def test_the_confirmation_names_the_shortfall_and_goes_on_only_when_confirmed(client, short, county):
    client.force_login(county.operator)
    url = reverse("meetings:staff-voting-open", args=[short.pk])
    html = page(client.get(url))
    assert OPEN_WARNING in html
    assert 'name="below_quorum" value="confirmed"' in html
    assert "Open the vote below the quorum" in html
    # A POST without the confirmation (a stale page, a script) moves nothing and asks again.
    response = client.post(url)
    assert response.status_code == 200
    assert OPEN_WARNING in page(response)
    assert 'name="below_quorum" value="confirmed"' in page(response)
    assert status_of(short) == Status.ANNOUNCED
    assert client.post(url, {"below_quorum": "yes please"}).status_code == 200
    assert status_of(short) == Status.ANNOUNCED
    response = client.post(url, {"below_quorum": "confirmed"})
    assert response.status_code == 302
    assert status_of(short) == Status.VOTING_OPEN

    url = reverse("meetings:staff-voting-close", args=[short.pk])
    assert CLOSE_WARNING in page(client.get(url))
    response = client.post(url)
    assert CLOSE_WARNING in page(response)
    assert status_of(short) == Status.VOTING_OPEN
    assert client.post(url, {"below_quorum": "confirmed"}).status_code == 302
    assert status_of(short) == Status.VOTING_CLOSED


def test_with_the_quorum_met_the_confirmation_is_the_usual_one(client, short, county, roll):
    for resident in roll[1:3]:
        services.attendance_record(meeting=short, resident=resident, by=county.operator)
    client.force_login(county.operator)
    url = reverse("meetings:staff-voting-open", args=[short.pk])
    html = page(client.get(url))
    assert "The quorum is met." in html
    assert "below_quorum" not in html
    assert "Yes, open the vote" in html
    assert client.post(url).status_code == 302
    assert status_of(short) == Status.VOTING_OPEN


def test_announcing_asks_nothing_of_the_quorum(client, meeting, county, roll):
    client.force_login(county.operator)
    url = reverse("meetings:staff-announce", args=[meeting.pk])
    assert "below_quorum" not in page(client.get(url))
    assert client.post(url).status_code == 302
    assert status_of(meeting) == Status.ANNOUNCED


def test_only_the_villages_operators_reach_the_confirmation(client, short, county):
    neighbours = Meeting.objects.create(
        village=county.neighbour,
        year=2024,
        held_at=short.held_at,
        venue="Hall",
        scheme=short.scheme,
        status=Status.ANNOUNCED,
    )
    for user, meeting in ((county.moderator, short), (county.operator, neighbours)):
        client.force_login(user)
        url = reverse("meetings:staff-voting-open", args=[meeting.pk])
        assert client.get(url).status_code == 404
        assert client.post(url, {"below_quorum": "confirmed"}).status_code == 404
        assert status_of(meeting) == Status.ANNOUNCED
