"""The red "answer every line" alert on a cadre's screen goes as soon as the last gap is filled,
whether the villager pressed "Next" too early or the server sent the ballot back."""

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser import voting
from tests.worlds import build_kiosk_world


@pytest.fixture
def world(county):
    return build_kiosk_world(county, cadres=2, codes=2)


@pytest.fixture
def terminal(context: BrowserContext, live_server, world) -> BrowserContext:
    return voting.arm(context, live_server, world.token)


def answer(page: Page, world, cadre, criteria) -> None:
    for criterion in criteria:
        page.click(voting.grade_label(cadre.pk, str(criterion.pk), world.grades["satisfied"].pk))


def test_the_alert_goes_once_the_line_is_answered_after_next(
    terminal: BrowserContext, page: Page, live_server, world
):
    voting.begin(page, live_server, "en")
    voting.tap_code(page, world.codes[0])
    first = world.cadres[0]
    answer(page, world, first, world.criteria[1:])
    voting.next_screen(page)
    screen = voting.shown(page)
    alert = screen.locator("[data-missing-alert]")
    expect(alert).to_be_visible()
    expect(screen.locator(".ballot-line-missing")).to_have_count(1)
    answer(page, world, first, world.criteria[:1])
    expect(alert).to_be_hidden()
    expect(screen.locator(".ballot-line-missing")).to_have_count(0)
    voting.next_screen(page)
    voting.expect_screen(page, "screen-2")


def test_the_alert_goes_once_the_line_is_answered_on_a_ballot_sent_back(
    terminal: BrowserContext, page: Page, live_server, world
):
    voting.begin(page, live_server, "en")
    voting.tap_code(page, world.codes[0])
    first, second = world.cadres
    answer(page, world, first, world.criteria)
    voting.next_screen(page)
    answer(page, world, second, world.criteria[1:])
    # Sent as it is (as a page whose script did not stop it would): the server sends it back.
    page.evaluate("document.querySelector('[data-cast]').closest('form').submit()")
    voting.expect_screen(page, "screen-2")
    screen = voting.shown(page)
    alert = screen.locator("[data-missing-alert]")
    expect(alert).to_be_visible()
    expect(screen.locator(".ballot-line-missing")).to_have_count(1)
    answer(page, world, second, world.criteria[:1])
    expect(alert).to_be_hidden()
    expect(screen.locator(".ballot-line-missing")).to_have_count(0)
