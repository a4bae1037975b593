"""Only those entitled vote, once: a representatives' assembly admits only the villagers'
representatives, through every door that signs a person in or hands them a code, and nobody receives a
second code at a meeting whichever doors the first and the second try use."""

import html

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from meetings import services as meeting_services
from meetings.models import Attendance, Meeting
from ratings.ballot import services
from ratings.models import BallotCode, PollBookEntry

pytestmark = pytest.mark.usefixtures("english", "english_pages")

ONLY_REPRESENTATIVES = "Only villagers' representatives take part in a representatives' assembly"


def sign_in(world, resident):
    return meeting_services.attendance_record(
        meeting=world.meeting, resident=resident, by=world.county.operator
    )


def hand_out_code(world, resident):
    return services.code_issue(meeting=world.meeting, resident=resident, by=world.county.operator)


def record_preprinted_code(world, resident):
    return services.poll_book_record(meeting=world.meeting, resident=resident, by=world.county.operator)


# Each way a person comes to take part, as a service and as the operator's page.
DOORS = {
    "sign-in": (sign_in, "meetings:staff-sign-in"),
    "code": (hand_out_code, "ratings:code-issue"),
    "pre-printed code": (record_preprinted_code, "ratings:poll-book-record"),
}
CODE_DOORS = ("code", "pre-printed code")


@pytest.fixture
def assembly(operator_world):
    """The operator's world, its meeting a representatives' assembly: Mamat is a representative, Aygul not."""
    Meeting.objects.filter(pk=operator_world.meeting.pk).update(kind=Meeting.Kind.REPRESENTATIVES_ASSEMBLY)
    operator_world.meeting.refresh_from_db()
    return operator_world


@pytest.mark.parametrize("door", DOORS)
def test_a_representatives_assembly_admits_only_representatives(assembly, door):
    take_part, _page = DOORS[door]
    with pytest.raises(ValidationError, match=ONLY_REPRESENTATIVES):
        take_part(assembly, assembly.aygul)
    assert not Attendance.objects.exists()
    assert not PollBookEntry.objects.exists() and not BallotCode.objects.exists()

    take_part(assembly, assembly.mamat)
    assert list(Attendance.objects.values_list("resident", flat=True)) == [assembly.mamat.pk]


@pytest.mark.parametrize("door", DOORS)
def test_the_operators_pages_refuse_a_villager_who_is_not_a_representative(client, assembly, door):
    _service, page = DOORS[door]
    client.force_login(assembly.county.operator)
    # The sign-in desk answers 400 on the control page; the code desks go back to it with the message.
    response = client.post(
        reverse(page, args=[assembly.meeting.pk]), {"resident": assembly.aygul.pk}, follow=True
    )
    assert response.status_code == (400 if door == "sign-in" else 200)
    assert [status for _url, status in response.redirect_chain] == ([] if door == "sign-in" else [302])
    assert f"{ONLY_REPRESENTATIVES}, and Aygul Tursun is not one." in html.unescape(response.content.decode())
    assert not Attendance.objects.exists() and not PollBookEntry.objects.exists()


def test_the_sign_in_search_lists_only_representatives_at_a_representatives_assembly(client, assembly):
    client.force_login(assembly.county.operator)
    control = reverse("meetings:staff-meeting", args=[assembly.meeting.pk])
    page = html.unescape(client.get(control, {"q": "Tursun"}).content.decode())
    assert "Mamat Tursun" in page
    assert "Aygul Tursun" not in page
    assert "only villagers' representatives are listed" in page
    # At a villagers' assembly the same search finds both.
    Meeting.objects.filter(pk=assembly.meeting.pk).update(kind=Meeting.Kind.VILLAGERS_ASSEMBLY)
    page = html.unescape(client.get(control, {"q": "Tursun"}).content.decode())
    assert "Mamat Tursun" in page and "Aygul Tursun" in page


@pytest.mark.parametrize("second", CODE_DOORS)
@pytest.mark.parametrize("first", CODE_DOORS)
def test_nobody_receives_a_second_code_whichever_doors(operator_world, first, second):
    DOORS[first][0](operator_world, operator_world.aygul)
    codes_before = BallotCode.objects.count()
    with pytest.raises(ValidationError, match="already received a ballot code"):
        DOORS[second][0](operator_world, operator_world.aygul)
    assert PollBookEntry.objects.filter(resident=operator_world.aygul).count() == 1
    assert BallotCode.objects.count() == codes_before
