"""The ballot pass (ratings.ballot.passes): a signed cookie from the code check to the cast, checked
again at every use. A pass that is forged, expired, malformed, of the other door, of another meeting or
of another terminal opens nothing, and the page that finds it takes it back."""

from dataclasses import asdict, replace
from types import SimpleNamespace

import pytest
from django.core import signing
from django.test import Client, RequestFactory

from ratings.ballot.passes import COOKIES, SALT, BallotPass
from ratings.models import Ballot
from tests.ratings.ballot.doors import (
    PHONE_PASS,
    TERMINAL_PASS,
    allow_phones,
    arm,
    ballot_post,
    begin,
    dropped,
    phone_begin,
    phone_url,
    url,
)
from tests.worlds import build_world

A_PASS = BallotPass(
    door="terminal", meeting=7, code="ABCDEFGHJK", language="ug", text_size="large", terminal=3
)


def request_with(cookie: str, value: str):
    request = RequestFactory().get("/")
    request.COOKIES[cookie] = value
    return request


def signed(data: dict, *, age: int = 0) -> str:
    if not age:
        return signing.dumps(data, salt=SALT, compress=True)
    """Signed `age` seconds ago (Django's signer reads the clock through its own `time`)."""
    real = signing.time
    signing.time = SimpleNamespace(time=lambda: real.time() - age)
    try:
        return signing.dumps(data, salt=SALT, compress=True)
    finally:
        signing.time = real


def read(value: str, door: str = "terminal") -> BallotPass | None:
    return BallotPass.read(request_with(COOKIES[door], value), door)


def test_a_pass_reads_back_as_given():
    assert read(signed(asdict(A_PASS))) == A_PASS


@pytest.mark.parametrize(
    "value",
    [
        pytest.param(lambda: signed(asdict(A_PASS))[:-2] + "xx", id="forged signature"),
        pytest.param(lambda: signing.dumps(asdict(A_PASS), salt="another.salt"), id="another salt"),
        pytest.param(lambda: signed({**asdict(A_PASS), "extra": 1}), id="unknown field"),
        pytest.param(lambda: signed({"door": "terminal"}), id="fields missing"),
        pytest.param(lambda: signed([1, 2]), id="not a mapping"),
        pytest.param(lambda: signed({**asdict(A_PASS), "language": "fr"}), id="unknown language"),
        pytest.param(lambda: signed({**asdict(A_PASS), "text_size": "huge"}), id="unknown text size"),
        pytest.param(lambda: signed({**asdict(A_PASS), "door": "phone"}), id="the other door"),
        pytest.param(lambda: "", id="empty"),
        pytest.param(lambda: "not-a-pass", id="junk"),
    ],
)
def test_a_bad_pass_reads_as_none(value):
    assert read(value()) is None


def test_a_pass_expires_with_the_servers_abandon_limit_on_a_terminal_and_its_own_on_a_phone(settings):
    settings.KIOSK_ABANDONED_SECONDS, settings.PHONE_PASS_SECONDS = 300, 1800
    assert read(signed(asdict(A_PASS), age=290)) == A_PASS
    assert read(signed(asdict(A_PASS), age=310)) is None
    on_phone = replace(A_PASS, door="phone", terminal=0)
    assert read(signed(asdict(on_phone), age=1700), "phone") == on_phone
    assert read(signed(asdict(on_phone), age=1900), "phone") is None


# --- the views ignore a pass that is not theirs -----------------------------------------------------


@pytest.fixture
def world(county):
    return build_world(county, codes=3, residents=0, phones_allowed=True)


def test_a_terminals_pass_opens_nothing_on_another_terminal(client, world):
    arm(client, world)
    begin(client, world.codes[0])
    arm(client, world, world.other_token)  # the pass carried to the next terminal

    page = client.get(url("kiosk-ballot"))
    assert page.status_code == 302 and page.url == url("kiosk")
    assert dropped(page, TERMINAL_PASS)


def test_a_pass_of_another_meeting_opens_nothing(client, world, county):
    other = build_world(county, village=county.neighbour, codes=1, operator=county.township_admin)
    arm(client, other)
    begin(client, other.codes[0])
    arm(client, world)

    assert client.get(url("kiosk-ballot")).url == url("kiosk")
    begin(client, world.codes[0])  # this terminal's own ballot begins as usual


def test_a_stale_pass_cannot_cast(client, world, settings):
    arm(client, world)
    begin(client, world.codes[0])
    given = signing.loads(client.cookies[TERMINAL_PASS].value, salt=SALT)
    # The same pass, given longer ago than the limit, on a terminal heard from just now.
    client.cookies[TERMINAL_PASS] = signed(given, age=settings.KIOSK_ABANDONED_SECONDS + 5)

    response = client.post(url("kiosk-cast"), ballot_post(world))

    assert response.status_code == 302 and response.url == url("kiosk")
    assert not Ballot.objects.exists()


def test_a_forged_pass_naming_a_good_code_casts_nothing(client, world):
    arm(client, world)
    forged = BallotPass(
        door="terminal",
        meeting=world.meeting.pk,
        code=world.codes[0],
        language="en",
        text_size="normal",
        terminal=world.terminal.pk,
    )
    client.cookies[TERMINAL_PASS] = signing.dumps(asdict(forged), salt="guessed", compress=True)
    assert client.post(url("kiosk-cast"), ballot_post(world)).url == url("kiosk")
    assert not Ballot.objects.exists()


def test_a_pass_of_one_door_opens_nothing_at_the_other(world):
    terminal = arm(Client(), world)
    begin(terminal, world.codes[0])
    phone = Client()
    phone.cookies[PHONE_PASS] = terminal.cookies[TERMINAL_PASS].value
    assert phone.get(phone_url("phone-ballot", world)).url == phone_url("phone", world)
    assert phone.post(phone_url("phone-cast", world), ballot_post(world)).status_code == 409

    phone_begin(phone, world, world.codes[1])
    terminal.cookies[TERMINAL_PASS] = phone.cookies[PHONE_PASS].value
    assert terminal.get(url("kiosk-ballot")).url == url("kiosk")
    assert terminal.post(url("kiosk-cast"), ballot_post(world)).url == url("kiosk")
    assert not Ballot.objects.exists()


def test_a_phone_pass_of_another_meeting_opens_nothing(county, world):
    other = build_world(county, village=county.neighbour, codes=1, operator=county.township_admin)
    allow_phones(other)
    phone = Client()
    phone_begin(phone, other, other.codes[0])
    # The test client sends a cookie to every path, as a hand-made request could.
    back = phone.get(phone_url("phone-ballot", world))
    assert back.status_code == 302 and back.url == phone_url("phone", world)
    assert phone.post(phone_url("phone-cast", world), ballot_post(world)).status_code == 409
    assert not Ballot.objects.exists()
