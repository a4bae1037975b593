"""A villager walks away mid-ballot: the screen hides the choices, clears itself, and the next villager
finds nothing of it; the operator sees the terminal idle and can clear it from the terminal list.

Timings are shortened through the KIOSK_* settings, as in test_kiosk.py. The operator's page runs in a
browser context of its own, signed in with a session made by Django's test client.
"""

import re

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from playwright.sync_api import Browser, BrowserContext, Page, expect

from portal.models import AuditEntry
from ratings.ballot.passes import COOKIES
from ratings.models import Ballot, BallotCode
from tests.browser import voting
from tests.browser.traffic import Traffic
from tests.browser.voting import begin, tap_code, url
from tests.worlds import build_kiosk_world, stored_code

pytestmark = pytest.mark.browser


@pytest.fixture
def world(county):
    return build_kiosk_world(county, cadres=2, codes=4)


@pytest.fixture
def terminal(context: BrowserContext, live_server, world) -> BrowserContext:
    return voting.arm(context, live_server, world.token)


@pytest.fixture
def operator_page(browser: Browser, live_server, world, county) -> Page:
    """The meeting's terminal list, open in the operator's own browser."""
    client = Client()
    client.force_login(county.operator)
    context = browser.new_context(locale="en")
    context.set_default_timeout(10_000)
    context.add_cookies(
        [
            {
                "name": django_settings.SESSION_COOKIE_NAME,
                "value": client.cookies[django_settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page = context.new_page()
    page.goto(live_server.url + reverse("ratings:terminals", args=[world.meeting.pk]))
    yield page
    context.close()


def tap_grade(page: Page, world, cadre_index: int, criterion_index: int, grade: str) -> None:
    cadre, criterion = world.cadres[cadre_index], world.criteria[criterion_index]
    page.click(voting.grade_label(cadre.pk, str(criterion.pk), world.grades[grade].pk))


def screen_of(operator_page: Page, world):
    return operator_page.locator(f'[data-screen="{world.terminal.pk}"] [data-screen-state]')


def assert_shows_nothing(page: Page, live_server) -> None:
    """The welcome page or the code page (Back to it), in the defaults: nothing of the ballot."""
    expect(page).to_have_url(re.compile(f"^{re.escape(url(live_server, 'kiosk'))}(code/)?$"))
    expect(page.locator("input[name^=grade-]")).to_have_count(0)
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.locator("body")).to_have_class(re.compile(r"\bkiosk-text-normal\b"))


def test_the_question_hides_the_choices_until_the_villager_answers(
    terminal: BrowserContext, page: Page, live_server, world, settings
):
    settings.KIOSK_IDLE_SECONDS = 2
    settings.KIOSK_IDLE_GRACE_SECONDS = 60
    begin(page, live_server, "en")
    tap_code(page, world.codes[0])
    tap_grade(page, world, 0, 0, "dissatisfied")
    grades = page.locator("label.ballot-grade")
    expect(grades.first).to_be_visible()

    expect(page.locator("#kiosk-idle")).to_be_visible(timeout=8_000)
    # Hidden, not covered: no grade, no cadre's name, no chosen answer is laid out on the screen.
    expect(page.locator("#kiosk")).to_be_hidden()
    expect(page.locator("label.ballot-grade:visible")).to_have_count(0)
    expect(page.locator("#cadre-name-1")).to_be_hidden()
    boxes = page.evaluate(
        "() => [...document.querySelectorAll('label.ballot-grade, .ballot-cadre-head, [data-same]')]"
        ".map((element) => element.getBoundingClientRect().width)"
    )
    assert boxes and not any(boxes)

    page.click("[data-idle-continue]")
    expect(page.locator("#kiosk-idle")).to_be_hidden()
    expect(grades.first).to_be_visible()
    voting.expect_screen(page, "screen-1")
    cadre, criterion, grade = world.cadres[0], world.criteria[0], world.grades["dissatisfied"]
    expect(page.locator(f"#grade-{cadre.pk}-{criterion.pk}-{grade.pk}")).to_be_checked()


def test_a_walked_away_ballot_is_cleared_and_the_operator_sees_it_and_clears_another(
    terminal: BrowserContext, page: Page, live_server, world, settings, operator_page: Page, traffic: Traffic
):
    settings.KIOSK_IDLE_SECONDS = 2
    settings.KIOSK_IDLE_GRACE_SECONDS = 3
    settings.KIOSK_HEARTBEAT_SECONDS = 1
    # The operator's list polls as often as the terminals report: loaded again, every second, so that
    # it sees the 3 seconds of the idle question.
    operator_page.reload()
    screen = screen_of(operator_page, world)
    expect(screen).to_have_attribute("data-screen-state", "waiting")

    # The first villager grades the first cadre, begins the second, and walks away.
    begin(page, live_server)
    tap_code(page, world.codes[0])
    for index in range(len(world.criteria)):
        tap_grade(page, world, 0, index, "dissatisfied")
    voting.next_screen(page)
    voting.expect_screen(page, "screen-2")
    tap_grade(page, world, 1, 0, "satisfied")
    # The pass this browser holds for the ballot: kept by the test, as a stale page or a copy would.
    (stale_pass,) = [cookie for cookie in terminal.cookies() if cookie["name"] == COOKIES["terminal"]]

    # The screen asks, the operator's list says so (without reloading), then the screen clears itself.
    expect(page.locator("#kiosk-idle")).to_be_visible(timeout=8_000)
    expect(screen).to_have_attribute("data-screen-state", "idle", timeout=8_000)
    expect(screen).not_to_contain_text(world.grades["dissatisfied"].label)
    expect(page).to_have_url(url(live_server, "kiosk"), timeout=8_000)
    assert_shows_nothing(page, live_server)
    expect(screen).to_have_attribute("data-screen-state", "waiting", timeout=8_000)
    (entry,) = AuditEntry.objects.filter(action="terminal_clear")
    assert entry.actor_id is None and entry.details["reason"] == "idle"
    assert COOKIES["terminal"] not in {cookie["name"] for cookie in terminal.cookies()}

    # The next villager: Back and reload find nothing; the old pass, put back, casts nothing.
    for _step in range(3):
        page.go_back()
        assert_shows_nothing(page, live_server)
    page.reload()
    assert_shows_nothing(page, live_server)
    terminal.add_cookies([stale_pass])
    token = page.locator("#kiosk-reset input[name=csrfmiddlewaretoken]").input_value()
    full = {
        f"grade-{cadre}-{criterion}": str(grade) for (cadre, criterion), grade in world.full_grades().items()
    }
    response = page.request.post(
        url(live_server, "kiosk-cast"),
        form={"csrfmiddlewaretoken": token, **full},
        headers={"Referer": url(live_server, "kiosk")},
        max_redirects=0,
    )
    assert response.status == 409, response.status
    assert "grade-" not in response.text()
    assert COOKIES["terminal"] not in {cookie["name"] for cookie in terminal.cookies()}
    assert not Ballot.objects.exists()
    assert stored_code(world.meeting, world.codes[0]).status == BallotCode.Status.ISSUED

    # The same villager comes back and starts again with the same code; this time the operator clears
    # the terminal from the list, and the screen goes back to the welcome page by itself.
    settings.KIOSK_IDLE_SECONDS = 60  # this time the villager is still there when the operator acts
    # The kiosk's pages are kept for a minute with the timings in them (ratings.ballot.page.respond):
    # a changed setting shows after a restart, here after the cache is emptied.
    cache.clear()
    begin(page, live_server)
    tap_code(page, world.codes[0])
    expect(page.locator("input[name^=grade-]:checked")).to_have_count(0)
    tap_grade(page, world, 0, 0, "basically_satisfied")
    expect(screen).to_have_attribute("data-screen-state", "voting", timeout=8_000)
    operator_page.click(f'[data-clear="{world.terminal.pk}"]')
    expect(operator_page.locator(".alert-success")).to_be_visible()
    expect(page).to_have_url(url(live_server, "kiosk"), timeout=5_000)
    assert_shows_nothing(page, live_server)
    page.go_back()
    assert_shows_nothing(page, live_server)
    clears = AuditEntry.objects.filter(action="terminal_clear").order_by("seq")
    reasons = [entry.details["reason"] for entry in clears]
    assert reasons == ["idle", "operator"]
    assert not Ballot.objects.exists()
    assert stored_code(world.meeting, world.codes[0]).status == BallotCode.Status.ISSUED
    assert traffic.console_errors == []
    assert traffic.failures == []
