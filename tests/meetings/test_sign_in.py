"""Signing in at speed: by the ID card number, by household, and undoing a mistaken sign-in."""

import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from meetings import services
from meetings.models import Attendance, Meeting
from portal import idcard
from portal.models import AuditEntry
from ratings.ballot import services as ballot_services
from ratings.models import PollBookEntry
from tests.factories import HouseholdFactory, ResidentFactory
from tests.worlds import set_status

Status = Meeting.Status
# A number of this test's own: another region code than the factories' and the roll files'.
AYGUL_ID = idcard.with_check_symbol("65319919800101123")
NEIGHBOUR_ID = idcard.with_check_symbol("65319919800101124")

pytestmark = pytest.mark.usefixtures("english", "english_pages")


@pytest.fixture
def family(county):
    """Household H-017 of the village: three on the roll (one a representative), one who has left."""
    household = HouseholdFactory(village=county.village, number="H-017")
    return {
        "aygul": ResidentFactory(household=household, name="Aygul Tursun", id_number=AYGUL_ID),
        "mamat": ResidentFactory(household=household, name="Mamat Tursun", representative=True),
        "zohre": ResidentFactory(household=household, name="Zohre Tursun"),
        "left": ResidentFactory(household=household, name="Left Tursun", active=False),
        "neighbour": ResidentFactory(
            household=HouseholdFactory(village=county.neighbour, number="N-001"),
            name="Nur Tursun",
            id_number=NEIGHBOUR_ID,
        ),
    }


def present(meeting) -> set[str]:
    return set(Attendance.objects.filter(meeting=meeting).values_list("resident__name", flat=True))


def logged(action: str) -> list[dict]:
    return [entry.details for entry in AuditEntry.objects.filter(action=action)]


def page(response) -> str:
    return response.content.decode()


def control(meeting) -> str:
    return reverse("meetings:staff-meeting", args=[meeting.pk])


# --- services: a household at once --------------------------------------------------------------------


def test_a_household_signs_in_at_once_each_one_logged(meeting, county, family):
    set_status(meeting, Status.ANNOUNCED)
    services.attendance_record(meeting=meeting, resident=family["zohre"], by=county.operator)
    signed = services.attendance_record_many(
        meeting=meeting, residents=[family["aygul"], family["mamat"], family["zohre"]], by=county.operator
    )
    assert [resident.name for resident in signed] == ["Aygul Tursun", "Mamat Tursun"]
    assert present(meeting) == {"Aygul Tursun", "Mamat Tursun", "Zohre Tursun"}
    assert sorted(details["resident"] for details in logged("attendance_record")) == sorted(
        family[name].pk for name in ("aygul", "mamat", "zohre")
    )


def test_a_household_with_one_refused_signs_in_no_one(meeting, county, family):
    set_status(meeting, Status.ANNOUNCED)
    with pytest.raises(ValidationError, match="not on the village's roll"):
        services.attendance_record_many(
            meeting=meeting, residents=[family["aygul"], family["left"]], by=county.operator
        )
    assert present(meeting) == set()
    assert logged("attendance_record") == []


def test_only_the_villages_operators_sign_a_household_in(meeting, county, family):
    set_status(meeting, Status.ANNOUNCED)
    with pytest.raises(PermissionDenied):
        services.attendance_record_many(meeting=meeting, residents=[family["aygul"]], by=county.moderator)
    assert present(meeting) == set()


# --- services: undoing a sign-in ----------------------------------------------------------------------


@pytest.mark.parametrize("status", [Status.ANNOUNCED, Status.VOTING_OPEN])
def test_a_mistaken_sign_in_is_undone_and_logged(meeting, county, family, status):
    set_status(meeting, status)
    services.attendance_record(meeting=meeting, resident=family["aygul"], by=county.operator)
    services.attendance_undo(meeting=meeting, resident=family["aygul"], by=county.operator)
    assert present(meeting) == set()
    assert logged("attendance_undo") == [{"resident": family["aygul"].pk}]
    # Signed in again afterwards, as any villager.
    assert services.attendance_record(meeting=meeting, resident=family["aygul"], by=county.operator)


def test_no_undo_once_a_code_was_handed_out(meeting, county, family):
    set_status(meeting, Status.VOTING_OPEN)
    ballot_services.poll_book_record(meeting=meeting, resident=family["aygul"], by=county.operator)
    with pytest.raises(ValidationError) as refused:
        services.attendance_undo(meeting=meeting, resident=family["aygul"], by=county.operator)
    assert refused.value.messages == [
        "Aygul Tursun has received a ballot code or a paper ballot: their sign-in can no longer be undone."
    ]
    assert present(meeting) == {"Aygul Tursun"}
    assert logged("attendance_undo") == []


def test_no_undo_once_a_paper_ballot_was_handed_out(meeting, county, family):
    set_status(meeting, Status.VOTING_OPEN)
    services.attendance_record(meeting=meeting, resident=family["mamat"], by=county.operator)
    PollBookEntry.objects.create(meeting=meeting, resident=family["mamat"], paper=True)
    with pytest.raises(ValidationError, match="can no longer be undone"):
        services.attendance_undo(meeting=meeting, resident=family["mamat"], by=county.operator)
    assert present(meeting) == {"Mamat Tursun"}


def test_undoing_someone_not_signed_in_is_refused(meeting, county, family):
    set_status(meeting, Status.ANNOUNCED)
    with pytest.raises(ValidationError, match="Zohre Tursun is not signed in."):
        services.attendance_undo(meeting=meeting, resident=family["zohre"], by=county.operator)
    assert logged("attendance_undo") == []


@pytest.mark.parametrize("status", [Status.VOTING_CLOSED, Status.UNDER_NOTICE, Status.FINAL, Status.ANNULLED])
def test_attendance_is_frozen_once_voting_closed(meeting, county, family, status):
    set_status(meeting, Status.VOTING_OPEN)
    services.attendance_record(meeting=meeting, resident=family["aygul"], by=county.operator)
    set_status(meeting, status)
    with pytest.raises(ValidationError, match="only while the meeting is announced or voting"):
        services.attendance_undo(meeting=meeting, resident=family["aygul"], by=county.operator)
    assert present(meeting) == {"Aygul Tursun"}


@pytest.mark.parametrize("role", ["moderator", "cadre", "nobody"])
def test_only_the_villages_operators_undo_a_sign_in(meeting, county, family, role):
    set_status(meeting, Status.ANNOUNCED)
    services.attendance_record(meeting=meeting, resident=family["aygul"], by=county.operator)
    with pytest.raises(PermissionDenied):
        services.attendance_undo(meeting=meeting, resident=family["aygul"], by=getattr(county, role))
    assert present(meeting) == {"Aygul Tursun"}


# --- the page: by the ID card number ------------------------------------------------------------------


def test_the_control_page_offers_the_id_field_as_a_post_form(client, meeting, county, family):
    set_status(meeting, Status.ANNOUNCED)
    client.force_login(county.operator)
    html = page(client.get(control(meeting)))
    form = re.search(r'<form method="post" action="([^"]+)"[^>]*id="sign-in-id">(.*?)</form>', html, re.S)
    assert form and form.group(1) == reverse("meetings:staff-sign-in-id", args=[meeting.pk])
    assert "csrfmiddlewaretoken" in form.group(2)
    # The scanner types into the focused field: it has the focus, and the browser keeps no numbers.
    assert re.search(r'<input id="sign-in-id-number"[^>]*autocomplete="off"[^>]*autofocus', form.group(2))


@pytest.mark.parametrize("typed", [AYGUL_ID, f" {AYGUL_ID.lower()}\n", f"{AYGUL_ID[:6]} {AYGUL_ID[6:]}"])
def test_a_scanned_id_number_signs_the_villager_in(client, meeting, county, family, typed):
    set_status(meeting, Status.ANNOUNCED)
    client.force_login(county.operator)
    response = client.post(reverse("meetings:staff-sign-in-id", args=[meeting.pk]), {"id_number": typed})
    assert response.status_code == 302
    assert response["Location"] == control(meeting)
    html = page(client.get(response["Location"]))
    assert "Aygul Tursun is signed in." in html
    assert AYGUL_ID not in html
    assert present(meeting) == {"Aygul Tursun"}
    assert logged("attendance_record") == [{"resident": family["aygul"].pk}]
    # Scanned twice: harmless, and said so.
    response = client.post(reverse("meetings:staff-sign-in-id", args=[meeting.pk]), {"id_number": typed})
    assert "Aygul Tursun was already signed in." in page(client.get(response["Location"]))
    assert len(logged("attendance_record")) == 1


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "This field is required."),
        ("12345", "The ID number must have 18 characters."),
        (AYGUL_ID[:-1] + ("0" if AYGUL_ID[-1] != "0" else "1"), "check digit is wrong"),
        (NEIGHBOUR_ID, "No one on the village&#x27;s roll has this ID card number."),
        (idcard.with_check_symbol("65319919800101999"), "No one on the village&#x27;s roll has this ID card"),
    ],
)
def test_a_wrong_or_foreign_id_number_is_a_400_that_never_echoes_it(
    client, meeting, county, family, typed, message
):
    set_status(meeting, Status.ANNOUNCED)
    client.force_login(county.operator)
    response = client.post(reverse("meetings:staff-sign-in-id", args=[meeting.pk]), {"id_number": typed})
    assert response.status_code == 400
    html = page(response)
    assert message in html
    if typed:
        assert typed not in html
    assert present(meeting) == set()


def test_an_id_number_of_someone_who_left_is_refused_with_the_rolls_reason(client, meeting, county, family):
    left_id = idcard.with_check_symbol("65319919800101125")
    family["left"].id_hash = idcard.id_number_hash(left_id)
    family["left"].save()
    set_status(meeting, Status.ANNOUNCED)
    client.force_login(county.operator)
    response = client.post(reverse("meetings:staff-sign-in-id", args=[meeting.pk]), {"id_number": left_id})
    assert response.status_code == 400
    assert "This person is not on the village&#x27;s roll." in page(response)
    assert present(meeting) == set()


def test_id_sign_in_at_a_representatives_assembly_is_for_representatives(client, meeting, county, family):
    set_status(meeting, Status.ANNOUNCED, kind=Meeting.Kind.REPRESENTATIVES_ASSEMBLY)
    client.force_login(county.operator)
    response = client.post(reverse("meetings:staff-sign-in-id", args=[meeting.pk]), {"id_number": AYGUL_ID})
    assert response.status_code == 400
    assert "Aygul Tursun is not one." in page(response)


def test_id_sign_in_is_a_post_and_for_the_villages_operators_only(client, meeting, county, family):
    set_status(meeting, Status.ANNOUNCED)
    url = reverse("meetings:staff-sign-in-id", args=[meeting.pk])
    client.force_login(county.operator)
    assert client.get(url, {"id_number": AYGUL_ID}).status_code == 405
    for user in (county.moderator, county.nobody):
        client.force_login(user)
        assert client.post(url, {"id_number": AYGUL_ID}).status_code == 404
    assert present(meeting) == set()


# --- the page: by household ---------------------------------------------------------------------------


def household_url(meeting, household, **query):
    url = reverse("meetings:staff-sign-in-household", args=[meeting.pk, household.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def test_the_search_links_each_household_to_its_sign_in(client, meeting, county, family):
    set_status(meeting, Status.ANNOUNCED)
    client.force_login(county.operator)
    html = page(client.get(control(meeting), {"q": "Aygul"}))
    assert f'href="{household_url(meeting, family["aygul"].household, q="Aygul")}"' in html


def test_the_household_page_ticks_everyone_not_yet_in(client, meeting, county, family):
    set_status(meeting, Status.ANNOUNCED)
    services.attendance_record(meeting=meeting, resident=family["zohre"], by=county.operator)
    client.force_login(county.operator)
    html = page(client.get(household_url(meeting, family["aygul"].household)))
    ticked = re.findall(r'<input type="checkbox"[^>]*name="residents" value="(\d+)"[^>]*checked', html)
    assert sorted(map(int, ticked)) == sorted([family["aygul"].pk, family["mamat"].pk])
    assert "Left Tursun" not in html  # not on the roll
    assert "Already signed in" in html and "Zohre Tursun" in html


def test_the_clerk_leaves_someone_out_and_the_others_sign_in(client, meeting, county, family):
    set_status(meeting, Status.ANNOUNCED)
    client.force_login(county.operator)
    url = household_url(meeting, family["aygul"].household)
    response = client.post(url, {"residents": [family["aygul"].pk, family["zohre"].pk], "q": "Tursun"})
    assert response.status_code == 302
    assert response["Location"] == control(meeting) + "?q=Tursun#sign-in"
    assert "2 people of household H-017 are signed in." in page(client.get(response["Location"]))
    assert present(meeting) == {"Aygul Tursun", "Zohre Tursun"}
    assert len(logged("attendance_record")) == 2


def test_ticking_no_one_is_a_400(client, meeting, county, family):
    set_status(meeting, Status.ANNOUNCED)
    client.force_login(county.operator)
    response = client.post(household_url(meeting, family["aygul"].household), {})
    assert response.status_code == 400
    assert "Tick at least one person to sign in." in page(response)


@pytest.mark.parametrize("who", ["left", "neighbour"])
def test_a_resident_not_listed_for_the_household_is_refused(client, meeting, county, family, who):
    set_status(meeting, Status.ANNOUNCED)
    client.force_login(county.operator)
    response = client.post(
        household_url(meeting, family["aygul"].household), {"residents": [family["aygul"].pk, family[who].pk]}
    )
    assert response.status_code == 400
    assert "Select a valid choice" in page(response)
    assert present(meeting) == set()


def test_a_representatives_assembly_lists_the_households_representatives(client, meeting, county, family):
    set_status(meeting, Status.ANNOUNCED, kind=Meeting.Kind.REPRESENTATIVES_ASSEMBLY)
    client.force_login(county.operator)
    html = page(client.get(household_url(meeting, family["aygul"].household)))
    assert re.findall(r'name="residents" value="(\d+)"', html) == [str(family["mamat"].pk)]


def test_no_household_sign_in_after_voting_closed(client, meeting, county, family):
    set_status(meeting, Status.VOTING_CLOSED)
    client.force_login(county.operator)
    url = household_url(meeting, family["aygul"].household)
    assert 'name="residents"' not in page(client.get(url))
    assert client.post(url, {"residents": [family["aygul"].pk]}).status_code == 409
    assert present(meeting) == set()


def test_another_villages_household_or_meeting_is_404(client, meeting, county, family):
    set_status(meeting, Status.ANNOUNCED)
    neighbours = Meeting.objects.create(
        village=county.neighbour,
        year=2024,
        held_at=meeting.held_at,
        venue="Hall",
        scheme=meeting.scheme,
        status=Status.ANNOUNCED,
    )
    client.force_login(county.operator)
    foreign = household_url(meeting, family["neighbour"].household)
    assert client.get(foreign).status_code == 404
    assert client.post(foreign, {"residents": [family["neighbour"].pk]}).status_code == 404
    # The neighbour's meeting is not the operator's: every sign-in door is a 404.
    own_household = family["aygul"].household
    assert client.get(household_url(neighbours, own_household)).status_code == 404
    assert (
        client.post(reverse("meetings:staff-sign-in-id", args=[neighbours.pk]), {"id_number": NEIGHBOUR_ID})
    ).status_code == 404
    assert (
        client.post(
            reverse("meetings:staff-sign-in-undo", args=[neighbours.pk]), {"resident": family["neighbour"].pk}
        )
    ).status_code == 404
    assert not Attendance.objects.exists()


# --- the page: undo -----------------------------------------------------------------------------------


def test_the_attendance_list_offers_undo_until_a_ballot_is_handed_out(client, meeting, county, family):
    set_status(meeting, Status.VOTING_OPEN)
    for name in ("aygul", "mamat"):
        services.attendance_record(meeting=meeting, resident=family[name], by=county.operator)
    ballot_services.poll_book_record(meeting=meeting, resident=family["mamat"], by=county.operator)
    client.force_login(county.operator)
    html = page(client.get(control(meeting)))
    assert 'aria-label="Undo the sign-in of Aygul Tursun"' in html
    assert 'aria-label="Undo the sign-in of Mamat Tursun"' not in html


def test_undo_over_http(client, meeting, county, family):
    set_status(meeting, Status.ANNOUNCED)
    services.attendance_record(meeting=meeting, resident=family["aygul"], by=county.operator)
    client.force_login(county.operator)
    url = reverse("meetings:staff-sign-in-undo", args=[meeting.pk])
    assert client.get(url).status_code == 405
    response = client.post(url, {"resident": family["aygul"].pk})
    assert response.status_code == 302
    html = page(client.get(response["Location"]))
    assert "Aygul Tursun&#x27;s sign-in has been undone." in html
    assert "No one has been signed in yet." in html
    # Again: not signed in any more, a 400 that says so.
    response = client.post(url, {"resident": family["aygul"].pk})
    assert response.status_code == 400
    assert "Aygul Tursun is not signed in." in page(response)


def test_undo_after_a_code_is_a_400_with_the_reason(client, meeting, county, family):
    set_status(meeting, Status.VOTING_OPEN)
    ballot_services.poll_book_record(meeting=meeting, resident=family["aygul"], by=county.operator)
    client.force_login(county.township_admin)
    response = client.post(
        reverse("meetings:staff-sign-in-undo", args=[meeting.pk]), {"resident": family["aygul"].pk}
    )
    assert response.status_code == 400
    assert "their sign-in can no longer be undone" in page(response)
    assert present(meeting) == {"Aygul Tursun"}


@pytest.mark.parametrize("resident", ["neighbour", "9" * 30, "x"])
def test_undo_of_another_villages_resident_or_nonsense_is_refused(client, meeting, county, family, resident):
    set_status(meeting, Status.ANNOUNCED)
    client.force_login(county.operator)
    value = family[resident].pk if resident in family else resident
    response = client.post(reverse("meetings:staff-sign-in-undo", args=[meeting.pk]), {"resident": value})
    assert response.status_code == (404 if resident in family else 400)
