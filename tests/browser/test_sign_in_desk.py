"""The sign-in desk in a real browser: an ID reader types the number and presses Enter, one villager
after another without touching the mouse; a household signs in with one left out; a mistake is undone;
opening the vote below the quorum is confirmed on a page that names the shortfall."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from meetings.models import Attendance
from portal import idcard
from tests.factories import CadreFactory, HouseholdFactory, ResidentFactory
from tests.worlds import make_meeting

pytestmark = pytest.mark.browser

IDS = [idcard.with_check_symbol(f"65319919800101{serial}") for serial in ("201", "202")]


def test_the_desk_by_scanner_household_and_undo(live_server, county, staff, traffic):
    meeting = make_meeting(county.village, [CadreFactory(village=county.village)])
    household = HouseholdFactory(village=county.village, number="H-042")
    for name, number in zip(("Aygul Scan", "Mamat Scan"), IDS, strict=True):
        ResidentFactory(household=household, name=name, id_number=number)
    ResidentFactory(household=household, name="Zohre Scan")
    for _ in range(7):
        ResidentFactory(household=HouseholdFactory(village=county.village))  # 10 on the roll: 6 needed
    desk = staff("operator1")
    control = live_server.url + reverse("meetings:staff-meeting", args=[meeting.pk])
    desk.goto(control)

    # The reader types into the focused field and ends with Enter; the field has the focus again after.
    for name, number in zip(("Aygul Scan", "Mamat Scan"), IDS, strict=True):
        expect(desk.locator("#sign-in-id-number")).to_be_focused()
        desk.keyboard.type(number)
        desk.keyboard.press("Enter")
        expect(desk.locator("main > .alert-success")).to_have_text(f"{name} is signed in.")
    expect(desk.locator(".attendance-list")).to_contain_text("Mamat Scan")
    assert IDS[0] not in desk.content()

    # A mistake: Mamat was not there. Undone from the list.
    desk.get_by_role("button", name="Undo the sign-in of Mamat Scan").click()
    expect(desk.locator("main > .alert-success")).to_have_text("Mamat Scan's sign-in has been undone.")

    # The household: everyone not in yet is ticked; the clerk leaves Mamat out.
    desk.locator("#sign-in-q").fill("Scan")
    desk.locator("#sign-in-q").press("Enter")
    desk.get_by_role("link", name="H-042 — sign in the whole household").first.click()
    expect(desk.get_by_label("Zohre Scan", exact=False)).to_be_checked()
    desk.get_by_label("Mamat Scan", exact=False).uncheck()
    desk.get_by_role("button", name="Sign in the ticked people").click()
    expect(desk.locator("main > .alert-success")).to_have_text("1 person of household H-042 is signed in.")
    assert set(Attendance.objects.values_list("resident__name", flat=True)) == {"Aygul Scan", "Zohre Scan"}

    # Opening the vote with 2 of the 6 needed: the confirmation names the shortfall.
    desk.get_by_role("link", name="Open the vote").click()
    expect(desk.locator("[data-quorum-warning]")).to_have_text(
        "2 present, 6 needed: unless more sign in before voting closes, the results of this vote cannot be "
        "published."
    )
    desk.get_by_role("button", name="Open the vote below the quorum").click()
    expect(desk.locator("main > .alert-success")).to_have_text("Voting is open.")
    assert not traffic.failures
