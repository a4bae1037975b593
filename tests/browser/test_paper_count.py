"""Paper ballots through the pages, in a real browser: the operator prints sheets and hands two
villagers a sheet at the desk, a third votes on a terminal, the vote closes, the scans of the two
sheets are uploaded as one batch, two accounts read the line the machine would not, the paper count
is reconciled and closed, and the township administrator publishes: the results count the paper
ballots with the terminal's, and verify_results recounts them from the open data."""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from playwright.sync_api import Page, expect

from ratings.models import Ballot, PaperPrint, PollBookEntry, ResultSnapshot
from tests.ratings.paper.marked import marked_page
from tests.worlds import build_world, certify, make_resident

pytestmark = pytest.mark.browser

PAPER_VOTERS = ("Aynur Paper", "Tursun Paper")
SATISFIED, BASIC = 0, 1


def success(page: Page):
    return page.locator("main > .alert-success")


def test_paper_ballots_from_the_desk_to_the_published_results(live_server, county, staff, tmp_path, traffic):
    world = build_world(county, codes=0, residents=1)
    meeting, url = world.meeting, live_server.url
    for name in PAPER_VOTERS:
        make_resident(meeting.village, name)
    paper_url = url + reverse("ratings:paper", args=[meeting.pk])

    # The operator prints three sheets for the villagers, in Chinese.
    operator = staff("operator1")
    operator.goto(url + reverse("meetings:staff-meeting", args=[meeting.pk]))
    operator.get_by_role("link", name="Paper ballots").click()
    expect(operator).to_have_url(paper_url)
    operator.get_by_label("Language of the sheets").select_option("zh-hans")
    operator.get_by_label("Number of sheets").fill("3")
    operator.get_by_role("button", name="Print the sheets").click()
    run = PaperPrint.objects.get(meeting=meeting)
    expect(operator.locator("section.paper-page")).to_have_count(3)
    sheet_ids = list(run.sheet_rows.order_by("sheet_id").values_list("sheet_id", flat=True))
    expect(operator.locator("body")).to_contain_text(
        " ".join(sheet_ids[0][i : i + 4] for i in range(0, 16, 4))
    )

    # The desk hands each of two villagers a sheet instead of a code.
    control = url + reverse("meetings:staff-meeting", args=[meeting.pk])
    for name in PAPER_VOTERS:
        operator.goto(control + f"?q={name}#sign-in")
        operator.get_by_role("button", name="Sign in and hand a paper ballot").click()
        expect(success(operator)).to_have_text(
            f"{name} is signed in: hand them a paper ballot from the stack for villager."
        )
        expect(operator.locator("#sign-in table")).to_contain_text("Has a paper ballot")
    assert PollBookEntry.objects.filter(meeting=meeting, paper=True).count() == 2

    # A third villager votes on a terminal; then the vote closes.
    world.cast(world.resident_codes[0], grade="dissatisfied")
    operator.goto(control)
    operator.get_by_role("link", name="Close the vote").click()
    operator.get_by_role("button", name="Yes, close the vote").click()
    expect(success(operator)).to_have_text("Voting is closed.")

    # The box is opened: two sheets, one with a line marked twice. One batch, a scan and a photo.
    first = tmp_path / "scan.png"
    first.write_bytes(marked_page(meeting, sheet_ids[0], [SATISFIED] * 10))
    second = tmp_path / "photo.jpg"
    second.write_bytes(
        marked_page(
            meeting, sheet_ids[1], ["over"] + [BASIC] * 9, fmt="JPEG", damage={"angle": 4.0, "blur": 0.6}
        )
    )
    operator.goto(paper_url)
    operator.get_by_label("Scans or photos of the sheets").set_input_files([first, second])
    operator.get_by_role("button", name="Read the sheets").click()
    expect(success(operator)).to_contain_text("2 pages read: 1 lines for two people")
    expect(operator.locator("[data-figure=returned]")).to_have_text("2")
    expect(operator.locator("[data-figure=waiting]")).to_have_text("1")

    # Two accounts read the line from its image, each blind to the other.
    operator.locator("#decisions a").first.click()
    line_image = operator.locator("figure.paper-line img")
    expect(line_image).to_be_visible()
    # The line only: as wide as the grid, a row high (5 pixels a millimetre).
    operator.wait_for_function(
        "img => img.complete && img.naturalWidth > 300", arg=line_image.element_handle()
    )
    assert operator.evaluate("img => img.naturalHeight", line_image.element_handle()) < 120
    operator.get_by_label("Basically satisfied").check()
    operator.get_by_role("button", name="Record my reading").click()
    expect(success(operator)).to_contain_text("Your reading is kept")
    admin = staff("admin1")
    admin.goto(paper_url)
    admin.locator("#decisions a").first.click()
    expect(admin.locator("main")).not_to_contain_text("You have read this line")
    admin.get_by_label("Basically satisfied").check()
    admin.get_by_role("button", name="Record my reading").click()
    expect(success(admin)).to_have_text("Both readings agree: the line is decided.")

    # Reconcile and close: a wrong count is refused with the figures, the right one closes.
    operator.goto(paper_url)
    operator.get_by_label("Sheets counted out of the box").fill("3")
    operator.get_by_role("button", name="Close the paper count").click()
    expect(operator.locator("main")).to_contain_text(
        "3 sheets were counted out of the box, but 2 were scanned or keyed."
    )
    operator.get_by_label("Sheets counted out of the box").fill("2")
    operator.get_by_role("button", name="Close the paper count").click()
    expect(success(operator)).to_have_text("The paper count is closed: the paper ballots are in the box.")
    expect(operator.locator("#closed")).to_contain_text("2 sheets counted of 2 handed out")
    assert Ballot.objects.filter(meeting=meeting).count() == 3

    # The township administrator computes and publishes: three ballots, two of them paper.
    admin.goto(url + reverse("ratings:staff-results", args=[meeting.pk]))
    admin.get_by_role("button", name="Compute", exact=True).click()
    expect(success(admin)).to_contain_text("computed as draft version 1")
    certify(meeting)  # the chair and two scrutineers sign the certificate (test_closure_certificate.py)
    admin.get_by_role("button", name="Publish for public notice").click()
    expect(success(admin)).to_contain_text("The results are published.")
    snapshot = ResultSnapshot.objects.get(meeting=meeting, status=ResultSnapshot.Status.PUBLISHED)
    assert snapshot.ballots == 3
    out = io.StringIO()
    call_command("verify_results", meeting=meeting.pk, stdout=out)
    assert out.getvalue().startswith(f"OK meeting {meeting.pk} ")
    assert ", 3 ballots, sealed with SHA-256" in out.getvalue()

    # The only refusal was the wrong count: a 409, which Chromium notes on the console too.
    closing = url + reverse("ratings:paper-close", args=[meeting.pk])
    assert traffic.failures == [f"409 {closing}"]
    assert traffic.console_errors == [
        f"Failed to load resource: the server responded with a status of 409 (Conflict) ({closing})"
    ]
