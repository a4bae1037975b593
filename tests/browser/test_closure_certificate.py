"""The closure certificate in a real browser: three accounts — the supervision committee's chair and two
scrutineers — each log in, find the certificate on their dashboard and confirm it; the township
administrator's publish button then works, where it was refused before."""

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from portal.services.supervision import supervision_member_add
from ratings.closure import services as closure_services
from ratings.models import ResultSnapshot
from tests.browser.test_results_staff import success
from tests.browser.traffic import Traffic
from tests.factories import UserFactory
from tests.worlds import make_resident, voted_world

pytestmark = pytest.mark.browser

# Five voters of five on the roll: the quorum is met and the figures are shown (k = 5).
VOTES = ["satisfied", "satisfied", "satisfied", "basically_satisfied", "dissatisfied"]
SIGNERS = (("chair", "Aygul Chair"), ("scrutineer1", "Mamat One"), ("scrutineer2", "Rozi Two"))


def test_three_accounts_confirm_the_certificate_then_the_results_publish(
    live_server, county, staff, traffic: Traffic
):
    world = voted_world(county, VOTES)
    meeting, village = world.meeting, world.meeting.village
    accounts = {username: UserFactory(username=username) for username, _name in SIGNERS}
    supervision_member_add(
        village=village,
        resident=make_resident(village, "Aygul Chair"),
        chair=True,
        user=accounts["chair"],
        by=county.township_admin,
    )
    for username, name in SIGNERS[1:]:
        closure_services.scrutineer_name(
            meeting=meeting,
            resident=make_resident(village, name),
            user=accounts[username],
            by=county.operator,
        )
    url = live_server.url
    results = url + reverse("ratings:staff-results", args=[meeting.pk])

    # The township administrator computes the results: publishing waits for the certificate.
    admin = staff("admin1")
    admin.goto(results)
    admin.get_by_role("button", name="Compute", exact=True).click()
    expect(success(admin)).to_contain_text("computed as draft version 1")
    expect(admin.locator(".publish-blockers")).to_contain_text(
        "The closure certificate is not confirmed: the supervision committee's chair and two scrutineers "
        "must confirm it (0 of 3 confirmations so far)."
    )

    # Each signer, with their own account: the dashboard lists the certificate; one button is theirs.
    for done, (username, name) in enumerate(SIGNERS, start=1):
        signer: Page = staff(username)
        signer.locator(".certificates-to-confirm").get_by_role(
            "link", name=f"{village.name} {meeting.year}"
        ).click()
        expect(signer.locator("h1")).to_contain_text("Closure certificate of the count")
        expect(signer.locator(".certificate-results")).to_contain_text(world.cadres[0].name)
        expect(signer.get_by_role("button", name="Confirm this certificate")).to_have_count(1)
        signer.get_by_role("button", name="Confirm this certificate").click()
        expect(success(signer)).to_have_text(f"Your confirmation is recorded, {name}.")
        row = signer.locator(".certificate-signatures tr.signer", has_text=name)
        expect(row).to_contain_text("Confirmed with their own account")
        expect(signer.get_by_role("button", name="Confirm this certificate")).to_have_count(0)
        if done < 3:
            expect(signer.locator(".certificate-status")).to_contain_text(f"{done} of 3 confirmations")
    expect(signer.locator(".certificate-status")).to_contain_text(
        "Confirmed by the supervision committee's chair and two scrutineers"
    )

    # The publish button now works.
    admin.goto(results)
    expect(admin.locator(".publish-blockers")).to_have_count(0)
    admin.get_by_role("button", name="Publish for public notice").click()
    expect(success(admin)).to_contain_text("The results are published.")
    assert ResultSnapshot.objects.get(meeting=meeting).status == ResultSnapshot.Status.PUBLISHED
    assert traffic.failures == []
    assert traffic.console_errors == []
