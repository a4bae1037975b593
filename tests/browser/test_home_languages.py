"""The home page in Chinese, Uyghur and English, as a browser shows it.

The language comes from the browser (Accept-Language) until the visitor picks one with the switch,
which a cookie then remembers. Uyghur is right to left and needs Bootstrap's RTL stylesheet; every
page is served from this machine alone (the venue may have no internet).
"""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.traffic import Traffic

pytestmark = pytest.mark.browser

# What each language's heading is written in: a heading left untranslated is English (Latin) text.
SCRIPTS = {
    "zh-hans": re.compile(r"[\u4e00-\u9fff]"),  # CJK ideographs
    "ug": re.compile(r"[\u0600-\u06ff\ufb50-\ufeff]"),  # Arabic script
    "en": re.compile(r"^[\x20-\x7e’]+$"),  # plain Latin
}
# The fonts the CI machine installs for each script (fonts-noto-cjk, fonts-ukij-uyghur, fonts-noto-core).
FONTS = {
    "zh-hans": re.compile(r"CJK"),
    "ug": re.compile(r"UKIJ|Arabic"),
}
# Bootstrap's `ms-3` (margin at the start of the line): on the left in LTR, on the right in RTL.
START_MARGIN_PROBE = """() => {
    const probe = document.createElement("span");
    probe.className = "ms-3";
    document.body.append(probe);
    const {marginLeft, marginRight} = getComputedStyle(probe);
    probe.remove();
    return {left: marginLeft, right: marginRight};
}"""


def heading(page: Page) -> str:
    return page.locator("h1").inner_text().strip()


def heading_fonts(page: Page) -> list[str]:
    """The platform fonts Chromium drew the heading's text with."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument")["root"]["nodeId"]
    node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": "h1"})["nodeId"]
    fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    cdp.detach()
    return [font["familyName"] for font in fonts]


def assert_shown_in(page: Page, lang: str, direction: str) -> None:
    # After a click on the switch the new document may be parsed before its stylesheets are applied.
    page.wait_for_load_state("load")
    html = page.locator("html")
    assert html.get_attribute("lang") == lang
    assert html.get_attribute("dir") == direction

    stylesheets = page.eval_on_selector_all("link[rel=stylesheet]", "links => links.map(link => link.href)")
    rtl_sheets = [href for href in stylesheets if "bootstrap.rtl.min.css" in href]
    assert len(rtl_sheets) == (1 if direction == "rtl" else 0), stylesheets
    # Loaded and applied, not merely linked: Bootstrap's start margin is on the side the text starts.
    margins = page.evaluate(START_MARGIN_PROBE)
    start, end = ("right", "left") if direction == "rtl" else ("left", "right")
    assert margins[start] != "0px", margins
    assert margins[end] == "0px", margins

    text = heading(page)
    assert SCRIPTS[lang].search(text), f"the <h1> is not in {lang}: {text!r}"
    if lang in FONTS:
        fonts = heading_fonts(page)
        assert any(FONTS[lang].search(font) for font in fonts), f"{lang} heading drawn with {fonts}"


def assert_icon_resolves(page: Page) -> None:
    """Chromium fetches the tab's icon on its own, unseen by the page's events (and not always before
    a test ends): ask for it the same way, so that a missing icon is a 404 every time, not sometimes."""
    icon = page.evaluate(
        "document.querySelector('link[rel~=icon]')?.href ?? new URL('/favicon.ico', location).href"
    )
    if not icon.startswith("data:"):
        assert page.request.get(icon).status == 200, f"the page's icon {icon} is missing"


def assert_local_and_clean(traffic: Traffic) -> None:
    assert traffic.requests, "the page made no request at all"
    assert traffic.external_requests() == [], "a request left this machine"
    assert traffic.failures == []
    assert traffic.console_errors == []
    assert traffic.server_warnings() == []


@pytest.mark.parametrize(
    ("locale", "lang", "direction"),
    [
        pytest.param("zh-Hans", "zh-hans", "ltr", id="zh-hans"),
        pytest.param("ug", "ug", "rtl", id="ug"),
        pytest.param("en", "en", "ltr", id="en"),
    ],
)
def test_home_page_follows_the_browsers_language(live_server, county, page, traffic, lang, direction):
    page.goto(live_server.url)

    assert_shown_in(page, lang, direction)
    expect(page.get_by_role("link", name="Bostan")).to_be_visible()
    if direction == "rtl":
        assert traffic.statuses("bootstrap.rtl.min.css") == [200]
    else:
        assert traffic.statuses("bootstrap.min.css") == [200]
        assert traffic.statuses("bootstrap.rtl.min.css") == []
    assert_icon_resolves(page)
    assert_local_and_clean(traffic)


def test_language_switch_is_remembered_over_the_browsers_language(live_server, county, page, traffic):
    # The browser asks for Chinese (the `locale` fixture): the switch must win over it, and stay.
    page.goto(live_server.url)
    assert_shown_in(page, "zh-hans", "ltr")
    headings = {"zh-hans": heading(page)}

    for lang, direction in [("ug", "rtl"), ("en", "ltr"), ("zh-hans", "ltr")]:
        page.locator(f'.language-switch button[value="{lang}"]').click()
        expect(page.locator("html")).to_have_attribute("lang", lang)
        assert_shown_in(page, lang, direction)
        page.reload()
        assert_shown_in(page, lang, direction)
        cookies = {cookie["name"]: cookie["value"] for cookie in page.context.cookies()}
        assert cookies["django_language"] == lang
        headings.setdefault(lang, heading(page))
        assert heading(page) == headings[lang]

    assert len(set(headings.values())) == 3, headings
    assert_local_and_clean(traffic)
