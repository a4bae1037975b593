"""What a villager does on the one-request ballot, for the browser tests of both doors (a terminal, a
phone): open the kiosk, type a code on the keypad, answer the cadre screens, pick households, cast.

Selectors are structural (ids, data attributes, form fields), not words, so that the steps hold in
every language. The ballot page is ratings.ballot.page, run by static/ratings/js/ballot.js.
"""

import re

from django.urls import reverse
from playwright.sync_api import BrowserContext, Locator, Page, expect

from ratings.ballot import codes
from ratings.ballot.terminals import TERMINAL_COOKIE

LANGUAGES = ("zh-hans", "ug", "en")
# The screen of the ballot shown now (ballot.js hides the others).
SHOWN = "form[data-ballot] [data-screen]:not([hidden])"


def url(live_server, name: str, *args) -> str:
    return live_server.url + reverse(f"ratings:{name}", args=args)


def arm(context: BrowserContext, live_server, token: str) -> BrowserContext:
    """Make the browser context an armed terminal, as the operator's "arm this browser" does."""
    context.add_cookies([{"name": TERMINAL_COOKIE, "value": token, "url": live_server.url}])
    return context


def begin(page: Page, live_server, language: str | None = None) -> None:
    """The welcome page, in `language` if given (the page shows itself in it), then Start."""
    page.goto(url(live_server, "kiosk"))
    if language:
        page.click(f"label[for=language-{language}]")
        expect(page.locator("html")).to_have_attribute("lang", language)
    page.click("form[data-welcome] button[type=submit]")
    expect(page).to_have_url(re.compile(re.escape(url(live_server, "kiosk-code"))))


def tap_code(page: Page, code: str) -> None:
    """Type the code on the on-screen keypad and send it."""
    for symbol in code:
        page.click(f'[data-keypad] [data-key="{symbol}"]')
    expect(page.locator("#id_code")).to_have_value(codes.display(code))
    page.click("form[data-code-form] button[type=submit]")


def shown(page: Page) -> Locator:
    return page.locator(SHOWN)


def expect_screen(page: Page, screen_id: str) -> None:
    expect(shown(page)).to_have_count(1)
    expect(shown(page)).to_have_attribute("id", screen_id)


def grade_label(cadre_id: int, line: str, grade_id: int) -> str:
    """The label a finger taps: the field is grade-<cadre>-<line>, line a criterion id or "overall"."""
    return f'label[for="grade-{cadre_id}-{line}-{grade_id}"]'


def line_keys(world) -> list[str]:
    return ["overall"] if world.scheme.quick_mode else [str(criterion.pk) for criterion in world.criteria]


def grade_cadres(
    page: Page, world, pick, *, then: str = "screen-households"
) -> dict[tuple[int, int | None], int]:
    """Answer every line of every cadre screen, one after another, and go on to the households (or to
    `then`: "screen-proposal-1" when households are to be evaluated).

    pick(cadre index, line index) names the grade (its code). Returns the grades as a Ballot holds them.
    """
    chosen = {}
    for index, cadre in enumerate(world.cadres):
        expect_screen(page, f"screen-{index + 1}")
        for line_index, line in enumerate(line_keys(world)):
            grade = world.grades[pick(index, line_index)]
            page.click(grade_label(cadre.pk, line, grade.pk))
            chosen[(cadre.pk, None if line == "overall" else int(line))] = grade.pk
        next_screen(page)
    expect_screen(page, then)
    return chosen


def answer_label(proposal_id: int, answer: str) -> str:
    """The big button of an answer on a household's evaluation: agree, disagree or abstain."""
    return f'label[for="evaluation-{proposal_id}-{answer}"]'


def evaluate_households(page: Page, answers: list[tuple[int, str]]) -> None:
    """Answer each household's screen in turn, (proposal id, answer), and go on to the nominations."""
    for position, (proposal_id, answer) in enumerate(answers, start=1):
        expect_screen(page, f"screen-proposal-{position}")
        page.click(answer_label(proposal_id, answer))
        next_screen(page)
    expect_screen(page, "screen-households")


def next_screen(page: Page, *, tap: bool = False) -> None:
    """Press "Next" on the screen shown, once ballot.js shows one screen at a time."""
    expect(shown(page)).to_have_count(1)
    button = shown(page).locator("[data-next]")
    if tap:
        button.tap()
    else:
        button.click()


def nominate(page: Page, world, name: str):
    """Find a household by part of a resident's name and nominate it."""
    household = world.household_named(name)
    page.fill("#ballot-q", name.split()[0])
    page.click(f'[data-results] [data-act][data-household="{household.pk}"]')
    expect(page.locator(f'[data-chosen] [data-act][data-household="{household.pk}"]')).to_be_visible()
    return household


def to_review(page: Page) -> None:
    expect_screen(page, "screen-households")
    next_screen(page)
    expect_screen(page, "screen-review")


def cast(page: Page) -> None:
    page.click("[data-cast] button[type=submit]")


def receipt_shown(page: Page) -> str:
    code = page.locator("[data-receipt-code], .kiosk-receipt-code")
    expect(code).to_be_visible()
    return code.inner_text().strip()


def ballot_grades(ballot) -> dict[tuple[int, int | None], int]:
    return {(grade.cadre_id, grade.criterion_id): grade.grade_id for grade in ballot.grades.all()}


def every_line(world, cadre, grade: str) -> dict[tuple[int, int | None], int]:
    """One cadre's lines all given `grade`, as a Ballot holds them."""
    return {(cadre.pk, criterion.pk): world.grades[grade].pk for criterion in world.criteria}
