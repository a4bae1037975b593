"""The visit log on a cadre's phone with no signal, in a real browser.

A phone-sized Chromium writes a visit with the network cut: the page keeps it on the phone; the network
comes back and the page sends it, once. The household's page opened by its card's QR code shows the
visit; the cadre's work report counts it.
"""

import datetime

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Browser, expect

from meetings.models import HouseholdProblem, Meeting, Pairing, Policy, Visit, WorkReport
from meetings.visits import services
from ratings.models import RatingScheme
from tests.browser.conftest import PASSWORD
from tests.factories import CadreFactory, HouseholdFactory

pytestmark = pytest.mark.browser

PHONE = {
    "viewport": {"width": 360, "height": 740},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "locale": "en",
}
WIDTHS = "() => [document.scrollingElement.scrollWidth, window.innerWidth]"


def assert_accessible(page, name: str) -> None:
    """axe-core finds nothing serious or critical (WCAG A and AA rules)."""
    report = Axe().run(page, options={"resultTypes": ["violations"]})
    bad = [rule for rule in report.response["violations"] if rule["impact"] in {"serious", "critical"}]
    assert not bad, f"{name}:\n" + report.generate_report()


@pytest.fixture
def paired(county):
    cadre = CadreFactory(village=county.village, name="Alim Secretary", user=county.cadre)
    household = HouseholdFactory(village=county.village, number="017")
    start = timezone.localdate() - datetime.timedelta(days=60)
    Pairing.objects.create(cadre=cadre, household=household, start=start)
    Policy.objects.create(township=county.township, name="Medical insurance subsidy")
    return cadre, household


def test_a_visit_written_offline_is_sent_once_when_the_network_returns(
    browser: Browser, live_server, county, paired
):
    cadre, household = paired
    phone = browser.new_context(**PHONE)
    phone.set_default_timeout(10_000)
    try:
        page = phone.new_page()
        page.goto(live_server.url + reverse("login"))
        page.fill("#id_username", county.cadre.username)
        page.fill("#id_password", PASSWORD)
        page.locator("main button[type=submit]").click()
        page.goto(live_server.url + reverse("meetings:my-households"))
        page.get_by_role("link", name="Record a visit").first.click()
        expect(page.get_by_role("heading", name="Record a visit")).to_be_visible()
        scroll_width, inner_width = page.evaluate(WIDTHS)
        assert scroll_width <= inner_width  # nothing wider than a 360-pixel phone
        assert_accessible(page, "the visit form")

        phone.set_offline(True)
        page.get_by_role("combobox", name="Household").select_option(label="017")
        page.get_by_label("Who was met").fill("The grandmother")
        page.get_by_label("Problems raised").fill("Needs a wheelchair")
        page.get_by_label("Medical insurance subsidy").check()
        page.get_by_role("button", name="Save the visit").click()
        expect(page.get_by_text("No network: the visit is kept on this phone")).to_be_visible()
        expect(page.get_by_text("One visit is kept on this phone")).to_be_visible()
        assert not Visit.objects.exists()
        assert page.get_by_label("Who was met").input_value() == ""  # ready for the next visit

        phone.set_offline(False)
        expect(page.get_by_text("The visits kept on this phone have been sent.")).to_be_visible()
        expect(page.get_by_text("One visit is kept on this phone")).to_be_hidden()
        # The page has its service worker, which keeps a copy of the form for a phone without signal.
        page.wait_for_function("() => navigator.serviceWorker.ready.then(() => true)")
        page.reload()
        expect(page.get_by_role("heading", name="Record a visit")).to_be_visible()
        assert page.evaluate("() => navigator.serviceWorker.controller !== null")
        phone.set_offline(True)
        page.reload()
        expect(page.get_by_role("heading", name="Record a visit")).to_be_visible()
        phone.set_offline(False)
        assert "portal-visits-v1" in page.evaluate("() => caches.keys()")
        visit = Visit.objects.get()
        assert (visit.household, visit.cadre, visit.met) == (household, cadre, "The grandmother")
        assert [policy.name for policy in visit.policies.all()] == ["Medical insurance subsidy"]
        assert HouseholdProblem.objects.get().text == "Needs a wheelchair"

        # The household's card opens its own page: the visit is there, its topics and its problem.
        code = services.card_issue(household=household, by=county.township_admin)
        page.goto(live_server.url + reverse("meetings:household-page", args=[code]))
        visits = page.locator(".household-visits")
        expect(visits.locator("> li")).to_have_count(1)
        expect(visits).to_contain_text("Alim Secretary")
        expect(visits).to_contain_text("Medical insurance subsidy")
        expect(visits).to_contain_text("Needs a wheelchair")
        assert page.evaluate(WIDTHS)[0] <= page.evaluate(WIDTHS)[1]
        assert_accessible(page, "the household's page")

        # The cadre's work report of the year counts it, from the log.
        meeting = Meeting.objects.create(
            village=county.village,
            year=timezone.localdate().year,
            held_at=timezone.now(),
            venue="Village activity center",
            kind=Meeting.Kind.VILLAGERS_ASSEMBLY,
            scheme=RatingScheme.objects.create(name="Scheme"),
            status=Meeting.Status.ANNOUNCED,
        )
        report = WorkReport.objects.create(meeting=meeting, cadre=cadre, status=WorkReport.Status.PUBLISHED)
        page.goto(live_server.url + report.get_absolute_url())
        figures = page.locator(".visit-figures")
        expect(figures.locator(".visits-made")).to_have_text("1")
        expect(figures.locator(".households-helped")).to_have_text("1")

        # Logged out, the page it lands on deletes the pages the worker kept: the next person on the
        # phone cannot open them. (The phone's menu is folded away: the form is sent as its button would.)
        assert "sessionid" in {cookie["name"] for cookie in phone.cookies()}
        with page.expect_navigation():
            page.evaluate("() => document.querySelector('form[action$=\"/logout/\"]').requestSubmit()")
        assert "sessionid" not in {cookie["name"] for cookie in phone.cookies()}
        page.wait_for_function("async () => !(await caches.keys()).includes('portal-visits-v1')")
    finally:
        phone.close()
