"""Issue 16's "done when", in a real browser: the village proposes two households for leaving poverty
and one for monitoring, the meeting votes them together with the cadres on the kiosk, the results are
published, an objection is ruled, the township checks and the county decides, and the register shows
the new statuses.

The steps before and after the vote go through the services (each is tested on its own, with its
pages, in tests/ratings/evaluations); the vote and what it leads to are seen in the browser.
"""

import datetime

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.text import capfirst
from playwright.sync_api import Browser, Page, expect

from meetings import services as meeting_services
from portal.models import Role
from portal.services.roles import role_grant
from ratings.ballot import services as ballot_services
from ratings.evaluations import services as evaluation_services
from ratings.models import BallotEvaluation, HouseholdProposal
from ratings.results import services as results_services
from tests.browser import voting
from tests.browser.voting import url
from tests.factories import UserFactory
from tests.worlds import HEADS, agenda_of, build_kiosk_world, compute_and_publish

pytestmark = pytest.mark.browser

Kind = HouseholdProposal.Kind
Status = HouseholdProposal.Status
SCREENS = {"landscape": {"width": 1280, "height": 800}, "portrait": {"width": 800, "height": 1280}}
# The page's height against the window's, and the smallest target of the screen shown.
MEASURE = """() => {
    const shown = "[data-screen]:not([hidden]) :is(label.ballot-grade, button)";
    const targets = [...document.querySelectorAll(shown)]
        .map((element) => element.getBoundingClientRect()).filter((box) => box.width > 0);
    return {
        height: document.scrollingElement.scrollHeight,
        window: window.innerHeight,
        smallest: Math.min(...targets.map((box) => Math.min(box.width, box.height))),
    };
}"""


def answers_in_chinese() -> list[str]:
    """The three answers as the kiosk shows them by default: 同意, 不同意, 弃权."""
    with translation.override("zh-hans"):
        return [capfirst(str(label)) for _value, label in BallotEvaluation.Answer.choices]


def fits(page: Page, what: str) -> None:
    sizes = page.evaluate(MEASURE)
    assert sizes["height"] <= sizes["window"], (what, sizes)
    assert sizes["smallest"] >= 48, (what, sizes)


@pytest.fixture
def world(county):
    return build_kiosk_world(
        county,
        cadres=2,
        codes=0,
        residents=5,
        agenda=agenda_of(
            county,
            (0, Kind.POVERTY_EXIT, {}),
            (1, Kind.POVERTY_EXIT, {}),
            (2, Kind.MONITORING_ENTRY, {"category": HouseholdProposal.Category.MARGINAL}),
        ),
    )


def test_households_voted_with_the_cadres_then_posted_checked_decided_and_registered(
    browser: Browser, live_server, county, world, staff, settings
):
    settings.KIOSK_RECEIPT_SECONDS = 2
    answers = answers_in_chinese()
    exit_first, exit_second, entry = HouseholdProposal.objects.on_agenda_of(world.meeting).order_by("pk")
    context = voting.arm(browser.new_context(viewport=SCREENS["landscape"]), live_server, world.token)
    context.set_default_timeout(10_000)
    page = context.new_page()

    # The first villager: the cadres, then a screen per household with its facts, none answered yet.
    voting.begin(page, live_server)
    voting.tap_code(page, world.resident_codes[0])
    voting.grade_cadres(page, world, lambda cadre, line: "satisfied", then="screen-proposal-1")
    screen = voting.shown(page)
    expect(screen.locator("h2")).to_have_text(HEADS[0])
    expect(screen.locator(".ballot-checks li")).to_have_count(6)
    expect(screen).to_contain_text("9800")
    expect(screen.locator("input[type=radio]:checked")).to_have_count(0)
    expect(screen.locator("label.ballot-answer [data-say]")).to_have_text(answers)
    for orientation, viewport in SCREENS.items():
        page.set_viewport_size(viewport)
        fits(page, orientation)
    page.set_viewport_size(SCREENS["landscape"])
    # "Next" without an answer says so, and stays.
    voting.next_screen(page)
    expect(screen.locator("[data-missing-alert]")).to_be_visible()
    fits(page, "landscape, an answer missing")
    voting.evaluate_households(
        page, [(exit_first.pk, "agree"), (exit_second.pk, "agree"), (entry.pk, "agree")]
    )
    voting.to_review(page)
    review = page.locator("[data-review] .kiosk-panel")
    expect(review).to_have_count(len(world.cadres) + 3 + 1)
    expect(review.nth(len(world.cadres) + 2)).to_contain_text(HEADS[2])
    expect(review.nth(len(world.cadres) + 2)).to_contain_text(answers[0])
    voting.cast(page)
    voting.receipt_shown(page)
    expect(page).to_have_url(url(live_server, "kiosk"), timeout=8_000)

    # The second villager disagrees with the second exit and abstains on the entry.
    voting.begin(page, live_server)
    voting.tap_code(page, world.resident_codes[1])
    voting.grade_cadres(page, world, lambda cadre, line: "basically_satisfied", then="screen-proposal-1")
    voting.evaluate_households(
        page, [(exit_first.pk, "agree"), (exit_second.pk, "disagree"), (entry.pk, "abstain")]
    )
    voting.to_review(page)
    voting.cast(page)
    voting.receipt_shown(page)
    context.close()
    assert BallotEvaluation.objects.count() == 6

    # Three more villagers vote on the other terminal, then voting closes and the results are published.
    for code in world.resident_codes[2:]:
        ballot_services.ballot_cast(
            terminal=world.other_terminal,
            code=code,
            grades=world.full_grades(),
            households=[],
            evaluations={exit_first.pk: "agree", exit_second.pk: "disagree", entry.pk: "agree"},
        )
    meeting_services.voting_close(meeting=world.meeting, by=county.operator)
    snapshot = compute_and_publish(world.meeting, by=county.township_admin)
    exit_first, exit_second, entry = (
        HouseholdProposal.objects.get(pk=p.pk) for p in (exit_first, exit_second, entry)
    )
    assert [(p.agree, p.disagree, p.abstain, p.status) for p in (exit_first, exit_second, entry)] == [
        (5, 0, 0, Status.UNDER_NOTICE),
        (1, 4, 0, Status.FAILED),
        (4, 0, 1, Status.UNDER_NOTICE),
    ]

    # An objection during the notice, ruled; the township checks after the notice, the county decides.
    objection = results_services.objection_lodge(
        snapshot=snapshot, text="户主的收入算错了。", sender_address="192.0.2.7"
    )
    results_services.objection_rule(
        objection=objection, upheld=False, ruling="经核实，收入计算无误。", by=county.moderator
    )
    officer = UserFactory(username="county-officer")
    role_grant(user=officer, role=Role.COUNTY_OFFICER, township=county.township, by=county.superuser)
    for proposal in (exit_first, entry):
        proposal = evaluation_services.township_check(
            proposal=proposal,
            approve=True,
            by=county.township_admin,
            today=proposal.notice_ends + datetime.timedelta(days=1),
        )
        evaluation_services.county_decide(
            proposal=proposal, approve=True, by=officer, today=proposal.decision_due
        )

    # The public results list the households; the township's register shows where each one stands.
    admin = staff(county.township_admin.username)
    admin.goto(live_server.url + reverse("ratings:results", args=[world.meeting.pk]))
    rows = admin.locator("#households-results tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_contain_text(HEADS[0])
    expect(rows.nth(1).locator(".badge")).to_have_text("not passed")
    expect(rows.nth(2).locator(".badge")).to_have_text("passed")
    admin.goto(live_server.url + reverse("ratings:household-register-township", args=[county.township.code]))
    monitored = admin.locator("table.monitored-households tbody tr")
    expect(monitored).to_have_count(1)
    expect(monitored).to_contain_text(HEADS[2])
    expect(admin.locator('.monitoring-counts [data-category="marginal"] strong')).to_have_text("1")
    decided_year = HouseholdProposal.objects.get(pk=entry.pk).decided_on.year
    year_row = admin.locator("table.decisions-by-year tbody tr", has_text=str(decided_year))
    expect(year_row.locator("td")).to_have_text(["1", "1", "0", "0"])
    expect(admin.locator("table.pending-steps tbody")).not_to_contain_text(HEADS[0])
