"""Never more ballots than people (issue 10): batch codes cast beyond the people signed in stop the
close and the publication, with the figures; unused codes are voided at close; the control page
reconciles present, codes and ballots."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import override

from meetings import services as meeting_services
from meetings.models import Attendance, Meeting
from portal.models import AuditEntry
from ratings.ballot import services
from ratings.ballot.reconciliation import Reconciliation, reconciliation_of
from ratings.models import BallotCode
from ratings.results import services as results_services
from tests.worlds import Status, build_world, certify, make_resident, print_panel_codes, set_status

# Two residents receive a code (which signs them in) and vote; five batch codes are cast besides.
TOO_MANY = (
    "More ballots than people: 7 ballots from villagers but 2 people signed in (the township panel's "
    "1 ballots are counted apart; 11 codes issued, 8 used, 0 voided)."
)


@pytest.fixture
def stuffed(county):
    """Seven villagers' ballots and one of the township panel, for two people signed in; three codes
    (two batch, one panel) are left unused."""
    world = build_world(county, codes=7, residents=2)
    for code in [*world.resident_codes, *world.codes[:5]]:
        cast(world, code)
    panel = print_panel_codes(world.meeting, 2, world.operator)
    cast(world, panel[0])
    return world


def cast(world, code: str):
    """Straight through the kiosk's service: no one signs in for a batch code (world.cast would)."""
    return services.ballot_cast(terminal=world.terminal, code=code, grades=world.full_grades(), households=[])


def message(error: ValidationError) -> str:
    return " ".join(error.messages)


def test_the_figures_are_read_in_one_query(stuffed, django_assert_num_queries):
    # attendance, codes by status, ballots by panel or not: six subqueries of one SELECT
    with django_assert_num_queries(1):
        figures = reconciliation_of(stuffed.meeting)
    assert figures == Reconciliation(
        present=2, codes_unused=3, codes_used=8, codes_voided=0, villager_ballots=7, panel_ballots=1
    )
    assert (figures.codes_issued, figures.ballots, figures.excess) == (11, 8, 5)


def test_closing_is_refused_with_the_figures_and_changes_nothing(stuffed):
    with override("en"), pytest.raises(ValidationError) as refused:
        meeting_services.voting_close(meeting=stuffed.meeting, by=stuffed.operator)
    assert message(refused.value) == TOO_MANY
    assert Meeting.objects.get(pk=stuffed.meeting.pk).status == Status.VOTING_OPEN
    assert BallotCode.objects.filter(meeting=stuffed.meeting, status=BallotCode.Status.ISSUED).count() == 3
    assert not AuditEntry.objects.filter(action="voting_close").exists()
    # The vote stays open: the last batch code can still be cast.
    cast(stuffed, stuffed.codes[5])


def test_signing_in_those_who_were_there_lets_the_vote_close_and_voids_the_unused_codes(stuffed, county):
    present = [*stuffed.residents]
    for number in range(5):
        resident = make_resident(county.village, f"Came {number}")
        meeting_services.attendance_record(meeting=stuffed.meeting, resident=resident, by=stuffed.operator)
        present.append(resident)
    assert Attendance.objects.filter(meeting=stuffed.meeting).count() == len(present) == 7

    meeting_services.voting_close(meeting=stuffed.meeting, by=stuffed.operator)

    assert Meeting.objects.get(pk=stuffed.meeting.pk).status == Status.VOTING_CLOSED
    counts = BallotCode.objects.of_meeting(stuffed.meeting).counts_by_status()
    assert counts == {"issued": 0, "used": 8, "voided": 3}
    entry = AuditEntry.objects.get(action="voting_close")
    assert entry.details["codes_voided"] == 3 and entry.details["ballots"] == 8


def test_the_panel_is_counted_apart(county):
    """The panel never signs in: its ballots do not count against the people present."""
    world = build_world(county, codes=0, residents=1)
    cast(world, world.resident_codes[0])
    for code in print_panel_codes(world.meeting, 3, world.operator):
        cast(world, code)
    assert reconciliation_of(world.meeting).refusal() is None
    meeting_services.voting_close(meeting=world.meeting, by=world.operator)
    assert Meeting.objects.get(pk=world.meeting.pk).status == Status.VOTING_CLOSED


def test_publishing_is_refused_with_the_figures(stuffed, county):
    # Past the close without the service's check, as a box stuffed some other way would be; a roll of
    # three, so that the two present make the quorum and only the excess blocks.
    set_status(stuffed.meeting, Status.VOTING_CLOSED)
    Meeting.objects.filter(pk=stuffed.meeting.pk).update(roll_size=3)
    draft = results_services.results_compute(meeting=stuffed.meeting, by=county.township_admin)
    with override("en"):
        assert TOO_MANY in results_services.publish_blockers(stuffed.meeting)
        certify(draft.meeting, by=county.township_admin)
        with pytest.raises(ValidationError) as refused:
            results_services.results_publish(snapshot=draft, by=county.township_admin)
    assert message(refused.value) == TOO_MANY
    assert Meeting.objects.get(pk=stuffed.meeting.pk).status == Status.VOTING_CLOSED
    assert not AuditEntry.objects.filter(action="results_publish").exists()


def test_a_box_in_order_has_no_such_blocker(county):
    world = build_world(county, codes=0, residents=2)
    for code in world.resident_codes:
        cast(world, code)
    meeting_services.voting_close(meeting=world.meeting, by=world.operator)
    with override("en"):
        blockers = results_services.publish_blockers(world.meeting)
    assert not any("More ballots than people" in blocker for blocker in blockers)


# --- over HTTP ----------------------------------------------------------------------------------


def test_the_close_button_refuses_with_the_figures(stuffed, client):
    client.force_login(stuffed.operator)
    response = client.post(
        reverse("meetings:staff-voting-close", args=[stuffed.meeting.pk]), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    with override("en"):
        assert TOO_MANY.replace("'", "&#x27;") in response.content.decode()
    assert Meeting.objects.get(pk=stuffed.meeting.pk).status == Status.VOTING_OPEN


def test_the_control_page_reconciles_and_warns(stuffed, client):
    client.force_login(stuffed.operator)
    url = reverse("meetings:staff-meeting", args=[stuffed.meeting.pk])
    html = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    figures = {
        "present": 2,
        "codes": 11,
        "issued": 3,
        "used": 8,
        "voided": 0,
        "villager-ballots": 7,
        "panel-ballots": 1,
    }
    for name, value in figures.items():
        assert f'data-count="{name}">{value}<' in html, name
    assert 'id="too-many-ballots"' in html
    assert TOO_MANY.replace("'", "&#x27;") in html
    assert "Sign in the people who were there" in html


def test_the_control_page_of_a_box_in_order_shows_no_warning(county, client):
    world = build_world(county, codes=2, residents=2)
    cast(world, world.codes[0])
    client.force_login(world.operator)
    html = client.get(reverse("meetings:staff-meeting", args=[world.meeting.pk])).content.decode()
    assert 'data-count="present">2<' in html and 'data-count="villager-ballots">1<' in html
    assert 'id="too-many-ballots"' not in html


def test_the_control_page_is_translated(stuffed, client):
    client.force_login(stuffed.operator)
    with override("zh-hans"):
        url = reverse("meetings:staff-meeting", args=[stuffed.meeting.pk])
    html = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "村民的选票" in html and "乡镇评议组的选票" in html
    assert "选票多于到会人数：村民选票 7 张，签到仅 2 人" in html
