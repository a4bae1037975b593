"""No ballot outlives its voter at the terminal: the terminal's state, clearing it, and the operator's view.

A terminal reports what its screen shows (waiting, voting, idle) and never a choice. A clear, by the
operator, by the unanswered "still voting?" question, or by the server finding the terminal silent,
counts one more on the terminal; a ballot begun before is dropped on its next request and can be
neither continued nor cast, while its code stays unused. Every clear is in the audit log.
"""

import datetime
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from meetings.models import Meeting
from portal.models import AuditEntry
from ratings.ballot import services
from ratings.ballot.terminals import TERMINAL_COOKIE
from ratings.ballot.views.kiosk import CLEARED
from ratings.models import Ballot, BallotCode, Terminal
from tests.ratings.ballot.doors import TERMINAL_PASS, ballot_post, begin, cast, dropped, no_store, url
from tests.worlds import build_kiosk_world, build_world, set_status, stored_code

pytestmark = pytest.mark.usefixtures("english_pages")


@pytest.fixture
def world(county):
    return build_kiosk_world(county, cadres=2, codes=4)


@pytest.fixture
def terminal(client, world):
    client.cookies[TERMINAL_COOKIE] = world.token
    return client


def fresh(world) -> Terminal:
    return Terminal.objects.get(pk=world.terminal.pk)


def clears_in_audit():
    return list(AuditEntry.objects.filter(action="terminal_clear").order_by("seq"))


def code_status(code: str, world) -> str:
    return stored_code(world.meeting, code).status


def staff(county, role="operator") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(getattr(county, role))
    return client


def screens_url(world) -> str:
    return reverse("ratings:terminal-screens", args=[world.meeting.pk])


def clear_url(world, terminal=None) -> str:
    return reverse("ratings:terminal-clear", args=[world.meeting.pk, (terminal or world.terminal).pk])


# --- the state the screen reports -------------------------------------------------------------------


def test_the_pages_tell_the_terminal_waiting_then_voting(terminal, world):
    terminal.get(url("kiosk"))
    assert fresh(world).state == Terminal.State.WAITING
    begin(terminal, world.codes[0])
    screen = fresh(world)
    assert screen.state == Terminal.State.VOTING and screen.state_since and screen.seen_at
    since = screen.state_since
    terminal.get(url("kiosk-ballot"))
    assert fresh(world).state_since == since  # still voting: the time in that state goes on
    terminal.post(url("kiosk-reset"))
    terminal.get(url("kiosk"))
    assert fresh(world).state == Terminal.State.WAITING


def test_the_cast_itself_puts_the_terminal_back_to_waiting(terminal, world):
    begin(terminal, world.codes[0])
    cast(terminal, world, ballot_post(world))
    assert fresh(world).state == Terminal.State.WAITING  # before the receipt is even asked for


def test_a_ballot_sent_back_leaves_the_terminal_voting(terminal, world):
    begin(terminal, world.codes[0])
    assert cast(terminal, world, {}).status_code == 400
    world.cast(world.codes[1], terminal=world.other_terminal)  # so that this one's cast is refused
    with pytest.raises(services.BallotRejected):
        services.ballot_cast(
            terminal=world.terminal, code=world.codes[1], grades=world.full_grades(), households=[]
        )
    assert fresh(world).state == Terminal.State.VOTING  # the refused cast's write was rolled back


def test_the_heartbeat_reports_idle_and_back(terminal, world):
    begin(terminal, world.codes[0])
    clears = fresh(world).clears
    answer = terminal.post(url("kiosk-heartbeat"), {"state": "idle", "clears": clears})
    assert answer.status_code == 200 and answer.json() == {"current": True}
    assert no_store(answer)
    assert fresh(world).state == Terminal.State.IDLE
    terminal.post(url("kiosk-heartbeat"), {"state": "voting", "clears": clears})
    assert fresh(world).state == Terminal.State.VOTING


@pytest.mark.parametrize(
    "data",
    [
        {"state": "cast"},
        {"state": ""},
        {},
        {"state": "idle", "clears": "-1"},
        {"state": "idle", "clears": "9" * 30},
    ],
)
def test_a_bad_heartbeat_is_a_400_and_changes_nothing(terminal, world, data):
    before = fresh(world)
    answer = terminal.post(url("kiosk-heartbeat"), data)
    assert answer.status_code == 400
    assert fresh(world).state == before.state and fresh(world).clears == before.clears


def test_the_heartbeat_needs_an_armed_terminal_a_post_and_the_csrf_token(client, world):
    assert client.post(url("kiosk-heartbeat"), {"state": "waiting"}).status_code == 403
    client.cookies[TERMINAL_COOKIE] = world.token
    assert client.get(url("kiosk-heartbeat")).status_code == 405
    strict = Client(enforce_csrf_checks=True)
    strict.cookies[TERMINAL_COOKIE] = world.token
    assert strict.post(url("kiosk-heartbeat"), {"state": "idle"}).status_code == 403
    assert fresh(world).state == Terminal.State.WAITING


def test_the_page_gives_its_script_the_heartbeat_and_the_ballots_clear_count(terminal, world, settings):
    settings.KIOSK_HEARTBEAT_SECONDS = 4
    page = terminal.get(url("kiosk")).content.decode()
    assert 'data-heartbeat-ms="4000"' in page and 'data-state="waiting"' in page
    assert "data-clears" not in page
    begin(terminal, world.codes[0])
    page = terminal.get(url("kiosk-ballot")).content.decode()
    assert 'data-state="voting"' in page and f'data-clears="{fresh(world).clears}"' in page


# --- clearing ---------------------------------------------------------------------------------------


def test_a_remote_clear_drops_the_ballot_and_a_stale_page_cannot_continue_or_cast_it(terminal, world, county):
    begin(terminal, world.codes[0])
    clears = fresh(world).clears
    services.terminal_clear(terminal=world.terminal, by=county.operator, reason="operator")

    # The page's heartbeat learns it: the pass is dropped, the screen goes to the welcome page.
    answer = terminal.post(url("kiosk-heartbeat"), {"state": "voting", "clears": clears})
    assert answer.json() == {"current": False}
    assert dropped(answer, TERMINAL_PASS)
    assert terminal.get(url("kiosk-ballot")).url == url("kiosk")
    assert not Ballot.objects.exists()
    assert code_status(world.codes[0], world) == BallotCode.Status.ISSUED


def test_a_stale_cast_after_a_remote_clear_is_a_409_and_the_code_still_votes(terminal, world, county):
    begin(terminal, world.codes[0])
    terminal.get(url("kiosk-ballot"))  # the page stays on the screen, filled in
    services.terminal_clear(terminal=world.terminal, by=county.operator, reason="operator")

    response = cast(terminal, world, ballot_post(world, "dissatisfied"))
    assert response.status_code == 409
    assert no_store(response)
    with translation.override("zh-hans"):  # the villager's language went with the ballot
        assert str(CLEARED) in response.content.decode()
    assert "Cadre 0" not in response.content.decode()
    assert dropped(response, TERMINAL_PASS)
    assert not Ballot.objects.exists()
    # The browser no longer holds a pass: posting again finds nothing to go on with.
    assert cast(terminal, world, ballot_post(world)).url == url("kiosk")
    assert terminal.get(url("kiosk-ballot")).url == url("kiosk")

    # The villager starts again with the same code, which was never burned.
    begin(terminal, world.codes[0])
    assert cast(terminal, world, ballot_post(world)).url == url("kiosk-receipt")
    assert Ballot.objects.count() == 1
    assert code_status(world.codes[0], world) == BallotCode.Status.USED


def test_a_pass_kept_from_before_a_clear_is_void(terminal, world, county):
    """A pass copied before the clear and sent again afterwards (Back, a second tab) opens nothing."""
    begin(terminal, world.codes[0])
    kept = terminal.cookies[TERMINAL_PASS].value
    services.terminal_clear(terminal=world.terminal, by=county.operator, reason="operator")
    assert terminal.get(url("kiosk-ballot")).url == url("kiosk")
    terminal.cookies[TERMINAL_PASS] = kept
    assert cast(terminal, world, ballot_post(world)).status_code == 409
    terminal.cookies[TERMINAL_PASS] = kept
    assert terminal.get(url("kiosk-ballot")).url == url("kiosk")
    assert not Ballot.objects.exists()


def test_the_idle_clear_is_audited_without_an_actor_and_keeps_the_code(terminal, world):
    begin(terminal, world.codes[0])
    terminal.get(url("kiosk-ballot"))
    before = fresh(world).clears

    response = terminal.post(url("kiosk-reset"), {"reason": "idle"})
    assert response.url == url("kiosk")
    assert dropped(response, TERMINAL_PASS)
    assert fresh(world).clears == before + 1
    (entry,) = clears_in_audit()
    assert entry.actor_id is None and entry.details["reason"] == "idle"
    assert set(entry.details) == {"terminal", "label", "reason", "state"}
    assert world.codes[0] not in json.dumps(entry.details)
    assert code_status(world.codes[0], world) == BallotCode.Status.ISSUED

    # Nothing of it on the welcome page; the same code starts again.
    welcome = terminal.get(url("kiosk")).content.decode()
    assert "grade-" not in welcome and world.codes[0] not in welcome
    begin(terminal, world.codes[0])
    assert " checked" not in terminal.get(url("kiosk-ballot")).content.decode()


def test_a_villagers_own_clear_is_audited_too_and_a_reset_without_a_ballot_is_not(terminal, world):
    terminal.post(url("kiosk-reset"))
    assert clears_in_audit() == []
    begin(terminal, world.codes[0])
    terminal.post(url("kiosk-reset"))
    assert [entry.details["reason"] for entry in clears_in_audit()] == ["voter"]


def test_a_terminal_silent_past_the_limit_is_cleared_on_its_next_request(terminal, world, settings):
    begin(terminal, world.codes[0])
    # The script never ran (or the tablet slept): nothing heard for longer than the limit.
    long_ago = timezone.now() - datetime.timedelta(seconds=settings.KIOSK_ABANDONED_SECONDS + 1)
    Terminal.objects.filter(pk=world.terminal.pk).update(seen_at=long_ago)

    response = cast(terminal, world, ballot_post(world))
    assert response.status_code == 409
    assert dropped(response, TERMINAL_PASS)
    assert not Ballot.objects.exists()
    (entry,) = clears_in_audit()
    assert entry.actor_id is None and entry.details["reason"] == "abandoned"
    assert fresh(world).state == Terminal.State.WAITING
    assert code_status(world.codes[0], world) == BallotCode.Status.ISSUED


def test_a_terminal_heard_from_is_not_abandoned(terminal, world, settings):
    settings.KIOSK_ABANDONED_SECONDS = 60
    begin(terminal, world.codes[0])
    assert cast(terminal, world, ballot_post(world)).url == url("kiosk-receipt")
    assert clears_in_audit() == []


# --- the services ------------------------------------------------------------------------------------


def test_clearing_is_for_the_meetings_operators_and_only_while_armed(world, county):
    with pytest.raises(PermissionDenied):
        services.terminal_clear(terminal=world.terminal, by=county.moderator, reason="operator")
    services.terminal_disarm(terminal=world.other_terminal, by=county.operator)
    with pytest.raises(ValidationError):
        services.terminal_clear(terminal=world.other_terminal, by=county.operator, reason="operator")
    assert clears_in_audit() == []


def test_a_clear_of_an_older_count_does_nothing(world):
    services.terminal_clear(terminal=world.terminal, by=None, reason="idle", clears=0)
    services.terminal_clear(terminal=world.terminal, by=None, reason="abandoned", clears=0)
    assert fresh(world).clears == 1
    assert len(clears_in_audit()) == 1


# --- the operator's terminal list --------------------------------------------------------------------


def test_the_terminal_list_shows_each_screen_and_never_a_choice(terminal, world, county):
    begin(terminal, world.codes[0])
    terminal.get(url("kiosk-ballot"))
    terminal.post(url("kiosk-heartbeat"), {"state": "idle", "clears": fresh(world).clears})

    operator = staff(county)
    page = operator.get(reverse("ratings:terminals", args=[world.meeting.pk])).content.decode()
    assert "asking “still voting?”" in page and "waiting for a villager" in page  # the other terminal
    assert clear_url(world) in page
    screens = operator.get(screens_url(world))
    assert "no-store" in screens["Cache-Control"]
    data = screens.json()["terminals"]
    assert {screen["id"]: screen["state"] for screen in data} == {
        world.terminal.pk: "idle",
        world.other_terminal.pk: "waiting",
    }
    assert all(set(screen) == {"id", "state", "label", "seconds"} for screen in data)
    for shown in (page, screens.content.decode()):
        assert world.households[2].number not in shown
        assert world.grades["dissatisfied"].label not in shown
        assert world.codes[0] not in shown


def test_the_operator_clears_a_terminal_from_the_list(terminal, world, county):
    begin(terminal, world.codes[0])
    operator = staff(county)
    response = operator.post(clear_url(world), follow=True)
    assert response.redirect_chain == [(reverse("ratings:terminals", args=[world.meeting.pk]), 302)]
    assert "has been cleared" in response.content.decode()
    (entry,) = clears_in_audit()
    assert entry.actor_id == county.operator.pk and entry.details["reason"] == "operator"
    assert entry.details["state"] == "voting"
    # The terminal's next request finds its ballot gone.
    assert terminal.get(url("kiosk-ballot")).url == url("kiosk")


def test_clearing_a_disarmed_terminal_says_so(world, county):
    services.terminal_disarm(terminal=world.terminal, by=county.operator)
    response = staff(county).post(clear_url(world), follow=True)
    assert "disarmed" in response.content.decode()
    assert clears_in_audit() == []


@pytest.mark.parametrize(("role", "expected"), [("operator", 302), ("moderator", 404), (None, 302)])
def test_who_may_clear(world, county, role, expected):
    client = staff(county, role) if role else Client()
    response = client.post(clear_url(world))
    assert response.status_code == expected
    assert len(clears_in_audit()) == (1 if role == "operator" else 0)


@pytest.mark.parametrize(("role", "expected"), [("operator", 200), ("moderator", 404), (None, 302)])
def test_who_may_see_the_screens(world, county, role, expected):
    client = staff(county, role) if role else Client()
    assert client.get(screens_url(world)).status_code == expected


def test_clearing_is_a_post_with_the_csrf_token_and_another_meetings_terminal_is_404(world, county):
    operator = staff(county)
    assert operator.get(clear_url(world)).status_code == 405
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(county.operator)
    assert strict.post(clear_url(world)).status_code == 403
    neighbour = build_world(county, village=county.neighbour, codes=0, operator=county.township_admin)
    wrong = reverse("ratings:terminal-clear", args=[world.meeting.pk, neighbour.terminal.pk])
    assert staff(county, "township_admin").post(wrong).status_code == 404
    assert clears_in_audit() == []


@pytest.mark.parametrize("terminals", [1, 8])
def test_the_screens_do_not_grow_with_terminals(world, county, django_assert_num_queries, terminals):
    for index in range(terminals):
        services.terminal_arm(meeting=world.meeting, label=f"T{index}", by=county.operator)
    operator = staff(county)
    # session, user, the meeting (scoped to the user's villages in a subquery), the armed terminals
    with django_assert_num_queries(4):
        assert len(operator.get(screens_url(world)).json()["terminals"]) == terminals + 2


def test_the_heartbeat_of_a_ballot_sends_the_screen_home_once_voting_closes(terminal, world):
    begin(terminal, world.codes[0])
    clears = fresh(world).clears
    set_status(world.meeting, Meeting.Status.VOTING_CLOSED)
    answer = terminal.post(url("kiosk-heartbeat"), {"state": "voting", "clears": clears})
    assert answer.json() == {"current": False}
    assert dropped(answer, TERMINAL_PASS)  # the ballot went with it
    assert terminal.post(url("kiosk-heartbeat"), {"state": "waiting"}).json() == {"current": True}


def test_the_heartbeat_is_one_read_and_at_most_one_write(terminal, world, django_assert_num_queries):
    begin(terminal, world.codes[0])
    clears = fresh(world).clears
    # The terminal with its meeting; then the state written only when it changed (or not heard of
    # for a while), in a transaction of its own (portal.durability: a savepoint, the update, its
    # release, in the test's transaction): no session, no user, nothing else.
    with django_assert_num_queries(4):
        terminal.post(url("kiosk-heartbeat"), {"state": "idle", "clears": clears})
    with django_assert_num_queries(1):
        terminal.post(url("kiosk-heartbeat"), {"state": "idle", "clears": clears})
