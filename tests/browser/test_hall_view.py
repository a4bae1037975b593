"""The hall view on a projector, in a real browser: the count on the spot in Chinese and in Uyghur.

The operator opens the hall at 1920×1080, picks the language with the site's switch, reads the turnout,
and steps with the arrow key to each cadre: the name and the score are those of the public results page.
At 1280×720 nothing overflows the screen on any screen. Without JavaScript the buttons are links.
"""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse
from playwright.sync_api import Browser, Page, expect

from meetings.models import Meeting
from portal.models import Cadre, CadrePost
from ratings.results import services as results_services
from tests.browser.conftest import PASSWORD
from tests.browser.traffic import Traffic
from tests.factories import CadrePostFactory
from tests.worlds import certify, voted_world

pytestmark = pytest.mark.browser

CADRE_0 = ["satisfied"] * 4 + ["basically_satisfied", "dissatisfied"]
VOTES = [lambda cadre, _criterion, grade=grade: grade if cadre == 0 else "dissatisfied" for grade in CADRE_0]
# Long names and posts, as a village's may be: the screen must still hold them.
NAMES = ("阿不都热依木·阿不都克力木", "ئابدۇرېھىم ئابدۇكېرىم ئابدۇللا", "Patigul Ehmetjan Tursunniyaz")
POSTS = (
    (CadrePost.Post.PARTY_SECRETARY, CadrePost.Post.COMMITTEE_DIRECTOR),
    (CadrePost.Post.FIRST_SECRETARY,),
    (CadrePost.Post.COMMITTEE_DEPUTY, CadrePost.Post.PARTY_MEMBER),
)
BIG, SMALL = {"width": 1920, "height": 1080}, {"width": 1280, "height": 720}
OVERFLOW = """() => {
    const root = document.documentElement;
    const body = document.querySelector("[data-hall-screen]:not([hidden]) .hall-body");
    return {
        page: root.scrollWidth > root.clientWidth || root.scrollHeight > root.clientHeight,
        screen: body.scrollWidth > body.clientWidth + 1 || body.scrollHeight > body.clientHeight + 1,
    };
}"""


def assert_accessible(page: Page, name: str) -> None:
    """axe-core finds nothing serious or critical (WCAG A and AA rules)."""
    report = Axe().run(page, options={"resultTypes": ["violations"]})
    bad = [rule for rule in report.response["violations"] if rule["impact"] in {"serious", "critical"}]
    assert not bad, f"{name}:\n" + report.generate_report()


def log_in(page: Page, live_server, username: str) -> None:
    page.goto(live_server.url + reverse("login"))
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.locator("main button[type=submit]").click()
    expect(page).to_have_url(live_server.url + reverse("staff:dashboard"))


@pytest.fixture
def published(county, settings):
    """Six ballots on three cadres with names and posts, computed and published."""
    settings.RESULTS_MIN_GRADED_BALLOTS = 1  # six ballots: every cadre gets a verdict and a rank
    world = voted_world(county, VOTES, cadres=3)
    for cadre, name, posts in zip(world.cadres, NAMES, POSTS, strict=True):
        Cadre.objects.filter(pk=cadre.pk).update(name=name)
        for post in posts:
            CadrePostFactory(cadre=cadre, post=post, term_start=world.meeting.year - 3)
    draft = results_services.results_compute(meeting=world.meeting, by=county.township_admin)
    certify(draft.meeting)
    results_services.results_publish(snapshot=draft, by=county.township_admin)
    return world.meeting


def public_figures(page: Page, live_server, meeting: Meeting) -> list[tuple[str, str]]:
    """Each cadre's name and overall score as the public results page shows them, in rank order."""
    public = page.context.new_page()
    public.goto(live_server.url + reverse("ratings:results", args=[meeting.pk]))
    cards = public.locator("article.card")
    figures = [
        (cards.nth(index).locator("h3 a").inner_text(), cards.nth(index).locator("dd.fs-5").inner_text())
        for index in range(cards.count())
    ]
    public.close()
    return figures


@pytest.mark.parametrize(
    ("language", "direction", "forward"),
    [
        pytest.param("zh-hans", "ltr", "ArrowRight", id="zh-hans"),
        pytest.param("ug", "rtl", "ArrowLeft", id="ug"),
    ],
)
def test_the_hall_steps_through_the_count_as_published(
    live_server, published, staff, traffic: Traffic, language, direction, forward
):
    hall = live_server.url + reverse("ratings:hall", args=[published.pk])
    operator = staff("operator1")
    operator.set_viewport_size(BIG)
    operator.goto(hall)
    operator.locator(f".language-switch button[value='{language}']").click()
    operator.wait_for_load_state("load")
    html = operator.locator("html")
    expect(html).to_have_attribute("lang", language)
    expect(html).to_have_attribute("dir", direction)

    # The turnout: six signed in of six on the roll, four needed, six ballots in the box.
    turnout = operator.locator("#screen-1")
    expect(turnout).to_be_visible()
    for name, value in (("present", "6"), ("roll", "6"), ("required", "4"), ("ballots", "6")):
        expect(turnout.locator(f"[data-figure={name}]")).to_have_text(value)
    expect(turnout.locator(".hall-verdict-met")).to_be_visible()
    assert_accessible(operator, "turnout")

    expected = public_figures(operator, live_server, published)
    # Cadre 0 first; the other two tie (every ballot "dissatisfied") and follow by name.
    assert [name for name, _score in expected] == [NAMES[0], NAMES[2], NAMES[1]]
    for number, (name, score) in enumerate(expected, start=2):
        operator.keyboard.press(forward)
        screen = operator.locator(f"#screen-{number}")
        expect(screen).to_be_visible()
        expect(operator.locator("[data-hall-screen]:visible")).to_have_count(1)
        expect(screen.locator("[data-cadre-name]")).to_have_text(name)
        expect(screen.locator("[data-figure=score]")).to_have_text(score)
        expect(operator).to_have_url(f"{hall}?slide={number}")
    assert_accessible(operator, "a cadre")
    operator.keyboard.press(forward)  # past the last screen: it stays
    expect(operator.locator(f"#screen-{len(expected) + 1}")).to_be_visible()

    # A reload, or a language picked now, stays on the screen shown.
    operator.reload()
    expect(operator.locator(f"#screen-{len(expected) + 1}")).to_be_visible()

    # Nothing overflows, on any screen, at either size: no scroll bar on the projector.
    for size in (BIG, SMALL):
        operator.set_viewport_size(size)
        operator.keyboard.press("Home")
        for number in range(1, len(expected) + 2):
            expect(operator.locator(f"#screen-{number}")).to_be_visible()
            assert operator.evaluate(OVERFLOW) == {"page": False, "screen": False}, (size, number)
            operator.keyboard.press(forward)

    # The language switch keeps the screen the hall is on.
    operator.keyboard.press("Home")
    operator.keyboard.press(forward)
    operator.locator(".language-switch button[value='en']").click()
    operator.wait_for_load_state("load")
    expect(html).to_have_attribute("dir", "ltr")
    expect(operator).to_have_url(f"{hall}?slide=2")
    expect(operator.locator("#screen-2 [data-cadre-name]")).to_have_text(NAMES[0])

    assert traffic.console_errors == []
    assert traffic.failures == []
    assert traffic.external_requests() == []
    assert traffic.server_warnings() == []


def test_without_javascript_the_buttons_are_links(live_server, published, browser: Browser):
    context = browser.new_context(locale="en", java_script_enabled=False)
    page = context.new_page()
    log_in(page, live_server, "moderator1")
    hall = live_server.url + reverse("ratings:hall", args=[published.pk])
    page.goto(hall)
    page.get_by_role("link", name="Next screen").click()
    expect(page).to_have_url(f"{hall}?slide=2")
    expect(page.locator("#screen-2 [data-cadre-name]")).to_have_text(NAMES[0])
    expect(page.locator("#screen-1")).to_be_hidden()
    page.locator("#screen-2").get_by_role("link", name="Previous screen").click()
    expect(page).to_have_url(f"{hall}?slide=1")
    expect(page.locator("#screen-1 [data-figure=present]")).to_have_text("6")
    context.close()


@pytest.mark.parametrize("locale", ["ug"])
def test_the_k_rule_notice_fits_the_screen_in_uyghur(live_server, county, page: Page, traffic: Traffic):
    # Three ballots, fewer than k = 5: the turnout screen says why no cadre follows, in its longest words.
    world = voted_world(county, VOTES[:3])
    results_services.results_compute(meeting=world.meeting, by=county.township_admin)
    page.set_viewport_size(SMALL)
    log_in(page, live_server, "admin1")
    page.goto(live_server.url + reverse("ratings:hall", args=[world.meeting.pk]))
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("#screen-1 .alert")).to_be_visible()
    expect(page.locator("[data-cadre-name]")).to_have_count(0)
    expect(page.locator(".hall-nav")).to_have_count(0)
    assert page.evaluate(OVERFLOW) == {"page": False, "screen": False}
    assert traffic.console_errors == []
