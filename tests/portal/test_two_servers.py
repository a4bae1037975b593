"""A county on two app servers: two gunicorn processes, one PostgreSQL database, one Redis, real HTTP.

The servers run the county's settings from the environment, as docs/production.md sets them: DEBUG off,
HTTPS ended by a reverse proxy in front (DJANGO_SECURE, DJANGO_BEHIND_PROXY; the requests carry what
the proxy adds: the site's host name, X-Forwarded-Proto and X-Forwarded-For), their own secret keys,
PostgreSQL through DATABASE_URL (pytest-django's test database, so the tests write committed rows:
transactional) and Redis through REDIS_URL. tests.settings only adds what every test server has (plain
static files, so no collectstatic; a fast password hasher). Each browser's consecutive requests reach
the two servers in turn, as a proxy balancing request by request may send them, so that whatever a
request leaves behind (a cookie, a row, a count in the cache) must be seen by the other server:

- a terminal votes with its requests alternating, and the ballot counts once;
- one code cast on both servers at the same instant gives one ballot, and the other terminal a refusal;
- every limit (wrong codes on a terminal and from phones, receipt checks, questions, objections, staff
  logins) holds as one count across the two servers.

PostgreSQL and Redis are needed: on SQLite (whose test database lives in memory) the module is skipped;
a missing Redis skips it too, except in CI (CI=true), where it fails (.ci/run starts Redis).
"""

import itertools
import os
import threading
import uuid

import pytest
import redis
from django.conf import settings
from django.db import connection
from django.urls import reverse

from meetings.models import Question
from ratings.ballot import services
from ratings.models import Ballot, BallotCode, Objection
from tests.app_servers import HTTP_TIMEOUT, Browser, served_many
from tests.postgres import postgres_url
from tests.ratings.ballot.doors import ballot_post
from tests.worlds import build_world, published_world

# Two app servers share one PostgreSQL database: this runs in the suite's PostgreSQL pass.
pytestmark = [pytest.mark.postgresql_only, pytest.mark.django_db(transaction=True)]

SITE = "portal.county.example"  # the host name the proxy in front passes on
# Every limit the test trips, set low so that it is reached in a few requests. A count kept per server
# would let twice as many through: the requests alternate.
LIMIT = 4
LIMITS = {
    "PORTAL_RECEIPT_CHECKS_PER_WINDOW": LIMIT,
    "PORTAL_QUESTIONS_PER_ADDRESS_PER_HOUR": LIMIT,
    "PORTAL_QUESTIONS_PER_BROWSER_PER_HOUR": LIMIT,
    "PORTAL_OBJECTIONS_PER_ADDRESS_PER_HOUR": LIMIT,
    "PORTAL_OBJECTIONS_PER_BROWSER_PER_HOUR": LIMIT,
    "PORTAL_PHONE_WRONG_CODES_PER_WINDOW": LIMIT,
    "PORTAL_LOGIN_FAILURE_LIMIT": LIMIT,
}
PASSWORD = "correct horse battery staple"  # tests.factories.UserFactory's
WRONG_CODE = "0000000000"


@pytest.fixture(scope="module")
def cache_prefix():
    """The servers' keys in Redis, apart from any other run's."""
    return f"two-servers-{uuid.uuid4().hex[:12]}"


@pytest.fixture(scope="module")
def servers(django_db_setup, redis_url, cache_prefix, tmp_path_factory):
    """Two app servers on the test database and one Redis: their ports."""
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DJANGO_DEBUG": "0",
        # The keys the test process hashes codes, terminal tokens and ID numbers with.
        "DJANGO_SECRET_KEY": settings.SECRET_KEY,
        "PORTAL_ROLL_HASH_KEY": settings.ROLL_HASH_KEY,
        "PORTAL_BALLOT_CODE_KEY": settings.BALLOT_CODE_KEY,
        "DJANGO_ALLOWED_HOSTS": SITE,
        "DJANGO_SECURE": "1",
        "DJANGO_BEHIND_PROXY": "1",
        "DATABASE_URL": postgres_url(connection.settings_dict["NAME"]),
        "DATABASE_CONN_MAX_AGE": "60",
        "REDIS_URL": redis_url,
        "PORTAL_CACHE_PREFIX": cache_prefix,
        "DJANGO_LOG_LEVEL": "WARNING",
        **{name: str(value) for name, value in LIMITS.items()},
    }
    folder = tmp_path_factory.mktemp("two-servers")
    logs = [folder / "first.log", folder / "second.log"]
    with served_many(environment, logs, workers=2, threads=4, headers=proxied("192.0.2.1")) as ports:
        yield ports
    for log in logs:
        text = log.read_text()
        assert "Traceback" not in text and "Internal Server Error" not in text, text[-4000:]


@pytest.fixture(autouse=True)
def empty_redis(redis_url, cache_prefix):
    """Each test counts from nothing in Redis, as tests/conftest.py's empty_cache does in the process."""
    shared = redis.Redis.from_url(redis_url)
    for key in shared.scan_iter(f"{cache_prefix}:*"):
        shared.delete(key)


def proxied(address: str) -> dict:
    """What the reverse proxy sends with a request from `address` (read in English)."""
    return {
        "Host": SITE,
        "X-Forwarded-Proto": "https",
        "X-Forwarded-For": address,
        "Origin": f"https://{SITE}",
        "Accept-Language": "en",
    }


def browser(servers, address: str, *, token: str = "", first: int = 0) -> Browser:
    """A browser at `address` whose requests go to the two servers in turn, the first to servers[first]."""
    return Browser(servers[first:] + servers[:first], token, headers=proxied(address))


def alternated(browser: Browser) -> bool:
    return all(one != other for one, other in itertools.pairwise(browser.ports_used))


def send_past_the_limit(browser: Browser, path: str, form: dict, limit: int = LIMIT) -> list[int]:
    """`limit` posts and then two more, one to each server: their statuses."""
    return [browser.post(path, form)[0] for _ in range(limit + 2)]


def retry_after(browser: Browser) -> int:
    return int(browser.last_headers["Retry-After"])


# --- the ballot ------------------------------------------------------------------------------------


@pytest.fixture
def world(county):
    return build_world(county, codes=6, phones_allowed=True)


def test_a_terminal_whose_requests_alternate_between_the_servers_casts_one_ballot(servers, world):
    terminal = browser(servers, "10.1.0.5", token=world.token)
    code = world.codes[0]
    posted = ballot_post(world, "satisfied", households=world.households[:1])

    assert terminal.get(reverse("ratings:kiosk"))[0] == 200
    status, location, page = terminal.post(
        reverse("ratings:kiosk-code"), {"code": code, "language": "en", "text_size": "normal"}
    )
    assert (status, location) == (302, reverse("ratings:kiosk-ballot")), page[:2000]
    status, _location, page = terminal.get(reverse("ratings:kiosk-ballot"))
    assert status == 200, page[:2000]
    status, location, page = terminal.post(reverse("ratings:kiosk-cast"), posted)
    assert (status, location) == (302, reverse("ratings:kiosk-receipt")), page[:2000]
    status, _location, receipt_page = terminal.get(reverse("ratings:kiosk-receipt"))

    assert status == 200
    assert alternated(terminal) and set(terminal.ports_used) == set(servers)
    (ballot,) = Ballot.objects.filter(meeting=world.meeting)
    assert ballot.receipt in receipt_page
    assert sorted(ballot.nominations.values_list("household_id", flat=True)) == [world.households[0].pk]
    assert ballot.grades.count() == len(world.lines())
    assert BallotCode.objects.filter(meeting=world.meeting, status=BallotCode.Status.USED).count() == 1
    # The code is spent for both servers: typed again, on either, it is refused.
    for _server in servers:
        again = terminal.post(
            reverse("ratings:kiosk-code"), {"code": code, "language": "en", "text_size": "normal"}
        )
        assert again[0] == 400 and "not valid, or it has been used" in again[2]
    assert Ballot.objects.filter(meeting=world.meeting).count() == 1


def test_the_same_code_cast_on_both_servers_at_the_same_instant_gives_one_ballot(servers, world):
    trials = world.codes[:3]
    for number, code in enumerate(trials, start=1):
        # Two terminals with the same code, each starting on another server: the casts cross over too.
        terminals = [
            browser(servers, "10.1.0.5", token=world.token, first=0),
            browser(servers, "10.1.0.5", token=world.other_token, first=1),
        ]
        barrier = threading.Barrier(len(terminals))
        outcomes: list = [None] * len(terminals)

        def cast(index: int, code=code, terminals=terminals, barrier=barrier, outcomes=outcomes) -> None:
            terminal = terminals[index]
            try:
                terminal.get(reverse("ratings:kiosk"))
                checked = terminal.post(
                    reverse("ratings:kiosk-code"), {"code": code, "language": "en", "text_size": "normal"}
                )
                assert checked[0] == 302, checked[2][:2000]
                assert terminal.get(reverse("ratings:kiosk-ballot"))[0] == 200
            except BaseException as error:
                barrier.abort()
                outcomes[index] = ("error", repr(error))
                return
            try:
                barrier.wait(timeout=HTTP_TIMEOUT)
                status, _location, page = terminal.post(reverse("ratings:kiosk-cast"), ballot_post(world))
                outcomes[index] = (status, page)
            except BaseException as error:
                outcomes[index] = ("error", repr(error))

        threads = [threading.Thread(target=cast, args=(index,)) for index in range(len(terminals))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=2 * HTTP_TIMEOUT)

        assert sorted(str(outcome[0]) for outcome in outcomes) == ["302", "409"], outcomes
        assert {terminal.ports_used[-1] for terminal in terminals} == set(servers)
        refused = next(page for status, page in outcomes if status == 409)
        assert "The ballot was not cast" in refused
        assert Ballot.objects.filter(meeting=world.meeting).count() == number
        used = BallotCode.objects.filter(meeting=world.meeting, status=BallotCode.Status.USED)
        assert used.count() == number


def test_wrong_codes_lock_the_terminal_on_both_servers_and_no_other_terminal(servers, world):
    terminal = browser(servers, "10.1.0.5", token=world.token)
    other = browser(servers, "10.1.0.5", token=world.other_token, first=1)
    terminal.get(reverse("ratings:kiosk-code"))
    typed = {"code": WRONG_CODE, "language": "en", "text_size": "normal"}
    statuses = [terminal.post(reverse("ratings:kiosk-code"), typed)[0] for _ in range(services.FREE_ATTEMPTS)]
    # The terminal now waits, whichever server it asks, even with a good code.
    locked = [
        terminal.post(reverse("ratings:kiosk-code"), {**typed, "code": world.codes[0]}) for _server in servers
    ]

    assert statuses == [400] * services.FREE_ATTEMPTS
    assert [status for status, _location, _page in locked] == [429, 429]
    assert all("Too many wrong codes" in page for _status, _location, page in locked)
    assert 0 < retry_after(terminal) <= services.FIRST_DELAY.total_seconds()
    assert alternated(terminal)
    # The other terminal of the village, behind the same address, is not held back.
    other.get(reverse("ratings:kiosk-code"))
    assert other.post(reverse("ratings:kiosk-code"), {**typed, "code": world.codes[0]})[0] == 302


def test_wrong_codes_from_phones_are_counted_once_across_the_servers(servers, world):
    phone = browser(servers, "203.0.113.20")
    start = reverse("ratings:phone", args=[world.meeting.pk])
    phone.get(start)
    typed = {"code": WRONG_CODE, "language": "en", "text_size": "normal"}

    statuses = send_past_the_limit(phone, start, typed)
    good_code = phone.post(start, {**typed, "code": world.codes[0]})

    assert statuses == [400] * LIMIT + [429, 429]
    assert good_code[0] == 429 and "Too many wrong codes" in good_code[2]
    assert alternated(phone)
    # Another address (another phone network) is not held back.
    elsewhere = browser(servers, "203.0.113.21")
    elsewhere.get(start)
    assert elsewhere.post(start, {**typed, "code": world.codes[0]})[0] == 302


# --- what anyone may send without an account ---------------------------------------------------------


@pytest.fixture
def published(county):
    """A meeting whose results are under public notice: it takes receipt checks, objections, questions."""
    world, _snapshot = published_world(county, ["satisfied"] * 5)
    return world


def test_receipt_checks_are_counted_once_across_the_servers(servers, published):
    visitor = browser(servers, "198.51.100.30")
    path = reverse("ratings:receipt-check")
    visitor.get(path)
    receipt = Ballot.objects.filter(meeting=published.meeting).values_list("receipt", flat=True)[0]

    statuses = send_past_the_limit(visitor, path, {"meeting": published.meeting.pk, "receipt": receipt})

    assert statuses == [200] * LIMIT + [429, 429]
    assert "Too many checks from this connection" in visitor.post(path, {})[2]
    assert retry_after(visitor) == settings.RECEIPT_CHECK_WINDOW_SECONDS
    assert alternated(visitor)


def test_questions_are_counted_once_across_the_servers(servers, published):
    visitor = browser(servers, "198.51.100.31")
    visitor.get(published.meeting.get_absolute_url())
    path = reverse("meetings:question-ask", args=[published.meeting.pk])

    statuses = send_past_the_limit(visitor, path, {"text": "When will the clinic open?", "cadre": ""})

    assert statuses == [302] * LIMIT + [429, 429]
    assert "Too many questions from this connection" in visitor.post(path, {"text": "And the road?"})[2]
    assert alternated(visitor)
    assert Question.objects.filter(meeting=published.meeting).count() == LIMIT


def test_objections_are_counted_once_across_the_servers(servers, published):
    visitor = browser(servers, "198.51.100.32")
    visitor.get(reverse("ratings:results", args=[published.meeting.pk]))
    path = reverse("ratings:objection-lodge", args=[published.meeting.pk])

    statuses = send_past_the_limit(visitor, path, {"subject": "results", "text": "Recount, please."})

    assert statuses == [302] * LIMIT + [429, 429]
    assert alternated(visitor)
    assert Objection.objects.filter(snapshot__meeting=published.meeting).count() == LIMIT


# --- the staff ----------------------------------------------------------------------------------------


def test_a_staff_login_lockout_holds_on_both_servers_and_a_session_too(servers, county):
    clerk = browser(servers, "10.1.0.5")
    login = reverse("login")
    clerk.get(login)

    statuses = send_past_the_limit(clerk, login, {"username": "operator1", "password": "wrong"})
    right_password = [clerk.post(login, {"username": "operator1", "password": PASSWORD}) for _ in servers]

    assert statuses == [200] * (LIMIT - 1) + [429] * 3
    assert [status for status, _location, _page in right_password] == [429, 429]
    assert "Too many wrong passwords for this account from this address" in right_password[-1][2]
    assert alternated(clerk)
    # Another account at the same address logs in through one server; its session holds on the other.
    moderator = browser(servers, "10.1.0.5")
    moderator.get(login)
    status, location, _page = moderator.post(login, {"username": "moderator1", "password": PASSWORD})
    assert (status, location) == (302, reverse("staff:dashboard"))
    status, _location, page = moderator.get(reverse("staff:dashboard"))
    assert status == 200 and "moderator1" in page
    assert alternated(moderator)
