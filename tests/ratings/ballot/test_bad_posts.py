"""Whatever is posted to the kiosk, to the phone's ballot or to the receipt check, the answer is never
a server error.

Hypothesis writes the bodies: the fields the pages know and fields they do not, with values that are
empty, huge, negative, not numbers, NUL characters, ids of other villages' rows, several values where
one is expected — or a raw body that is no form at all. Each is posted to every page of both doors in
each step of the ballot (no terminal, a terminal waiting, a code accepted with its pass in hand,
voting closed under it, the ballot cast). A view that raises fails the test (the test client
re-raises), and so does any 5xx.
"""

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from meetings.models import Meeting
from ratings.ballot import services
from ratings.models import Terminal
from tests.ratings.ballot.doors import arm, ballot_post, begin, phone_begin, url
from tests.worlds import build_world, make_resident, set_status

pytestmark = pytest.mark.django_db

STEPS = ["no terminal", "waiting", "code accepted", "voting closed", "cast"]
KIOSK_PAGES = [
    "kiosk",
    "kiosk-code",
    "kiosk-ballot",
    "kiosk-cast",
    "kiosk-receipt",
    "kiosk-reset",
    "kiosk-heartbeat",
]
PHONE_PAGES = ["phone", "phone-ballot", "phone-cast", "phone-receipt", "phone-reset"]
CONTENT_TYPES = [
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=xyz",
    "multipart/form-data",
    "application/json",
    "text/plain; charset=utf-16",
]
ODD_VALUES = [
    "",
    " ",
    "0",
    "-1",
    "1.5",
    "1e9",
    "NaN",
    "idle",
    "voting",
    "null",
    "\x00",
    "1\x00",
    "9" * 30,
    str(2**63),
    "overall",
    "zh-hans",
    "ug",
    "large",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "٣",
]
HYPOTHESIS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def world(county):
    return build_world(county, codes=0, residents=0, phones_allowed=True)


def known_values(world) -> list[str]:
    """Ids that exist, of this meeting and of others: a grade, a criterion, a cadre, households."""
    return [
        str(world.grades["satisfied"].pk),
        str(world.criteria[0].pk),
        str(world.cadres[0].pk),
        str(world.households[0].pk),
        str(world.foreign_household.pk),
        str(world.meeting.pk),
    ]


def field_names(world) -> st.SearchStrategy:
    known = [
        "language",
        "text_size",
        "code",
        "household",
        "household_number",
        "state",
        "clears",
        "reason",
        "meeting",
        "receipt",
        f"grade-{world.cadres[0].pk}-overall",
        f"grade-{world.foreign_household.pk}-{world.criteria[0].pk}",
    ]
    known += list(ballot_post(world))
    return st.one_of(st.sampled_from(known), st.text(max_size=12))


def values(world) -> st.SearchStrategy:
    one = st.one_of(
        st.text(max_size=60),
        st.sampled_from(ODD_VALUES + known_values(world)),
        st.integers(min_value=-(2**70), max_value=2**70).map(str),
    )
    return st.one_of(one, st.lists(one, min_size=2, max_size=4))


def form_bodies(world) -> st.SearchStrategy:
    """A few odd fields, alone or over a whole ballot, as a page would send it."""
    odd = st.dictionaries(field_names(world), values(world), max_size=8)
    whole = st.sampled_from([{}, ballot_post(world)])
    return st.tuples(whole, odd).map(lambda both: {**both[0], **both[1]})


def raw_bodies() -> st.SearchStrategy:
    return st.tuples(st.sampled_from(CONTENT_TYPES), st.binary(max_size=300))


def fresh_code(world) -> str:
    """A code handed to a villager who has just joined the roll (a batch may not outnumber the roll)."""
    villager = make_resident(world.meeting.village, "Newcomer")
    return services.code_issue(meeting=world.meeting, resident=villager, by=world.operator)


def at_step(world, step: str) -> Client:
    """A browser at this step of the ballot, on a terminal and from an address with no wrong codes counted
    against them; past the code it holds the passes of both doors."""
    Terminal.objects.filter(pk=world.terminal.pk).update(failed_attempts=0, locked_until=None)
    Meeting.objects.filter(pk=world.meeting.pk).update(status=Meeting.Status.VOTING_OPEN)
    cache.clear()
    client = Client()
    if step == "no terminal":
        return client
    arm(client, world)
    if step == "waiting":
        return client
    begin(client, fresh_code(world))
    phone_begin(client, world, fresh_code(world))
    if step == "voting closed":
        Meeting.objects.filter(pk=world.meeting.pk).update(status=Meeting.Status.VOTING_CLOSED)
    if step == "cast":
        assert client.post(url("kiosk-cast"), ballot_post(world)).status_code == 302
        assert (
            client.post(
                reverse("ratings:phone-cast", args=[world.meeting.pk]), ballot_post(world)
            ).status_code
            == 302
        )
    return client


def page_path(page: str, meeting: int) -> str:
    """The page's address; a phone page's for any meeting id, even one the route does not match."""
    if not page.startswith("phone"):
        return reverse(f"ratings:{page}")
    return reverse(f"ratings:{page}", args=[1]).replace("/1/", f"/{meeting}/", 1)


def meeting_ids(world) -> st.SearchStrategy:
    return st.one_of(st.just(world.meeting.pk), st.integers(1, 5), st.integers(0, 10**25))


def assert_no_server_error(response, where: str) -> None:
    assert response.status_code < 500, f"{where}: {response.status_code}"


@HYPOTHESIS
@given(data=st.data())
def test_no_form_posted_to_the_kiosk_is_a_server_error(world, data):
    step = data.draw(st.sampled_from(STEPS), label="step")
    page = data.draw(st.sampled_from(KIOSK_PAGES + PHONE_PAGES), label="page")
    meeting = data.draw(meeting_ids(world), label="meeting")
    body = data.draw(form_bodies(world), label="body")
    client = at_step(world, step)

    response = client.post(page_path(page, meeting), body)

    assert_no_server_error(response, f"{step} → {page}")


@HYPOTHESIS
@given(data=st.data())
def test_no_raw_body_posted_to_the_kiosk_is_a_server_error(world, data):
    step = data.draw(st.sampled_from(STEPS), label="step")
    page = data.draw(st.sampled_from(KIOSK_PAGES + PHONE_PAGES), label="page")
    content_type, body = data.draw(raw_bodies(), label="body")
    client = at_step(world, step)

    # generic(): the body goes out byte for byte, where post() would first re-encode it.
    response = client.generic("POST", page_path(page, world.meeting.pk), body, content_type=content_type)

    assert_no_server_error(response, f"{step} → {page}")


@HYPOTHESIS
@given(data=st.data())
def test_no_post_to_the_receipt_check_is_a_server_error(world, data):
    cache.clear()  # the allowance per address is not what is tested here
    published = data.draw(st.booleans(), label="published")
    set_status(world.meeting, Meeting.Status.FINAL if published else Meeting.Status.VOTING_CLOSED)
    client = Client()
    if data.draw(st.booleans(), label="raw"):
        content_type, body = data.draw(raw_bodies(), label="body")
        response = client.generic("POST", reverse("ratings:receipt-check"), body, content_type=content_type)
    else:
        body = data.draw(form_bodies(world), label="body")
        response = client.post(reverse("ratings:receipt-check"), body)

    assert_no_server_error(response, "receipt check")
