"""Every page the README's tour visits, in Uyghur, and the staff pages no other browser test opens, in
Uyghur and Chinese, on a phone-sized screen (360 × 740), from one `seed_demo`: axe-core finds nothing
serious or critical, and nothing scrolls the page sideways (a wide table scrolls in its own region).

The tour itself checks its pages in Chinese (test_readme_tour.py); the ballot on a terminal is
checked in both languages by test_kiosk.py. Here: also the search box and its button on one line,
the public results folded to a phone's length, and the printed code slips' instructions at 10 pt and
more, none cut off.
"""

import datetime
from io import StringIO

import pytest
from axe_playwright_python.base import AxeResults
from axe_playwright_python.sync_playwright import Axe
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from playwright.sync_api import Browser, Page, expect

from meetings.demo import LAST_YEAR, THIS_YEAR, TOUR_VILLAGE
from meetings.models import Attendance, Meeting
from portal.demo import DEMO_PASSWORD
from portal.models import Resident, Village
from ratings.ballot.schemes import scheme_create
from ratings.models import RatingScheme, ResultSnapshot
from tests.browser.traffic import Traffic, record_traffic

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}
SAMPLE_ROLL = "docs/samples/huamingce-bostan.xlsx"
# WCAG 2.2 A and AA, the rules that can be serious or critical on these pages; axe's best practices
# (moderate or minor at most here) are left out to keep the test quick.
AXE_OPTIONS = {
    "resultTypes": ["violations"],
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]},
}
# How far the page scrolls sideways, in CSS pixels: 0 when everything fits the screen's width.
SIDEWAYS = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
# The elements that stick out of the page's width, to say what to fix.
STICKING_OUT = """() => [...document.querySelectorAll('body *')].map(element => {
    const box = element.getBoundingClientRect();
    const name = `${element.tagName.toLowerCase()}.${[...element.classList].join('.')}`;
    return {box, where: `${name} ${Math.round(box.left)}..${Math.round(box.right)}`};
}).filter(({box}) => box.width && (box.right > document.documentElement.clientWidth + 0.5 || box.left < -0.5))
  .slice(0, 5).map(({where}) => where)"""
# How many lines a table cell's text takes.
LINES = """cell => {
    const style = getComputedStyle(cell);
    const text = cell.clientHeight - parseFloat(style.paddingTop) - parseFloat(style.paddingBottom);
    return Math.round(text / parseFloat(style.lineHeight));
}"""
# Each slip's text boxes, as printed: their font sizes in points, and whether the slip cuts any off.
PRINTED_SLIPS = """() => [...document.querySelectorAll('.slip')].map(slip => {
    const edge = slip.getBoundingClientRect().bottom;
    const texts = [...slip.querySelectorAll('p')];
    return {
        instruction_pt: texts.filter(p => p.matches('.slip-instruction'))
            .map(p => Math.round(parseFloat(getComputedStyle(p).fontSize) * 72 / 96 * 10) / 10),
        cut: texts.filter(p => p.getBoundingClientRect().bottom > edge + 0.5).map(p => p.className),
    };
})"""


def translated(language: str, text: str) -> str:
    with translation.override(language):
        return gettext(text)


class Visit:
    """One browser context in one language at a phone's size; `check` runs axe and measures."""

    def __init__(self, browser: Browser, live_server, traffic: Traffic, language: str):
        self.url = live_server.url
        self.language = language
        self.context = browser.new_context(locale="zh-Hans", viewport=PHONE)
        self.context.add_cookies([{"name": "django_language", "value": language, "url": self.url}])
        self.context.set_default_timeout(15_000)
        # axe-core loaded with every page, not sent again for each check.
        self.context.add_init_script(Axe().axe_script)
        self.page = record_traffic(self.context.new_page(), traffic)

    def open(self, path: str, name: str, *, axe: bool = True) -> Page:
        self.page.goto(self.url + path)
        self.check(name, axe=axe)
        return self.page

    def check(
        self, name: str, *, within: list[str] | None = None, fits: bool = True, axe: bool = True
    ) -> None:
        """axe-core on the page, or only `within` these selectors; `fits`: nothing scrolls sideways."""
        where = f"{self.language} {name} ({self.page.url})"
        assert self.page.locator("html").get_attribute("lang") == self.language, where
        if axe:
            self.axe(where, within)
        if fits:
            assert self.page.evaluate(SIDEWAYS) <= 0, (
                f"{where} scrolls sideways: {self.page.evaluate(STICKING_OUT)}"
            )

    def axe(self, where: str, within: list[str] | None) -> None:
        context = {"include": [[selector] for selector in within]} if within else None
        response = self.page.evaluate(
            "([context, options]) => axe.run(context ?? document, options)", [context, AXE_OPTIONS]
        )
        report = AxeResults(response)
        bad = [rule for rule in response["violations"] if rule["impact"] in {"serious", "critical"}]
        assert not bad, f"{where}:\n" + report.generate_report()

    def log_in(self, username: str, *, check: bool = True) -> None:
        self.page.goto(self.url + reverse("login"))
        if check:
            self.check("login")
        self.page.fill("#id_username", username)
        self.page.fill("#id_password", DEMO_PASSWORD)
        self.page.locator("main button[type=submit]").click()
        expect(self.page).to_have_url(self.url + reverse("staff:dashboard"))
        if check:
            self.check("dashboard")

    def search_on_one_line(self, form: str) -> None:
        """The search box and its button side by side, the button's word on one line."""
        field, button = self.page.locator(form).evaluate(
            "form => [form.querySelector('input:not([type=hidden])'), form.querySelector('button')]"
            ".map(element => element.getBoundingClientRect().toJSON())"
        )
        assert abs(button["y"] - field["y"]) < 2 and abs(button["height"] - field["height"]) < 2, (
            self.language,
            field,
            button,
        )

    def staff_pages_no_other_test_opens(self, village: Village, scheme: RatingScheme) -> None:
        code = village.code
        self.open(reverse("staff:accounts", args=[code]), "staff accounts")
        self.open(reverse("ratings:schemes"), "rating schemes")
        self.open(reverse("ratings:scheme", args=[scheme.pk]), "scheme editor")
        today = timezone.localdate().isoformat()
        self.open(reverse("staff:audit") + f"?action=role_grant&first=2000-01-01&last={today}", "audit log")
        self.open(reverse("staff:supervision", args=[code]), "supervision committee")
        self.open(reverse("staff:venue-keys", args=[code]), "venue laptops")
        self.page.goto(self.url + reverse("staff:roll-import", args=[code]))
        self.page.set_input_files("main input[type=file]", SAMPLE_ROLL)
        self.page.locator("main form [type=submit]").first.click()
        expect(self.page.locator("#roll-import-columns")).to_be_visible()
        self.check("roll import preview")

    def print_slips(self, name: str) -> None:
        """As printed on A4: every instruction at 10 pt or more, every line inside its slip."""
        self.page.emulate_media(media="print")
        slips = self.page.evaluate(PRINTED_SLIPS)
        self.page.emulate_media(media="no-override")
        assert slips, name
        for slip in slips:
            assert slip["instruction_pt"] and min(slip["instruction_pt"]) >= 10, (name, slip)
            assert slip["cut"] == [], (name, slip)


def test_pages_pass_axe_in_uyghur_and_chinese_and_fit_a_phone(live_server, browser, traffic, settings):
    call_command("seed_demo", stdout=StringIO())
    village = Village.objects.get(code=TOUR_VILLAGE)
    meeting = Meeting.objects.in_village(village).get(year=THIS_YEAR)
    last = Meeting.objects.in_village(village).get(year=LAST_YEAR)
    scheme = scheme_create(name="2027", township=village.township)
    # Last year's results back under notice, so that the home page shows its notice of them; phones
    # allowed and reachable, so that the slips carry their longest instructions.
    ResultSnapshot.objects.filter(meeting=last, status=ResultSnapshot.Status.FINAL).update(
        status=ResultSnapshot.Status.PUBLISHED,
        finalized_at=None,
        notice_ends=timezone.localdate() + datetime.timedelta(days=7),
    )
    Meeting.objects.filter(pk=meeting.pk).update(phones_allowed=True)
    settings.PHONE_BASE_URL = "http://192.168.137.1:8000"
    newcomer = (
        Resident.objects.in_village(village)
        .on_roll()
        .representatives()
        .exclude(pk__in=Attendance.objects.filter(meeting=meeting).values("resident"))
        .order_by("pk")
        .first()
    )

    # Uyghur: the tour's pages, public then staff, and the staff pages no other test opens.
    ug = Visit(browser, live_server, traffic, "ug")
    expect(ug.open(reverse("home"), "home").locator("#notice-heading")).to_be_visible()
    ug.open(reverse("village", args=[village.code]), "village")
    ug.open(meeting.get_absolute_url(), "meeting")
    ug.open(last.get_absolute_url(), "last year's meeting")
    ug.open(reverse("meetings:commitments", args=[village.code]), "commitments")
    ug.open(reverse("ratings:results", args=[last.pk]), "public results")
    ug.log_in("township-admin")
    control = ug.open(reverse("meetings:staff-meeting", args=[meeting.pk]), "meeting control")
    ug.search_on_one_line("form[role=search]")
    control.fill("#sign-in-q", newcomer.name)
    control.locator("#sign-in-q").press("Enter")
    row = control.locator("#sign-in table tbody tr", has_text=newcomer.name).first
    row.get_by_role("button", name=translated("ug", "Sign in and hand out a code")).click()
    expect(control.locator(".slip-code")).to_be_visible()
    ug.check("code slip")
    ug.print_slips("code slip")
    # Signing in is over at last year's meeting: its long lists still scroll by keyboard (hundreds of
    # rows: axe checks these two only).
    ug.page.goto(ug.url + reverse("meetings:staff-meeting", args=[last.pk]))
    ug.check("meeting control, closed", within=[".attendance-list", ".poll-book"])
    ug.open(reverse("ratings:terminals", args=[meeting.pk]), "terminals")
    ug.open(reverse("ratings:staff-honor", args=[last.pk]), "honor roll")
    ug.open(reverse("ratings:staff-results", args=[last.pk]), "results review")
    ug.open(reverse("ratings:certificate", args=[last.pk]), "closure certificate")
    ug.staff_pages_no_other_test_opens(village, scheme)
    ug.context.close()

    # Chinese: the same staff pages and the public results with axe; the lists only for their width
    # (axe's Chinese pass of the tour's pages is test_readme_tour.py's); a printed batch of slips.
    zh = Visit(browser, live_server, traffic, "zh-hans")
    zh.open(reverse("meetings:village-meetings", args=[village.code]), "village's meetings", axe=False)
    zh.open(reverse("ratings:township-ranking", args=[village.township.pk]), "township ranking", axe=False)
    results = zh.open(reverse("ratings:results", args=[last.pk]), "public results")
    # Each cadre's breakdowns folded: under 12 screens of a phone (26, 19,000 px, unfolded).
    folded = results.locator("details.results-breakdown")
    expect(folded.first).not_to_have_attribute("open", "")
    assert results.evaluate("document.documentElement.scrollHeight") < 12 * PHONE["height"]
    folded.first.locator("summary").click()
    expect(folded.first.locator("table").first).to_be_visible()
    zh.log_in("township-admin", check=False)  # checked in Uyghur above and in Chinese by the tour
    zh.open(reverse("staff:roll", args=[village.code]), "voter roll")
    zh.search_on_one_line("form[role=search]")
    # A name on the roll stays on one line (the table scrolls sideways instead).
    name = zh.page.locator("main table tbody tr td:nth-child(2)").first
    assert name.evaluate(LINES) == 1, name.inner_text()
    zh.open(reverse("meetings:staff-meetings"), "staff's meetings", axe=False)
    zh.open(reverse("meetings:staff-meeting", args=[meeting.pk]), "meeting control", axe=False)
    zh.staff_pages_no_other_test_opens(village, scheme)
    codes = zh.open(reverse("ratings:codes", args=[meeting.pk]), "ballot codes", axe=False)
    codes.fill("#id_count", "3")
    codes.locator("form[action$='/codes/batch/'] [type=submit]").click()
    expect(codes.locator(".slip-sheet .slip")).to_have_count(3)
    zh.check("sheet of slips", fits=False)  # A4 pages to print, two slips across
    zh.print_slips("sheet of slips")
    zh.context.close()

    assert traffic.failures == []
    assert traffic.console_errors == []
