"""The README's tour, as written, from a fresh `seed_demo` to final results, in Chinese (the site's
default), in one browser context: the public pages, the clerk's sign-in that meets the quorum, the vote
on the terminal, the close, the township administrator's honor roll, results, closure certificate and
publication, then `close_notices` once the notice period is over. axe-core checks every page type the
tour visits. Button names are read from the Chinese catalog, so a renamed button fails here as the
README would mislead a reader.
"""

import datetime
from io import StringIO

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from playwright.sync_api import Browser, Page, expect

from meetings.demo import THIS_YEAR, TOUR_VILLAGE
from meetings.models import Attendance, Meeting
from portal.demo import DEMO_PASSWORD
from portal.models import Resident, Village
from ratings.models import ResultSnapshot
from tests.browser import voting
from tests.browser.traffic import Traffic, record_traffic

pytestmark = pytest.mark.browser


def zh(text: str) -> str:
    """What the Chinese page says for an English msgid."""
    with translation.override("zh-hans"):
        return gettext(text)


def assert_accessible(page: Page, name: str) -> None:
    """axe-core finds nothing serious or critical (WCAG A and AA rules)."""
    report = Axe().run(page, options={"resultTypes": ["violations"]})
    bad = [rule for rule in report.response["violations"] if rule["impact"] in {"serious", "critical"}]
    assert not bad, f"{name}:\n" + report.generate_report()


def success(page: Page):
    return page.locator("main > .alert-success")


def log_in(page: Page, live_server, username: str) -> None:
    """Staff login (top right), with the demo's shared password."""
    page.goto(live_server.url + reverse("login"))
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.locator("main button[type=submit]").click()
    expect(page).to_have_url(live_server.url + reverse("staff:dashboard"))


def log_out(page: Page) -> None:
    page.get_by_role("button", name=zh("Log out")).click()


def answer_every_cadre(page: Page) -> None:
    """On each cadre's screen, "same answer on every line": satisfied (the first grade)."""
    screens = page.locator("form[data-ballot] [data-screen=cadre]")
    for index in range(screens.count()):
        voting.expect_screen(page, f"screen-{index + 1}")
        voting.shown(page).locator("[data-same-grade]").first.click()
        voting.next_screen(page)


def agree_to_every_household(page: Page) -> None:
    """On each household's screen (the demo proposes one for leaving monitoring): agree."""
    screens = page.locator("form[data-ballot] [data-screen=proposal]")
    for index in range(screens.count()):
        voting.expect_screen(page, f"screen-proposal-{index + 1}")
        voting.shown(page).locator('label[for$="-agree"]').click()
        voting.next_screen(page)


def test_the_readme_tour_runs_to_final_results(live_server, browser: Browser, traffic: Traffic):
    call_command("seed_demo", stdout=StringIO())
    village = Village.objects.get(code=TOUR_VILLAGE)
    meeting = Meeting.objects.in_village(village).get(year=THIS_YEAR)
    # The representative the clerk signs in: any not signed in yet (the demo signed in all but one of
    # those the quorum needs).
    newcomer = (
        Resident.objects.in_village(village)
        .on_roll()
        .representatives()
        .exclude(pk__in=Attendance.objects.filter(meeting=meeting).values("resident"))
        .order_by("pk")
        .first()
    )
    url = live_server.url
    context = browser.new_context(locale="zh-Hans")
    context.set_default_timeout(15_000)
    page = record_traffic(context.new_page(), traffic)

    # 1–2. The home page, the village, this year's meeting.
    page.goto(url + reverse("home"))
    assert_accessible(page, "home")
    page.locator("main").get_by_role("link", name=village.name).first.click()
    assert_accessible(page, "village")
    page.locator(f'main a[href="{meeting.get_absolute_url()}"]').first.click()
    expect(page.locator("h1")).to_contain_text(village.name)
    assert_accessible(page, "meeting")

    # 4. The operator: meeting control shows the quorum one short; sign one representative in with a
    # code, then open the vote, which no longer warns.
    log_in(page, live_server, "operator")
    page.goto(url + reverse("meetings:staff-meeting", args=[meeting.pk]))
    assert_accessible(page, "meeting control")
    page.fill("#sign-in-q", newcomer.name)
    page.locator("#sign-in-q").press("Enter")
    row = page.locator("#sign-in table tbody tr", has_text=newcomer.name).first
    row.get_by_role("button", name=zh("Sign in and hand out a code")).click()
    code = page.locator(".slip-code").first.inner_text().strip()
    assert_accessible(page, "code slip")
    page.goto(url + reverse("meetings:staff-meeting", args=[meeting.pk]))
    page.get_by_role("link", name=zh("Open the vote")).click()
    expect(page.locator("[data-quorum-warning]")).to_have_count(0)
    page.get_by_role("button", name=zh("Yes, open the vote")).click()
    expect(success(page)).to_have_text(zh("Voting is open."))

    # Terminals: arm this browser (the operator is logged out of it), then the villager votes.
    page.goto(url + reverse("ratings:terminals", args=[meeting.pk]))
    assert_accessible(page, "terminals")
    page.locator("form[action$='/terminals/arm/'] [type=submit]").click()
    voting.begin(page, live_server)
    voting.tap_code(page, code.replace("-", "").replace(" ", ""))
    answer_every_cadre(page)
    assert_accessible(page, "ballot")
    agree_to_every_household(page)
    voting.to_review(page)
    voting.cast(page)
    voting.receipt_shown(page)

    # The operator closes the vote: the quorum is met, so no warning.
    log_in(page, live_server, "operator")
    page.goto(url + reverse("meetings:staff-meeting", args=[meeting.pk]))
    page.get_by_role("link", name=zh("Close the vote")).click()
    expect(page.locator("[data-quorum-warning]")).to_have_count(0)
    page.get_by_role("button", name=zh("Yes, close the vote")).click()
    expect(success(page)).to_have_text(zh("Voting is closed."))
    log_out(page)

    # 5. The township administrator: honor roll, compute, the certificate's paper signatures, publish.
    log_in(page, live_server, "township-admin")
    page.goto(url + reverse("ratings:staff-honor", args=[meeting.pk]))
    assert_accessible(page, "honor roll")
    page.get_by_role("button", name=zh("Collect the nominations")).click()
    page.goto(url + reverse("ratings:staff-results", args=[meeting.pk]))
    page.get_by_role("button", name=zh("Compute"), exact=True).click()
    expect(page.locator(".publish-blockers")).to_be_visible()
    assert_accessible(page, "results review")
    page.goto(url + reverse("ratings:certificate", args=[meeting.pk]))
    assert_accessible(page, "closure certificate")
    paper = page.locator(".certificate-signatures form[action$='/certificate/paper/'] button")
    for _signer in range(paper.count()):
        paper.first.click()
        expect(success(page)).to_be_visible()
    expect(paper).to_have_count(0)
    page.goto(url + reverse("ratings:staff-results", args=[meeting.pk]))
    expect(page.locator(".publish-blockers")).to_have_count(0)
    page.get_by_role("button", name=zh("Publish for public notice")).click()
    expect(success(page)).to_be_visible()

    # 6. The notice period ends; the daily `close_notices` makes the results final.
    snapshot = ResultSnapshot.objects.get(meeting=meeting, status=ResultSnapshot.Status.PUBLISHED)
    after = snapshot.notice_ends + datetime.timedelta(days=1)
    call_command("close_notices", date=after.isoformat(), stdout=StringIO())
    page.goto(url + reverse("ratings:results", args=[meeting.pk]))
    final_since = zh("These results are final since %(date)s.").split("%(date)s")[0]
    expect(page.locator("main div.alert-success[role=status]")).to_contain_text(final_since)
    assert_accessible(page, "public results")
    snapshot.refresh_from_db()
    assert snapshot.status == ResultSnapshot.Status.FINAL and snapshot.ballots == 1
    assert traffic.failures == []
    assert traffic.console_errors == []
    context.close()
