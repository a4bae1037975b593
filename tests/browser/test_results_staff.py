"""The results of a meeting from the township office's pages to the public page, in a real browser.

The moderator collects the honor roll nominations and reviews them, the township administrator computes
and publishes the results, a villager with no account lodges an objection in Chinese, and the moderator
rules on it: the ruling is then on the public page. Staff pages are read in English (the site's
default is Chinese), the public page in Chinese.
"""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse
from playwright.sync_api import Locator, Page, expect

from ratings.models import HonorCandidate, Objection, ResultSnapshot
from tests.browser.traffic import Traffic
from tests.worlds import certify, voted_world

pytestmark = pytest.mark.browser

# Three voters of three on the roll: the quorum is met. Household 0 is nominated twice, household 1 once.
VOTES = ["satisfied", "satisfied", "dissatisfied"]
NOMINATIONS = [[0], [0, 1], []]
AWARD = "光荣证书和大红花"
DECLINE_NOTE = "The household moved out of the village this spring."
OBJECTION = "二号村干部的满意度与我们在会上看到的不符，请核实计票。"
CONTACT = "13800001234"
RULING = "已按公开的选票文件重新核对，计票无误。"


def success(page: Page) -> Locator:
    """The message a page shows after a change (includes/messages.html), not an alert of the content."""
    return page.locator("main > .alert-success")


def assert_accessible(page, name: str) -> None:
    """axe-core finds nothing serious or critical (WCAG A and AA rules)."""
    report = Axe().run(page, options={"resultTypes": ["violations"]})
    bad = [rule for rule in report.response["violations"] if rule["impact"] in {"serious", "critical"}]
    assert not bad, f"{name}:\n" + report.generate_report()


def test_honor_roll_publication_objection_and_ruling_through_the_pages(
    live_server, county, staff, page: Page, traffic: Traffic
):
    world = voted_world(county, VOTES, nominations=NOMINATIONS)
    meeting = world.meeting
    top, other = (household.number for household in world.households[:2])
    url = live_server.url

    # The moderator: collect the nominations, accept the most nominated household, decline the other.
    moderator = staff("moderator1")
    moderator.goto(url + reverse("ratings:staff-honor", args=[meeting.pk]))
    expect(moderator.get_by_text("No candidate yet.")).to_be_visible()
    moderator.get_by_role("button", name="Collect the nominations", exact=True).click()
    expect(success(moderator)).to_have_text("2 households are on the list to review.")
    expect(moderator.locator("#candidates-heading")).to_contain_text("2 await review")
    candidates = moderator.locator("table.honor-candidates tbody tr[id^=candidate-]")
    expect(candidates).to_have_count(2)
    expect(candidates.nth(0).locator("td").nth(0)).to_contain_text(top)  # the most votes first
    expect(candidates.nth(0).locator("td").nth(1)).to_have_text("2")
    expect(candidates.nth(1).locator("td").nth(0)).to_contain_text(other)

    def review(number: str) -> tuple[Locator, Locator]:
        """A candidate's row in the table, and the row under it that holds its review form."""
        row = moderator.locator("table.honor-candidates tbody tr[id^=candidate-]", has_text=number)
        return row, row.locator("xpath=following-sibling::tr[1]")

    row, form = review(top)
    form.get_by_label("Accept onto the honor roll").check()
    form.get_by_label("Award", exact=True).fill(AWARD)
    form.get_by_label("Award amount (yuan)").fill("500")
    form.get_by_role("button", name="Save the review").click()
    expect(success(moderator)).to_have_text(f"The review of household {top} is saved.")
    row, form = review(top)
    expect(row.locator(".badge")).to_have_text("accepted")
    expect(row).to_contain_text(AWARD)
    expect(row).to_contain_text("¥500.00")

    row, form = review(other)
    declined = HonorCandidate.objects.get(meeting=meeting, household__number=other)
    form.get_by_label("Decline").check()
    form.get_by_role("button", name="Save the review").click()  # no note: refused, nothing saved
    expect(form.locator(".invalid-feedback")).to_have_text("Say why the household is declined.")
    expect(row.locator(".badge")).to_have_text("awaiting review")
    form.get_by_label("Note").fill(DECLINE_NOTE)
    form.get_by_role("button", name="Save the review").click()
    expect(success(moderator)).to_have_text(f"The review of household {other} is saved.")
    row, form = review(other)
    expect(row.locator(".badge")).to_have_text("declined")
    expect(row).to_contain_text(DECLINE_NOTE)
    expect(moderator.locator("#candidates-heading")).to_contain_text("0 await review")

    # The township administrator: compute, read the draft, publish with the default notice period.
    admin = staff("admin1")
    admin.goto(url + reverse("ratings:staff-results", args=[meeting.pk]))
    expect(admin.get_by_text("2 candidates:")).to_contain_text("0 awaiting review, 1 accepted, 1 declined")
    expect(admin.locator(".draft-results")).to_have_count(0)
    assert_accessible(admin, "results review")
    admin.get_by_role("button", name="Compute", exact=True).click()
    expect(success(admin)).to_have_text(
        "The results have been computed as draft version 1. Review them, then publish."
    )
    draft = admin.locator(".draft-results")
    expect(draft.locator("#draft-heading")).to_contain_text("not public")
    expect(draft).to_contain_text("quorum met")
    expect(draft.locator("table.results-table tbody tr")).to_have_count(2)
    for cadre in world.cadres:
        expect(draft.locator("table.results-table")).to_contain_text(cadre.name)
    expect(draft.locator("ol")).to_contain_text(top)
    expect(draft.locator("ol")).to_contain_text(AWARD)
    expect(draft.locator("ol")).not_to_contain_text(other)
    expect(admin.locator("#id_days")).to_have_value("7")  # the default notice period
    certify(meeting)  # the chair and two scrutineers sign the certificate (test_closure_certificate.py)
    admin.get_by_role("button", name="Publish for public notice").click()
    expect(success(admin)).to_contain_text("The results are published.")
    snapshot = ResultSnapshot.objects.get(meeting=meeting, status=ResultSnapshot.Status.PUBLISHED)
    ends = snapshot.notice_ends.isoformat()
    expect(success(admin)).to_have_text(f"The results are published. Objections may be lodged until {ends}.")
    expect(admin.locator("#live-heading")).to_have_text(f"Published: under public notice until {ends}")
    expect(admin.locator("h1 .badge")).to_have_text("results under public notice")
    expect(admin.locator(".draft-results")).to_have_count(0)

    # A villager, no account, in Chinese: object to the results.
    results_url = url + reverse("ratings:results", args=[meeting.pk])
    page.goto(results_url)
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    status = page.locator("main .alert-info[role=status]")
    expect(status).to_contain_text(f"公示期至 {ends}。")
    honor = page.locator("section[aria-labelledby=honor-heading]")
    expect(honor).to_contain_text(AWARD)
    expect(honor).not_to_contain_text(other)
    expect(page.locator("#objections")).to_contain_text("尚无人提出异议。")
    status.get_by_role("link", name="提出异议").click()
    expect(page).to_have_url(url + reverse("ratings:objection-lodge", args=[meeting.pk]))
    page.get_by_label("异议内容").fill(OBJECTION)
    page.get_by_label("您的姓名（可不填）").fill("阿依古丽")
    page.locator("#id_contact").fill(CONTACT)
    page.get_by_role("button", name="提交异议").click()
    expect(page).to_have_url(results_url + "#objections")
    expect(success(page)).to_have_text("您的异议已提交，裁定结果将在本页公布。")
    lodged = page.locator("#objections article")
    expect(lodged).to_have_count(1)
    expect(lodged).to_contain_text(OBJECTION)
    expect(lodged).to_contain_text("阿依古丽")
    expect(lodged.locator(".badge")).to_have_text("待裁定")
    expect(page.locator("main")).not_to_contain_text(CONTACT)  # the contact is never published
    expect(page.locator("main")).not_to_contain_text(DECLINE_NOTE)  # nor the review note
    objection = Objection.objects.get(snapshot=snapshot)

    # The moderator rules: rejected, with the reason; the ruling is on the public page.
    moderator.goto(url + reverse("ratings:staff-objections"))
    queued = moderator.locator(f"#objection-{objection.pk}")
    expect(queued).to_contain_text(OBJECTION)
    expect(queued.locator(".objection-contact")).to_have_text(CONTACT)
    queued.get_by_label("Rejected").check()
    queued.get_by_label("Reason for the ruling").fill(RULING)
    queued.get_by_role("button", name="Record the ruling").click()
    expect(success(moderator)).to_have_text("The objection is rejected; the ruling is published with it.")
    expect(moderator.get_by_text("No objection awaits a ruling.")).to_be_visible()
    expect(moderator.locator(".ruled-objections")).to_contain_text(RULING)
    assert_accessible(moderator, "objections queue")

    page.goto(results_url)
    ruled = page.locator("#objections article")
    expect(ruled.locator(".badge")).to_have_text("不成立")
    expect(ruled).to_contain_text(f"裁定意见： {RULING}")
    expect(ruled).not_to_contain_text("待裁定")

    # The only refusal was the decline without a note: a 400, the form shown again.
    refused = reverse("ratings:staff-honor-review", args=[declined.pk])
    assert traffic.failures == [f"400 {url}{refused}"]
    assert traffic.server_warnings() == [f"Bad Request: {refused}"]
    # Chromium reports the 400 on the console too; nothing else.
    assert traffic.console_errors == [
        f"Failed to load resource: the server responded with a status of 400 (Bad Request) ({url}{refused})"
    ]
    assert traffic.external_requests() == []
