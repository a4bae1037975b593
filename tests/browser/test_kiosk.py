"""The kiosk in a real browser: one villager after another on the same terminal.

Selectors are structural (ids, data attributes, form fields), not words, so that the tests hold in
every language. Timings are shortened through the KIOSK_* settings the pages put in data attributes.
"""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse
from playwright.sync_api import BrowserContext, Page, expect

from ratings.ballot import codes
from ratings.ballot.terminals import TERMINAL_COOKIE
from ratings.models import Ballot, BallotCode, BallotGrade, BallotNomination
from tests.browser.traffic import Traffic
from tests.worlds import build_kiosk_world

pytestmark = pytest.mark.browser

LANGUAGES = ("zh-hans", "ug", "en")
BAD_IMPACTS = {"serious", "critical"}
# Every target a finger uses; inputs too, since a villager taps them before typing.
TARGETS = (
    "button:visible, a.btn:visible, label.kiosk-grade:visible, label.kiosk-option:visible, "
    "input[type=text]:visible, input[type=search]:visible"
)
# Sizes, in CSS pixels, of every visible tap target and every visible piece of text on the page.
MEASURE = """() => {
    const visible = (element) => {
        const box = element.getBoundingClientRect();
        const style = getComputedStyle(element);
        return box.width > 0 && box.height > 0 && style.visibility !== "hidden"
            && !element.closest(".visually-hidden, .visually-hidden-focusable, dialog:not([open])");
    };
    const targets = [...document.querySelectorAll(
        "main button, header button, main a.btn, label.kiosk-grade, label.kiosk-option, "
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
    context.add_cookies([{"name": TERMINAL_COOKIE, "value": world.token, "url": live_server.url}])
    return context


def kiosk_url(live_server, name: str, *args) -> str:
    return live_server.url + reverse(f"ratings:{name}", args=args)


def begin(page: Page, live_server, language: str | None = None) -> None:
    page.goto(kiosk_url(live_server, "kiosk"))
    if language:
        page.click(f"label[for=language-{language}]")  # the page shows itself in that language
        expect(page.locator("html")).to_have_attribute("lang", language)
    page.click("form[data-welcome] button[type=submit]")
    expect(page).to_have_url(kiosk_url(live_server, "kiosk-code"))


def tap_code(page: Page, code: str) -> None:
    for symbol in code:
        page.click(f'[data-keypad] [data-key="{symbol}"]')
    expect(page.locator("#id_code")).to_have_value(codes.display(code))
    page.click("form[data-code-form] button[type=submit]")


def grade_all(page: Page, live_server, world, pick) -> dict:
    """Tap a grade on every line of every cadre; pick(position, line index) names the grade."""
    chosen = {}
    for position, cadre in enumerate(world.cadres, start=1):
        expect(page).to_have_url(kiosk_url(live_server, "kiosk-cadre", position))
        for index, criterion in enumerate(world.criteria):
            grade = world.grades[pick(position, index)]
            page.click(f'label[for="grade-{criterion.pk}-{grade.pk}"]')
            chosen[(cadre.pk, criterion.pk)] = grade.pk
        page.click("form.kiosk-form button[type=submit]")
    return chosen


def nominate(page: Page, live_server, world, name: str):
    expect(page).to_have_url(kiosk_url(live_server, "kiosk-nominate"))
    household = world.household_named(name)
    page.fill("#kiosk-q", name.split()[0])
    page.press("#kiosk-q", "Enter")
    page.click(f'button[name=household][value="{household.pk}"]')
    expect(page.locator(f'button[name=remove][value="{household.pk}"]')).to_be_visible()
    return household


def assert_nothing_of(page: Page, receipt: str, searched: str) -> None:
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.locator("body")).to_have_class(re.compile(r"\bkiosk-text-normal\b"))
    expect(page.locator("input[name^=grade-]:checked")).to_have_count(0)
    expect(page.locator("[data-receipt-code]")).to_have_count(0)
    content = page.content()
    assert receipt not in content
    assert searched not in content


def test_two_villagers_in_a_row_see_nothing_of_each_other(
    terminal: BrowserContext, page: Page, live_server, world, settings, traffic: Traffic
):
    settings.KIOSK_RECEIPT_SECONDS = 3

    # The first villager, in Uyghur and large text, types the code on the keypad.
    page.goto(kiosk_url(live_server, "kiosk"))
    page.click("label[for=language-ug]")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    page.click("label[for=text-size-large]")
    expect(page.locator("body")).to_have_class(re.compile(r"\bkiosk-text-large\b"))
    page.click("form[data-welcome] button[type=submit]")
    for key in ("X", "Y", "Z", "W", "V", "T"):
        page.click(f'[data-keypad] [data-key="{key}"]')
    expect(page.locator("#id_code")).to_have_value("XYZWV-T")
    page.click("[data-keypad-delete]")
    expect(page.locator("#id_code")).to_have_value("XYZWV")
    page.click("[data-keypad-clear]")
    expect(page.locator("#id_code")).to_have_value("")
    tap_code(page, world.codes[0])
    first = grade_all(page, live_server, world, lambda position, index: "dissatisfied")
    household = nominate(page, live_server, world, "Rozi Niyaz")
    page.click("a.kiosk-btn-next")
    expect(page).to_have_url(kiosk_url(live_server, "kiosk-review"))
    expect(page.locator(".kiosk-review-cadre")).to_have_count(len(world.cadres))
    page.click(".kiosk-btn-cast")
    expect(page).to_have_url(kiosk_url(live_server, "kiosk-receipt"))
    receipt = page.locator("[data-receipt-code]").inner_text().strip()
    assert Ballot.objects.get().receipt == receipt
    # The receipt hides itself and the screen goes back to the welcome page, in the default language.
    expect(page.locator("[data-receipt-code]")).to_be_hidden(timeout=8_000)
    expect(page).to_have_url(kiosk_url(live_server, "kiosk"))
    assert_nothing_of(page, receipt, "Rozi")

    # The second villager looks back, reloads, opens a tab: nothing of the first.
    for _step in range(4):
        page.go_back()
        assert_nothing_of(page, receipt, "Rozi")
    page.reload()
    assert_nothing_of(page, receipt, "Rozi")
    tab = terminal.new_page()
    tab.goto(kiosk_url(live_server, "kiosk-review"))
    expect(tab).to_have_url(kiosk_url(live_server, "kiosk"))
    assert_nothing_of(tab, receipt, "Rozi")
    tab.close()

    # The second villager votes, in the default language.
    begin(page, live_server)
    tap_code(page, world.codes[1])
    expect(page).to_have_url(kiosk_url(live_server, "kiosk-cadre", 1))
    page.go_back()  # back to the code page: it moves on, the code is already accepted
    expect(page).to_have_url(kiosk_url(live_server, "kiosk-cadre", 1))
    expect(page.locator("input[name^=grade-]:checked")).to_have_count(0)
    second = grade_all(page, live_server, world, lambda position, index: "satisfied")
    page.click("a.kiosk-btn-next")
    page.click(".kiosk-btn-cast")
    expect(page).to_have_url(kiosk_url(live_server, "kiosk-receipt"))
    expect(page).to_have_url(kiosk_url(live_server, "kiosk"), timeout=8_000)

    assert Ballot.objects.count() == 2
    assert BallotCode.objects.filter(status=BallotCode.Status.USED).count() == 2
    ballots = {
        ballot.receipt: {(g.cadre_id, g.criterion_id): g.grade_id for g in ballot.grades.all()}
        for ballot in Ballot.objects.prefetch_related("grades")
    }
    assert ballots[receipt] == first
    assert sorted(ballots.values(), key=str) == sorted([first, second], key=str)
    assert list(BallotNomination.objects.values_list("household_id", flat=True)) == [household.pk]
    assert traffic.console_errors == []
    assert traffic.failures == []


def test_an_abandoned_ballot_asks_then_clears_itself(
    terminal: BrowserContext, page: Page, live_server, world, settings
):
    settings.KIOSK_IDLE_SECONDS = 2
    settings.KIOSK_IDLE_GRACE_SECONDS = 3
    begin(page, live_server, "en")
    tap_code(page, world.codes[0])
    criterion, grade = world.criteria[0], world.grades["dissatisfied"]
    page.click(f'label[for="grade-{criterion.pk}-{grade.pk}"]')

    # Still there: the villager answers the question and goes on.
    dialog = page.locator("#kiosk-idle")
    expect(dialog).to_be_visible(timeout=8_000)
    page.click("[data-idle-continue]")
    expect(dialog).to_be_hidden()
    expect(page).to_have_url(kiosk_url(live_server, "kiosk-cadre", 1))
    expect(page.locator(f"#grade-{criterion.pk}-{grade.pk}")).to_be_checked()

    # Gone: the question goes unanswered, the ballot is cleared and the code stays unused.
    expect(dialog).to_be_visible(timeout=8_000)
    expect(page).to_have_url(kiosk_url(live_server, "kiosk"), timeout=8_000)
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    page.goto(kiosk_url(live_server, "kiosk-cadre", 1))
    expect(page).to_have_url(kiosk_url(live_server, "kiosk"))
    assert not BallotGrade.objects.exists()
    assert BallotCode.objects.filter(status=BallotCode.Status.USED).count() == 0


def test_the_code_can_be_scanned_where_there_is_a_camera(
    terminal: BrowserContext, page: Page, live_server, world
):
    begin(page, live_server)
    expect(page.locator("[data-qr-scan]")).to_be_hidden()  # this Chromium has no BarcodeDetector

    scanner = terminal.new_page()
    scanner.add_init_script(FAKE_CAMERA)
    scanner.goto(kiosk_url(live_server, "kiosk-code"))
    scanner.evaluate(f"window.__slip = {world.codes[1]!r}")
    scanner.click("[data-qr-scan]")
    expect(scanner).to_have_url(kiosk_url(live_server, "kiosk-cadre", 1))


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

    page.goto(kiosk_url(live_server, "kiosk") + f"?language={language}")
    expect(page.locator("html")).to_have_attribute("lang", language)
    check("welcome")
    page.click("form[data-welcome] button[type=submit]")
    check("code")
    tap_code(page, world.codes[LANGUAGES.index(language)])
    page.click("form.kiosk-form button[type=submit]")  # nothing chosen: the page says what is missing
    expect(page.locator(".kiosk-alert")).to_be_visible()
    check("cadre with errors")
    # The keyboard's focus is visible on the grade buttons: a thick outline around the label.
    page.locator("input.btn-check").first.focus()
    page.keyboard.press("ArrowRight")
    outline = page.evaluate(
        "() => { const label = document.querySelector(`label[for='${document.activeElement.id}']`);"
        " const style = getComputedStyle(label);"
        " return [style.outlineStyle, parseFloat(style.outlineWidth)]; }"
    )
    assert outline[0] != "none" and outline[1] >= 3, outline
    grade_all(page, live_server, world, lambda position, index: ["satisfied", "dont_know"][index % 2])
    nominate(page, live_server, world, "Aygul Tursun")
    page.fill("#kiosk-q", "Mamat")
    page.press("#kiosk-q", "Enter")
    check("nominate")
    page.click("a.kiosk-btn-next")
    check("review")
    page.click(".kiosk-btn-cast")
    expect(page.locator("[data-receipt-code]")).to_be_visible()
    check("receipt")
    assert checked == ["welcome", "code", "cadre with errors", "nominate", "review", "receipt"]
