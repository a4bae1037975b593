"""A work report from the cadre's keyboard to the public page, in a real browser.

The cadre writes and submits, then writes its Uyghur version; the village moderator approves and
publishes both, and a visitor reads the Chinese version on a Chinese page and the Uyghur one, right to
left, on a Uyghur page. A script hidden in the text must stay text all the way.
"""

import datetime

import pypdfium2
import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Browser, expect

from meetings import services
from meetings.models import Meeting, WorkReport
from tests.factories import CadreFactory, CadrePostFactory

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery staple"  # tests.factories.UserFactory
PAYLOAD = '<script>window.pwned = 1</script><img src=x onerror="window.pwned = 2">'
# The Uyghur version quotes a Chinese name, with its punctuation.
UYGHUR_DUTIES = "مەن 艾尔肯（书记）بولۇپ، پارتىيە ياچېيكىسىنىڭ ئومۇمىي خىزمىتىگە مەسئۇل."


@pytest.fixture
def announced_meeting(county):
    cadre = CadreFactory(village=county.village, name="艾尔肯·吐尔逊", user=county.cadre)
    CadrePostFactory(cadre=cadre, post="party_secretary")
    meeting = services.meeting_create(
        village=county.village,
        year=2026,
        held_at=timezone.now() + datetime.timedelta(days=7),
        venue="村党群服务中心",
        kind=Meeting.Kind.VILLAGERS_ASSEMBLY,
        cadres=[cadre],
        by=county.township_admin,
    )
    return services.meeting_announce(meeting=meeting, by=county.operator)


def pdf_text(pdf: bytes) -> str:
    document = pypdfium2.PdfDocument(pdf)
    try:
        return " ".join(page.get_textpage().get_text_range() for page in document)
    finally:
        document.close()


def log_in(browser: Browser, base_url: str, username: str):
    context = browser.new_context(locale="en")
    page = context.new_page()
    page.goto(base_url + reverse("login"))
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.locator("main button[type=submit]").click()
    expect(page).to_have_url(base_url + reverse("staff:dashboard"))
    return context, page


def test_cadre_writes_moderator_publishes_public_reads_in_chinese_and_uyghur(
    live_server, browser, county, announced_meeting
):
    # The cadre: from the dashboard to a submitted report.
    context, page = log_in(browser, live_server.url, "cadre1")
    page.get_by_role("link", name="My work reports").click()
    page.get_by_role("link", name="Write your report").click()
    page.fill("#id_duties", "主持村党支部全面工作。")
    page.fill("#id_achievements", "| 指标 | 数值 |\n| --- | --- |\n| 人均收入 | 16800 元 |")
    page.fill("#id_shortcomings", PAYLOAD)
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".alert-success")).to_be_visible()
    page.get_by_role("button", name="Submit to the moderator").click()
    report = WorkReport.objects.get(meeting=announced_meeting)
    assert report.status == WorkReport.Status.SUBMITTED
    # Its Uyghur version, from the language tab, typed right to left.
    page.get_by_role("link", name="ئۇيغۇرچە").click()
    assert page.locator("#id_duties").evaluate("e => getComputedStyle(e).direction") == "rtl"
    page.fill("#id_duties", UYGHUR_DUTIES)
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".alert-success")).to_be_visible()
    page.get_by_role("button", name="Submit to the moderator").click()
    uyghur = WorkReport.objects.get(meeting=announced_meeting, language=WorkReport.Language.UYGHUR)
    assert uyghur.status == WorkReport.Status.SUBMITTED
    context.close()

    # The moderator of the village: approve, then publish, each version.
    context, page = log_in(browser, live_server.url, "moderator1")
    page.goto(live_server.url + reverse("meetings:moderation-reports"))
    page.get_by_role("link", name="艾尔肯·吐尔逊").first.click()
    page.get_by_role("button", name="Approve").click()
    page.get_by_role("button", name="Publish").click()
    page.goto(live_server.url + reverse("meetings:moderation-report", args=[uyghur.pk]))
    expect(page.get_by_text("Version: Uyghur")).to_be_visible()
    page.get_by_role("button", name="Approve").click()
    page.get_by_role("button", name="Publish").click()
    for version in (report, uyghur):
        version.refresh_from_db()
        assert version.status == WorkReport.Status.PUBLISHED
    context.close()

    # The public, with no account, in each language.
    for locale, lang, direction, section_heading in (
        ("zh-Hans", "zh-hans", "ltr", "岗位职责"),
        ("ug", "ug", "rtl", "ۋەزىپە-مەسئۇلىيىتى"),
    ):
        context = browser.new_context(locale=locale)
        page = context.new_page()
        requests = []
        page.on("request", lambda request, seen=requests: seen.append(request.url))
        page.goto(live_server.url + report.get_absolute_url())
        assert page.locator("html").get_attribute("lang") == lang
        assert page.locator("html").get_attribute("dir") == direction
        expect(page.get_by_role("heading", name=section_heading)).to_be_visible()
        if locale != "ug":
            expect(page.get_by_text("主持村党支部全面工作。")).to_be_visible()
            expect(page.locator("table").get_by_text("16800 元")).to_be_visible()  # Markdown rendered
            expect(page.get_by_text("window.pwned = 1", exact=False)).to_be_visible()  # shown as text
        assert page.evaluate("window.pwned") is None  # and never run
        assert not [url for url in requests if not url.startswith(live_server.url) and "data:" not in url]
        if locale == "ug":
            text = page.locator(".report-text").first
            expect(text).to_contain_text("پارتىيە ياچېيكىسىنىڭ")
            assert text.evaluate("e => getComputedStyle(e).direction") == "rtl"
            assert text.locator("bdi").inner_text() == "艾尔肯（书记）"
            # Printed on A4 for the board: the Uyghur version, without the links of the screen. (The PDF's
            # text of a right-to-left line comes in the order it is drawn: its words may read backwards.)
            printed = pdf_text(page.pdf(format="A4"))
            assert "ياچېيكىسىنىڭ" in printed or "ياچېيكىسىنىڭ"[::-1] in printed
            assert "艾尔肯" in printed and "简体中文" not in printed
            link = page.locator("article").get_by_role("link", name="简体中文")
            results = Axe().run(page, options={"resultTypes": ["violations"]}).response["violations"]
            assert not [rule["id"] for rule in results if rule["impact"] in {"serious", "critical"}]
        else:
            link = page.locator("article").get_by_role("link", name="ئۇيغۇرچە")
        link.click()
        expect(page.locator(".report-text").first).to_have_attribute(
            "dir", "ltr" if locale == "ug" else "rtl"
        )
        if locale == "ug":  # the Chinese version, asked for on a Uyghur page, is the Chinese text
            expect(page.get_by_text("主持村党支部全面工作。")).to_be_visible()
        context.close()
