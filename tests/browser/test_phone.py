"""The second door in a real browser: a villager's own phone, opened by the QR code of a code slip
(/vote/<meeting>/?code=…), the same one-request ballot as on a terminal, and the same box: a code
spent at one door is refused at the other.

The phone is Chromium made phone-sized: 390×844 CSS pixels, touch, a phone's user agent.
"""

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, BrowserContext, Page, expect

from meetings.models import Meeting
from ratings.ballot import codes
from ratings.models import Ballot, BallotCode
from tests.browser import voting
from tests.browser.traffic import record_traffic
from tests.browser.voting import LANGUAGES, url
from tests.worlds import build_kiosk_world, stored_code

pytestmark = pytest.mark.browser

PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 3,
    "is_mobile": True,
    "has_touch": True,
    "user_agent": (
        "Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/126.0.0.0 Mobile Safari/537.36"
    ),
}
BAD_IMPACTS = {"serious", "critical"}
WIDTHS = "() => [document.scrollingElement.scrollWidth, window.innerWidth]"


@pytest.fixture
def world(county):
    world = build_kiosk_world(county, cadres=2, codes=6)
    Meeting.objects.filter(pk=world.meeting.pk).update(phones_allowed=True)
    return world


@pytest.fixture
def phone(browser: Browser) -> BrowserContext:
    context = browser.new_context(**PHONE)
    context.set_default_timeout(10_000)
    yield context
    context.close()


@pytest.fixture
def terminal_page(context: BrowserContext, live_server, world) -> Page:
    """A terminal of the same meeting, in a browser of its own."""
    voting.arm(context, live_server, world.token)
    return context.new_page()


def slip_address(live_server, world, code: str) -> str:
    """What the QR code of the slip holds: the phone's page with the code, as printed."""
    return f"{url(live_server, 'phone', world.meeting.pk)}?code={codes.display(code)}"


def assert_no_sideways_scrolling(page: Page, where: str) -> None:
    scroll_width, width = page.evaluate(WIDTHS)
    assert scroll_width <= width, (where, scroll_width, width)


def test_a_villager_votes_on_a_phone_and_the_code_is_spent_at_both_doors(
    phone: BrowserContext, terminal_page: Page, live_server, world, traffic
):
    page = record_traffic(phone.new_page(), traffic)
    page.goto(slip_address(live_server, world, world.codes[0]))
    expect(page.locator("#id_code")).to_have_value(codes.display(world.codes[0]))
    assert_no_sideways_scrolling(page, "start")
    page.tap("form.kiosk-form button[type=submit]")
    expect(page).to_have_url(url(live_server, "phone-ballot", world.meeting.pk))
    expect(page.locator("form.ballot-paged")).to_be_visible()

    chosen = {}
    for index, cadre in enumerate(world.cadres):
        voting.expect_screen(page, f"screen-{index + 1}")
        assert_no_sideways_scrolling(page, f"cadre {index + 1}")
        for criterion in world.criteria:
            grade = world.grades["satisfied" if index else "basically_satisfied"]
            page.tap(voting.grade_label(cadre.pk, str(criterion.pk), grade.pk))
            chosen[(cadre.pk, criterion.pk)] = grade.pk
        voting.next_screen(page, tap=True)
    household = world.household_named("Mamat Ali")
    page.fill("#ballot-q", "Mamat")
    page.tap(f'[data-results] [data-act][data-household="{household.pk}"]')
    assert_no_sideways_scrolling(page, "households")
    voting.to_review(page)
    assert_no_sideways_scrolling(page, "review")
    page.tap("[data-cast] button[type=submit]")
    expect(page).to_have_url(url(live_server, "phone-receipt", world.meeting.pk))
    receipt = voting.receipt_shown(page)
    assert_no_sideways_scrolling(page, "receipt")

    ballot = Ballot.objects.get()
    assert (ballot.receipt, ballot.door) == (receipt, Ballot.Door.PHONE)
    assert voting.ballot_grades(ballot) == chosen
    assert list(ballot.nominations.values_list("household_id", flat=True)) == [household.pk]
    assert stored_code(world.meeting, world.codes[0]).status == BallotCode.Status.USED
    # The phone's history brings back the addresses, never the ballot nor the receipt.
    page.go_back()
    expect(page).to_have_url(url(live_server, "phone", world.meeting.pk))
    expect(page.locator("input[name^=grade-]")).to_have_count(0)
    page.goto(url(live_server, "phone-receipt", world.meeting.pk))
    expect(page.locator(".kiosk-receipt-code")).to_have_count(0)
    assert receipt not in page.content()

    # The same code at a terminal: refused.
    voting.begin(terminal_page, live_server)
    voting.tap_code(terminal_page, world.codes[0])
    expect(terminal_page.locator("#code-errors")).to_be_visible()
    expect(terminal_page).to_have_url(url(live_server, "kiosk-code"))

    # The other way round: a code spent at the terminal is refused on the phone.
    terminal_page.fill("#id_code", "")
    voting.tap_code(terminal_page, world.codes[1])
    for position in range(1, len(world.cadres) + 1):
        voting.expect_screen(terminal_page, f"screen-{position}")
        voting.shown(terminal_page).locator(f'[data-same-grade="{world.grades["dont_know"].pk}"]').click()
        voting.next_screen(terminal_page)
    voting.to_review(terminal_page)
    voting.cast(terminal_page)
    voting.receipt_shown(terminal_page)
    page.goto(slip_address(live_server, world, world.codes[1]))
    page.tap("form.kiosk-form button[type=submit]")
    expect(page.locator("#code-errors")).to_be_visible()
    expect(page).to_have_url(url(live_server, "phone", world.meeting.pk))
    page.goto(url(live_server, "phone-ballot", world.meeting.pk))
    expect(page).to_have_url(url(live_server, "phone", world.meeting.pk))

    assert sorted(Ballot.objects.values_list("door", flat=True)) == [Ballot.Door.PHONE, Ballot.Door.TERMINAL]
    # The refused code is answered 400 with the page saying why (which Chromium notes in the console);
    # nothing else failed.
    assert traffic.failures == [f"400 {url(live_server, 'phone', world.meeting.pk)}"]
    assert [error for error in traffic.console_errors if "status of 400" not in error] == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_phone_page_is_accessible(phone: BrowserContext, live_server, world, language):
    """axe-core finds nothing serious or critical, AAA contrast included, and nothing scrolls sideways."""
    axe = Axe()
    page = phone.new_page()

    def check(name: str) -> None:
        results = axe.run(
            page,
            options={"resultTypes": ["violations"], "rules": {"color-contrast-enhanced": {"enabled": True}}},
        )
        bad = [v for v in results.response["violations"] if v["impact"] in BAD_IMPACTS]
        assert not bad, f"{language} {name}:\n" + results.generate_report()
        assert_no_sideways_scrolling(page, f"{language} {name}")

    code = world.codes[LANGUAGES.index(language)]
    page.goto(slip_address(live_server, world, code))
    page.click(f"a[lang={language}]")
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.locator("#id_code")).to_have_value(codes.display(code))
    check("start")
    page.tap("form.kiosk-form button[type=submit]")
    expect(page.locator("html")).to_have_attribute("lang", language)
    voting.next_screen(page, tap=True)  # nothing chosen: the screen says what is missing
    expect(voting.shown(page).locator("[data-missing-alert]")).to_be_visible()
    check("cadre screen")
    voting.grade_cadres(page, world, lambda cadre, line: "dont_know")
    voting.to_review(page)
    check("review")
    voting.cast(page)
    voting.receipt_shown(page)
    check("receipt")


def test_a_code_left_empty_on_a_phone_keeps_the_villagers_language(phone: BrowserContext, live_server, world):
    page = phone.new_page()
    page.goto(f"{url(live_server, 'phone', world.meeting.pk)}?language=ug")
    page.tap("form.kiosk-form button[type=submit]")  # no code: the QR code was not used
    expect(page.locator("#code-errors")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "ug")
    page.fill("#id_code", codes.display(world.codes[0]))
    page.tap("form.kiosk-form button[type=submit]")
    expect(page).to_have_url(url(live_server, "phone-ballot", world.meeting.pk))
    expect(page.locator("html")).to_have_attribute("lang", "ug")
