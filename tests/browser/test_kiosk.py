"""The kiosk in a real browser: one villager after another on the same terminal, the whole ballot one
page (ratings.ballot.page) sent once.

Timings are shortened through the KIOSK_* settings the pages put in data attributes. The steps (in
tests/browser/voting.py) use structural selectors, so that they hold in every language.
"""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import translation
from playwright.sync_api import BrowserContext, Page, expect

from ratings.ballot import codes, schemes
from ratings.models import Ballot, BallotCode, BallotNomination
from tests.browser import voting
from tests.browser.traffic import Traffic, received_by
from tests.browser.voting import LANGUAGES, url
from tests.worlds import build_kiosk_world, stored_code

pytestmark = pytest.mark.browser

BAD_IMPACTS = {"serious", "critical"}
# Sizes, in CSS pixels, of every visible tap target and every visible piece of text on the page.
MEASURE = """() => {
    const visible = (element) => {
        const box = element.getBoundingClientRect();
        const style = getComputedStyle(element);
        return box.width > 0 && box.height > 0 && style.visibility !== "hidden"
            && !element.closest(".visually-hidden, .visually-hidden-focusable, dialog:not([open])");
    };
    const targets = [...document.querySelectorAll(
        "main button, header button, main a.btn, label.ballot-grade, label.kiosk-option, "
        + "main input[type=text], main input[type=search]"
    )].filter(visible).map((element) => {
        const box = element.getBoundingClientRect();
        return {what: element.outerHTML.slice(0, 80), width: box.width, height: box.height};
    });
    const texts = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
        const parent = walker.currentNode.parentElement;
        if (walker.currentNode.textContent.trim() && parent && visible(parent)) {
            texts.push({what: walker.currentNode.textContent.trim().slice(0, 40),
                        size: parseFloat(getComputedStyle(parent).fontSize)});
        }
    }
    return {body: parseFloat(getComputedStyle(document.body).fontSize), targets, texts};
}"""
# A camera and a QR reader for a browser that has neither: the "camera" films a blank canvas and the
# reader finds the code the test puts in window.__slip.
FAKE_CAMERA = """
window.BarcodeDetector = class {
    static async getSupportedFormats() { return ["qr_code"]; }
    async detect() { return window.__slip ? [{rawValue: window.__slip}] : []; }
};
navigator.mediaDevices.getUserMedia = async () => {
    const canvas = document.createElement("canvas");
    canvas.width = 64; canvas.height = 64;
    canvas.getContext("2d").fillRect(0, 0, 64, 64);
    return canvas.captureStream(5);
};
"""


@pytest.fixture
def world(county):
    return build_kiosk_world(county, cadres=2, codes=6)


@pytest.fixture
def terminal(context: BrowserContext, live_server, world) -> BrowserContext:
    """The browser context, armed as the world's first terminal."""
    return voting.arm(context, live_server, world.token)


def assert_nothing_of(page: Page, receipt: str, searched: str) -> None:
    """The page shows nothing of the villager before: no choice, no receipt, no household searched for,
    and the defaults (Chinese, normal text) rather than that villager's language and size."""
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.locator("body")).to_have_class(re.compile(r"\bkiosk-text-normal\b"))
    expect(page.locator("input[name^=grade-]")).to_have_count(0)
    expect(page.locator("[data-receipt-code]")).to_have_count(0)
    content = page.content()
    assert receipt not in content
    assert searched not in content


def same_answer(page: Page, world, grade: str) -> None:
    """Tap "same answer on every line" on the cadre screen shown."""
    voting.shown(page).locator(f'[data-same-grade="{world.grades[grade].pk}"]').click()


def in_english(grade) -> str:
    with translation.override("en"):
        return schemes.grade_label(grade)


def vote_quickly(page: Page, world, grade: str) -> None:
    """From the first cadre screen to the review: one tap per cadre, no household."""
    for position in range(1, len(world.cadres) + 1):
        voting.expect_screen(page, f"screen-{position}")
        same_answer(page, world, grade)
        voting.next_screen(page)
    voting.to_review(page)


def test_two_villagers_in_a_row_see_nothing_of_each_other(
    terminal: BrowserContext, page: Page, live_server, world, settings, traffic: Traffic
):
    settings.KIOSK_RECEIPT_SECONDS = 3

    # The first villager, in Uyghur and large text, types the code on the keypad.
    page.goto(url(live_server, "kiosk"))
    page.click("label[for=language-ug]")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    page.click("label[for=text-size-large]")
    expect(page.locator("body")).to_have_class(re.compile(r"\bkiosk-text-large\b"))
    page.click("form[data-welcome] button[type=submit]")
    expect(page.locator("html")).to_have_attribute("lang", "ug")
    for key in ("X", "Y", "Z", "W", "V", "T"):
        page.click(f'[data-keypad] [data-key="{key}"]')
    expect(page.locator("#id_code")).to_have_value("XYZWV-T")
    page.click("[data-keypad-delete]")
    expect(page.locator("#id_code")).to_have_value("XYZWV")
    page.click("[data-keypad-clear]")
    expect(page.locator("#id_code")).to_have_value("")
    voting.tap_code(page, world.codes[0])
    expect(page).to_have_url(url(live_server, "kiosk-ballot"))
    expect(page.locator("html")).to_have_attribute("lang", "ug")
    expect(page.locator("body")).to_have_class(re.compile(r"\bkiosk-text-large\b"))
    first = voting.grade_cadres(page, world, lambda cadre, line: "dissatisfied")
    household = voting.nominate(page, world, "Rozi Niyaz")
    # Enter in the search (a terminal with a keyboard) would submit the form: nothing is cast before
    # the review.
    page.fill("#ballot-q", "Mamat")
    page.press("#ballot-q", "Enter")
    page.fill("#ballot-q", "")
    voting.expect_screen(page, "screen-households")
    expect(page).to_have_url(url(live_server, "kiosk-ballot"))
    assert not Ballot.objects.exists()
    voting.to_review(page)
    # The review is built in the page: a panel per cadre with its answers, and the households.
    review = page.locator("[data-review] .kiosk-panel")
    expect(review).to_have_count(len(world.cadres) + 1)
    expect(review.nth(0).locator("[data-answers] dd")).to_have_count(len(world.criteria))
    expect(review.last).to_contain_text(household.number)
    voting.cast(page)
    expect(page).to_have_url(url(live_server, "kiosk-receipt"))
    receipt = voting.receipt_shown(page)
    assert Ballot.objects.get().receipt == receipt
    # The receipt hides itself and the screen goes back to the welcome page, in the default language.
    expect(page.locator("[data-receipt-code]")).to_be_hidden(timeout=8_000)
    expect(page).to_have_url(url(live_server, "kiosk"))
    assert_nothing_of(page, receipt, "Rozi")

    # The second villager looks back, reloads, opens a tab: nothing of the first.
    for _step in range(4):
        page.go_back()
        assert_nothing_of(page, receipt, "Rozi")
    page.reload()
    assert_nothing_of(page, receipt, "Rozi")
    for name in ("kiosk-ballot", "kiosk-receipt", "kiosk-code"):
        tab = terminal.new_page()
        tab.goto(url(live_server, name))
        assert_nothing_of(tab, receipt, "Rozi")
        tab.close()

    # The second villager votes, in the default language; Back from the ballot to the code page
    # comes forward again, to a ballot with nothing chosen.
    voting.begin(page, live_server)
    voting.tap_code(page, world.codes[1])
    expect(page).to_have_url(url(live_server, "kiosk-ballot"))
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    page.go_back()
    expect(page).to_have_url(url(live_server, "kiosk-ballot"))
    expect(page.locator("input[name^=grade-]:checked")).to_have_count(0)
    second = voting.grade_cadres(page, world, lambda cadre, line: ["satisfied", "dont_know"][line % 2])
    voting.to_review(page)
    voting.cast(page)
    expect(page).to_have_url(url(live_server, "kiosk-receipt"))
    expect(page).to_have_url(url(live_server, "kiosk"), timeout=8_000)

    assert BallotCode.objects.filter(status=BallotCode.Status.USED).count() == 2
    ballots = {ballot.receipt: voting.ballot_grades(ballot) for ballot in Ballot.objects.all()}
    assert ballots[receipt] == first
    assert sorted(ballots.values(), key=str) == sorted([first, second], key=str)
    assert set(Ballot.objects.values_list("door", flat=True)) == {Ballot.Door.TERMINAL}
    assert list(BallotNomination.objects.values_list("household_id", flat=True)) == [household.pk]
    assert traffic.console_errors == []
    assert traffic.failures == []


def test_a_ballot_is_four_requests_from_the_code_to_the_receipt(
    terminal: BrowserContext, page: Page, live_server, world, settings
):
    """The code, the ballot page, the cast, the receipt: every other step is done in the page."""
    # The terminal's heartbeat tells the operator's list what the screen shows, every few seconds,
    # whoever stands at it, ballot or not: it is the terminal's, not the ballot's, so it is stopped here.
    settings.KIOSK_HEARTBEAT_SECONDS = 3600
    # A villager voted on this terminal before: the browser holds the kiosk's static files since.
    voting.begin(page, live_server)
    voting.tap_code(page, world.codes[0])
    vote_quickly(page, world, "satisfied")
    voting.cast(page)
    voting.receipt_shown(page)

    asked = []
    page.on(
        "request",
        lambda request: (
            asked.append((request.resource_type, request.method, request.url))
            if request.url.startswith(live_server.url)
            else None
        ),
    )
    voting.begin(page, live_server)
    for symbol in world.codes[1]:
        page.click(f'[data-keypad] [data-key="{symbol}"]')
    with received_by(live_server) as received:
        asked.clear()
        page.click("form[data-code-form] button[type=submit]")
        for position in range(1, len(world.cadres) + 1):
            voting.expect_screen(page, f"screen-{position}")
            same_answer(page, world, "basically_satisfied")
            voting.next_screen(page)
        voting.nominate(page, world, "Mamat Ali")
        voting.to_review(page)
        voting.cast(page)
        voting.receipt_shown(page)

    ballot = Ballot.objects.get(receipt=voting.receipt_shown(page))
    assert len(ballot.grades.all()) == len(world.cadres) * len(world.criteria)
    documents = [(method, address) for kind, method, address in asked if kind in {"document", "fetch", "xhr"}]
    assert documents == [
        ("POST", url(live_server, "kiosk-code")),
        ("GET", url(live_server, "kiosk-ballot")),
        ("POST", url(live_server, "kiosk-cast")),
        ("GET", url(live_server, "kiosk-receipt")),
    ], asked
    # What the server itself received: the same four, answered 302, 200, 302, 200; the static files
    # come from the browser's cache. Chromium may still ask whether a file it holds changed (it does
    # so for a file modified a short while ago, as in a fresh checkout): answered "not modified", with
    # nothing sent again.
    pages = [(row.method, row.path, row.status) for row in received if not row.path.startswith("/static/")]
    assert pages == [
        ("POST", "/kiosk/code/", 302),
        ("GET", "/kiosk/ballot/", 200),
        ("POST", "/kiosk/cast/", 302),
        ("GET", "/kiosk/receipt/", 200),
    ]
    downloaded = [row for row in received if row.path.startswith("/static/") and row.status != 304]
    assert downloaded == []
    assert all(row.conditional for row in received if row.path.startswith("/static/"))


def test_same_answer_on_every_line_sets_a_cadres_lines_with_one_tap(
    terminal: BrowserContext, page: Page, live_server, world
):
    voting.begin(page, live_server, "en")
    voting.tap_code(page, world.codes[0])
    first, second = world.cadres
    # Nothing is chosen before a tap, on any screen.
    expect(page.locator("input[name^=grade-]")).to_have_count(2 * len(world.criteria) * len(world.grades))
    expect(page.locator("input[name^=grade-]:checked")).to_have_count(0)
    same = voting.shown(page).locator("[data-same] [data-same-grade]")
    expect(same).to_have_count(len(world.grades))

    same_answer(page, world, "basically_satisfied")
    chosen = page.locator(f"input[name^=grade-{first.pk}-]:checked")
    expect(chosen).to_have_count(len(world.criteria))
    for index in range(len(world.criteria)):
        expect(chosen.nth(index)).to_have_value(str(world.grades["basically_satisfied"].pk))
    expect(page.locator(f"input[name^=grade-{second.pk}-]:checked")).to_have_count(0)
    # One line changed by hand after; another tap of the row sets them all again.
    line = str(world.criteria[0].pk)
    page.click(voting.grade_label(first.pk, line, world.grades["dont_know"].pk))
    expect(page.locator(f"#grade-{first.pk}-{line}-{world.grades['dont_know'].pk}")).to_be_checked()
    voting.next_screen(page)
    voting.expect_screen(page, "screen-2")
    expect(page.locator(f"input[name^=grade-{second.pk}-]:checked")).to_have_count(0)
    same_answer(page, world, "dissatisfied")
    voting.next_screen(page)
    voting.to_review(page)
    # "Change" on the review goes back to that cadre; "Next" there comes back to the review.
    review = page.locator("[data-review] .kiosk-panel")
    expect(review.nth(1).locator("[data-answers] dd")).to_have_text(
        [in_english(world.grades["dissatisfied"])] * len(world.criteria)
    )
    review.nth(1).locator("[data-change]").click()
    voting.expect_screen(page, "screen-2")
    same_answer(page, world, "satisfied")
    voting.next_screen(page)
    voting.expect_screen(page, "screen-review")
    expect(review.nth(1).locator("[data-answers] dd")).to_have_text(
        [in_english(world.grades["satisfied"])] * len(world.criteria)
    )
    voting.cast(page)
    voting.receipt_shown(page)

    grades = voting.ballot_grades(Ballot.objects.get())
    expected = world.full_grades("satisfied")
    expected.update(voting.every_line(world, first, "basically_satisfied"))
    expected[(first.pk, world.criteria[0].pk)] = world.grades["dont_know"].pk
    assert grades == expected


def test_quick_mode_has_one_line_and_no_same_answer_row(browser, live_server, county):
    world = build_kiosk_world(county, cadres=2, codes=1, quick_mode=True)
    context = voting.arm(browser.new_context(), live_server, world.token)
    page = context.new_page()
    voting.begin(page, live_server)
    voting.tap_code(page, world.codes[0])
    expect(voting.shown(page).locator("fieldset[data-line]")).to_have_count(1)
    expect(page.locator("[data-same]")).to_have_count(0)
    voting.grade_cadres(page, world, lambda cadre, line: "satisfied")
    voting.to_review(page)
    voting.cast(page)
    voting.receipt_shown(page)
    context.close()
    assert voting.ballot_grades(Ballot.objects.get()) == world.full_grades("satisfied")


def test_without_javascript_the_ballot_is_one_long_form(browser, live_server, world):
    """No script: the welcome page's form, the code typed, every cadre on one page, households by their
    numbers on the roll; one mistake is sent back with the choices kept, and the ballot is counted."""
    context = voting.arm(browser.new_context(java_script_enabled=False), live_server, world.token)
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto(url(live_server, "kiosk"))
    page.click("label[for=language-en]")
    page.click("form[data-welcome] button[type=submit]")
    expect(page.locator("[data-keypad]")).to_be_hidden()
    page.fill("#id_code", codes.display(world.codes[0]).lower())
    page.click("form[data-code-form] button[type=submit]")
    expect(page).to_have_url(url(live_server, "kiosk-ballot"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    # Every screen at once, the review aside, and no "same answer" row (it needs the script).
    expect(page.locator("[data-screen=cadre]:visible")).to_have_count(len(world.cadres))
    expect(page.locator("[data-screen=review]")).to_be_hidden()
    expect(page.locator("[data-same]:visible")).to_have_count(0)
    expect(page.locator("input[name=household_number]")).to_have_count(world.scheme.max_nominations)

    first, second = world.cadres
    for criterion in world.criteria:
        page.click(voting.grade_label(first.pk, str(criterion.pk), world.grades["satisfied"].pk))
    for criterion in world.criteria[1:]:  # the second cadre's first line is forgotten
        page.click(voting.grade_label(second.pk, str(criterion.pk), world.grades["dissatisfied"].pk))
    household = world.household_named("Patigul Ehmet")
    page.fill("#household-number-1", household.number)
    voting.cast(page)
    expect(page.locator("#ballot-errors")).to_contain_text(second.name)
    expect(page.locator("#screen-2.ballot-missing [data-missing-alert]")).to_be_visible()
    expect(page.locator("input[name^=grade-]:checked")).to_have_count(2 * len(world.criteria) - 1)
    expect(page.locator("#household-number-1")).to_have_value(household.number)
    assert not Ballot.objects.exists()

    page.click(voting.grade_label(second.pk, str(world.criteria[0].pk), world.grades["dont_know"].pk))
    voting.cast(page)
    expect(page).to_have_url(url(live_server, "kiosk-receipt"))
    receipt = page.locator("[data-receipt-code]").inner_text().strip()
    context.close()

    ballot = Ballot.objects.get()
    assert ballot.receipt == receipt
    expected = world.full_grades("satisfied")
    expected.update(voting.every_line(world, second, "dissatisfied"))
    expected[(second.pk, world.criteria[0].pk)] = world.grades["dont_know"].pk
    assert voting.ballot_grades(ballot) == expected
    assert list(ballot.nominations.values_list("household_id", flat=True)) == [household.pk]
    assert stored_code(world.meeting, world.codes[0]).status == BallotCode.Status.USED


def test_a_code_left_empty_keeps_the_villagers_language(
    terminal: BrowserContext, page: Page, live_server, world
):
    page.goto(url(live_server, "kiosk"))
    page.click("label[for=language-ug]")
    expect(page.locator("html")).to_have_attribute("lang", "ug")
    page.click("label[for=text-size-large]")
    page.click("form[data-welcome] button[type=submit]")
    page.click("form[data-code-form] button[type=submit]")  # nothing typed
    expect(page.locator("#code-errors")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "ug")
    expect(page.locator("body")).to_have_class(re.compile(r"\bkiosk-text-large\b"))
    voting.tap_code(page, world.codes[0])
    expect(page).to_have_url(url(live_server, "kiosk-ballot"))
    expect(page.locator("html")).to_have_attribute("lang", "ug")


def test_the_code_can_be_scanned_where_there_is_a_camera(
    terminal: BrowserContext, page: Page, live_server, world
):
    voting.begin(page, live_server)
    expect(page.locator("[data-qr-scan]")).to_be_hidden()  # this Chromium has no BarcodeDetector

    scanner = terminal.new_page()
    scanner.add_init_script(FAKE_CAMERA)
    scanner.goto(url(live_server, "kiosk-code"))
    # The slip's QR code holds the phone's address with the code; the terminal reads the code from it.
    slip = f"{live_server.url}/vote/{world.meeting.pk}/?code={codes.display(world.codes[1])}"
    scanner.evaluate(f"window.__slip = {slip!r}")
    scanner.click("[data-qr-scan]")
    expect(scanner).to_have_url(url(live_server, "kiosk-ballot"))


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_kiosk_page_is_accessible(
    terminal: BrowserContext, page: Page, live_server, world, settings, language
):
    """axe-core finds nothing serious or critical, AAA contrast included; targets are 48 px and more;
    text is 20 px and more."""
    settings.KIOSK_RECEIPT_SECONDS = 120
    axe = Axe()
    checked = []

    def check(name: str) -> None:
        results = axe.run(
            page,
            options={"resultTypes": ["violations"], "rules": {"color-contrast-enhanced": {"enabled": True}}},
        )
        bad = [v for v in results.response["violations"] if v["impact"] in BAD_IMPACTS]
        assert not bad, f"{language} {name}:\n" + results.generate_report()
        sizes = page.evaluate(MEASURE)
        assert sizes["targets"] and sizes["texts"], name
        assert sizes["body"] >= 20, (name, sizes["body"])
        small = [target for target in sizes["targets"] if target["width"] < 48 or target["height"] < 48]
        assert not small, (language, name, small)
        tiny = [text for text in sizes["texts"] if text["size"] < 20]
        assert not tiny, (language, name, tiny)
        checked.append(name)

    page.goto(url(live_server, "kiosk") + f"?language={language}")
    expect(page.locator("html")).to_have_attribute("lang", language)
    check("welcome")
    page.click("form[data-welcome] button[type=submit]")
    check("code")
    voting.tap_code(page, world.codes[LANGUAGES.index(language)])
    voting.next_screen(page)  # nothing chosen: the screen says what is missing
    expect(voting.shown(page).locator("[data-missing-alert]")).to_be_visible()
    check("cadre screen with a line missing")
    # The keyboard's focus is visible on the grade buttons: a thick outline around the label.
    voting.shown(page).locator("input.btn-check").first.focus()
    page.keyboard.press("ArrowRight")
    outline = page.evaluate(
        "() => { const label = document.querySelector(`label[for='${document.activeElement.id}']`);"
        " const style = getComputedStyle(label);"
        " return [style.outlineStyle, parseFloat(style.outlineWidth)]; }"
    )
    assert outline[0] != "none" and outline[1] >= 3, outline
    voting.grade_cadres(page, world, lambda cadre, line: ["satisfied", "dont_know"][line % 2])
    voting.nominate(page, world, "Aygul Tursun")
    page.fill("#ballot-q", "Mamat")
    expect(page.locator("[data-results] [data-act]")).to_have_count(1)
    check("households")
    voting.to_review(page)
    check("review")
    voting.cast(page)
    voting.receipt_shown(page)
    check("receipt")
    assert checked == [
        "welcome",
        "code",
        "cadre screen with a line missing",
        "households",
        "review",
        "receipt",
    ]
