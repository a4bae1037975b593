"""A cadre's screen of the ballot fits a terminal's screen: no scrolling on a tablet or PC held either
way (1280×800 landscape, 800×1280 portrait), in normal text, in Chinese and in Uyghur, with the
default scale (four grades) and the competence scale (five), every target still 48 px and more.

The cadre measured has the longest head a ballot gives: two posts held at once (一肩挑) and the
opening of a published report under the name. The screen is measured as it first shows, and again
with the alert that says a line is missing.
"""

import pytest
from playwright.sync_api import Browser, Page, expect

from meetings.models import Meeting
from portal.models import CadrePost
from ratings.ballot import schemes
from tests.browser import voting
from tests.browser.voting import url
from tests.factories import CadrePostFactory
from tests.worlds import build_kiosk_world

pytestmark = pytest.mark.browser

SCREENS = {"landscape": {"width": 1280, "height": 800}, "portrait": {"width": 800, "height": 1280}}
# The page's height against the window's, and the smallest target of the cadre's screen.
MEASURE = """() => {
    const targets = [...document.querySelectorAll(
        "[data-screen]:not([hidden]) :is(label.ballot-grade, button), header button"
    )].map((element) => element.getBoundingClientRect()).filter((box) => box.width > 0);
    return {
        height: document.scrollingElement.scrollHeight,
        window: window.innerHeight,
        used: Math.ceil(document.querySelector("main").getBoundingClientRect().bottom),
        targets: targets.length,
        smallest: Math.min(...targets.map((box) => Math.min(box.width, box.height))),
    };
}"""


@pytest.fixture(params=["satisfaction", "competence"])
def world(request, county):
    world = build_kiosk_world(county, cadres=2, codes=1)
    CadrePostFactory(
        cadre=world.cadres[0], post=CadrePost.Post.COMMITTEE_DIRECTOR, term_start=world.meeting.year - 3
    )
    if request.param == "competence":
        # Set before the page is first rendered: voting is open, the scheme is frozen to everyone else.
        scheme = schemes.scheme_create(name="Competence scale", competence_scale=True)
        Meeting.objects.filter(pk=world.meeting.pk).update(scheme=scheme)
    return world


def measure(page: Page, what: str) -> dict:
    sizes = page.evaluate(MEASURE)
    print(what, sizes)  # the figures, for `pytest -s`
    assert sizes["height"] <= sizes["window"], (what, sizes)
    assert sizes["targets"] and sizes["smallest"] >= 48, (what, sizes)
    return sizes


@pytest.mark.parametrize("language", ["zh-hans", "ug"])
def test_a_cadre_screen_fits_without_scrolling(browser: Browser, live_server, world, language):
    grades = Meeting.objects.get(pk=world.meeting.pk).scheme.grades.count()
    for orientation, viewport in SCREENS.items():
        context = voting.arm(browser.new_context(viewport=viewport), live_server, world.token)
        context.set_default_timeout(10_000)
        page = context.new_page()
        page.goto(url(live_server, "kiosk") + f"?language={language}")
        page.click("form[data-welcome] button[type=submit]")
        voting.tap_code(page, world.codes[0])  # checked, not spent: every context may use it
        voting.expect_screen(page, "screen-1")
        expect(page.locator("html")).to_have_attribute("lang", language)
        expect(voting.shown(page).locator(".ballot-cadre-post")).to_contain_text("·")  # two posts
        expect(voting.shown(page).locator(".ballot-summary")).to_be_visible()
        expect(voting.shown(page).locator("[data-same-grade]")).to_have_count(grades)
        what = f"{language} {orientation} {grades} grades"
        measure(page, what)
        voting.next_screen(page)
        expect(voting.shown(page).locator("[data-missing-alert]")).to_be_visible()
        measure(page, f"{what}, a line missing")
        context.close()
