"""Pre-printed codes are printed for a stated purpose and bounded by the roll and the panel's seats, so
that no batch can put more ballots in the box than there are people entitled to cast them."""

import io
import re

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils.translation import override

from meetings import services as meeting_services
from meetings.models import Meeting, MeetingCadre
from portal.models import AuditEntry, Resident
from ratings.ballot import services
from ratings.models import BallotCode, CodeBatch, VoterGroup
from tests.factories import CadreFactory
from tests.worlds import Status, make_resident, set_status

SIGN_IN, PANEL = CodeBatch.Purpose.SIGN_IN, CodeBatch.Purpose.PANEL
pytestmark = pytest.mark.usefixtures("english")


def roll_of(meeting) -> int:
    return Resident.objects.in_village(meeting.village_id).on_roll().count()


def batch(world, count, purpose=SIGN_IN, **kwargs):
    return services.codes_issue_batch(
        meeting=world.meeting, count=count, purpose=purpose, by=world.county.operator, **kwargs
    )


def give_cadre(meeting):
    cadre = CadreFactory(village=meeting.village, name="Reporting cadre")
    MeetingCadre.objects.create(meeting=meeting, cadre=cadre, order=0)
    return cadre


def seat_panel(meeting, seats: int) -> None:
    Meeting.objects.filter(pk=meeting.pk).update(panel_seats=seats)
    meeting.refresh_from_db(fields=["panel_seats"])


# --- the service --------------------------------------------------------------------------------


def test_the_roll_bounds_the_codes_for_it(operator_world):
    roll = roll_of(operator_world.meeting)
    with override("en"), pytest.raises(ValidationError) as refused:
        batch(operator_world, roll + 1)
    assert refused.value.messages == [
        f"Codes for the roll may not outnumber its {roll} voters: {roll} more codes can be printed, not "
        f"{roll + 1}. Void the codes that were lost or spoiled first."
    ]
    assert not BallotCode.objects.exists() and not CodeBatch.objects.exists()
    assert len(batch(operator_world, roll)) == roll
    with pytest.raises(ValidationError, match="0 more codes can be printed, not 1"):
        batch(operator_world, 1)


def test_codes_handed_to_people_count_against_the_room_and_voided_ones_do_not(operator_world):
    roll = roll_of(operator_world.meeting)
    by = operator_world.county.operator
    services.code_issue(meeting=operator_world.meeting, resident=operator_world.aygul, by=by)
    assert services.batch_room(operator_world.meeting)[SIGN_IN] == roll - 1
    printed = batch(operator_world, roll - 1)
    with pytest.raises(ValidationError, match="0 more codes"):
        batch(operator_world, 1)
    services.code_void(meeting=operator_world.meeting, code=printed[0], by=by)
    assert len(batch(operator_world, 1)) == 1


def test_a_representatives_assembly_prints_no_more_than_its_representatives(operator_world):
    Meeting.objects.filter(pk=operator_world.meeting.pk).update(kind=Meeting.Kind.REPRESENTATIVES_ASSEMBLY)
    operator_world.meeting.refresh_from_db()
    representatives = Resident.objects.in_village(operator_world.meeting.village_id).on_roll()
    assert representatives.filter(representative=True).count() == 1  # Mamat
    with pytest.raises(ValidationError, match="outnumber its 1 voters"):
        batch(operator_world, 2)
    assert len(batch(operator_world, 1)) == 1


def test_the_roll_frozen_at_voting_open_is_the_bound(operator_world):
    give_cadre(operator_world.meeting)
    meeting = meeting_services.voting_open(meeting=operator_world.meeting, by=operator_world.county.operator)
    frozen = meeting.roll_size
    for index in range(5):
        make_resident(meeting.village, f"Late {index}")
    assert services.batch_room(meeting)[SIGN_IN] == frozen


def test_the_panel_seats_bound_the_panels_codes(operator_world):
    with override("en"), pytest.raises(ValidationError) as refused:
        batch(operator_world, 1, PANEL)
    assert refused.value.messages == [
        "The township panel has 0 seats at this meeting: 0 more codes can be printed for it, not 1."
    ]
    seat_panel(operator_world.meeting, 3)
    printed = batch(operator_world, 3, PANEL)
    assert {row.group.kind for row in BallotCode.objects.filter(batch__purpose=PANEL)} == {
        VoterGroup.Kind.TOWNSHIP_PANEL
    }
    services.code_void(meeting=operator_world.meeting, code=printed[0], by=operator_world.county.operator)
    with pytest.raises(ValidationError, match="1 more code can be printed for it, not 2"):
        batch(operator_world, 2, PANEL)
    # The panel's seats and the roll are counted apart.
    assert services.batch_room(operator_world.meeting)[SIGN_IN] == roll_of(operator_world.meeting)


def test_a_batch_keeps_its_purpose_and_note_and_the_audit_log_says_them(operator_world):
    batch(operator_world, 4, note="  Second desk at the school ")
    kept = CodeBatch.objects.get()
    assert (kept.purpose, kept.note, kept.size, kept.printed_by) == (
        SIGN_IN,
        "Second desk at the school",
        4,
        operator_world.county.operator,
    )
    assert kept.codes.count() == 4
    entry = AuditEntry.objects.get(action="codes_issue_batch")
    assert entry.details == {
        "codes": 4,
        "purpose": "sign_in",
        "note": "Second desk at the school",
        "panel": False,
    }


def test_a_code_handed_to_a_person_belongs_to_no_batch(operator_world):
    services.code_issue(
        meeting=operator_world.meeting, resident=operator_world.aygul, by=operator_world.county.operator
    )
    assert BallotCode.objects.get().batch is None


def test_an_unknown_purpose_is_refused(operator_world):
    with pytest.raises(ValidationError, match="Say what the codes are for"):
        batch(operator_world, 1, "raffle")
    assert not BallotCode.objects.exists()


# --- the codes page -----------------------------------------------------------------------------


def codes_url(meeting, name="codes"):
    return reverse(f"ratings:{name}", args=[meeting.pk])


def test_the_page_says_the_room_left_and_lists_the_batches(client, operator_world):
    seat_panel(operator_world.meeting, 5)
    roll = roll_of(operator_world.meeting)
    batch(operator_world, 3, note="Back door")
    client.force_login(operator_world.county.operator)
    html = client.get(codes_url(operator_world.meeting), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    room = " ".join(re.search(r"<p[^>]*data-room>(.*?)</p>", html, re.S).group(1).split())
    assert room.startswith(f"Up to {roll - 3} more codes for the roll and 5 for the township panel")
    rows = re.findall(r'<tr data-batch="(\w+)">(.*?)</tr>', html, re.S)
    assert [purpose for purpose, _row in rows] == ["sign_in"]
    cells = [" ".join(cell.split()) for cell in re.findall(r"<td[^>]*>(.*?)</td>", rows[0][1], re.S)]
    assert cells[1:] == [
        "slips for the sign-in desk",
        "3",
        operator_world.county.operator.get_username(),
        "Back door",
    ]


def test_a_batch_beyond_the_roll_is_refused_on_the_page_and_prints_nothing(client, operator_world):
    roll = roll_of(operator_world.meeting)
    client.force_login(operator_world.county.operator)
    response = client.post(
        codes_url(operator_world.meeting, "codes-batch"),
        {"count": roll + 1, "purpose": SIGN_IN},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert f"Codes for the roll may not outnumber its {roll} voters" in response.content.decode()
    assert not BallotCode.objects.exists()


@pytest.mark.parametrize("purpose", ["", "raffle"])
def test_a_batch_without_a_known_purpose_is_a_form_error(client, operator_world, purpose):
    client.force_login(operator_world.county.operator)
    response = client.post(codes_url(operator_world.meeting, "codes-batch"), {"count": 2, "purpose": purpose})
    assert response.status_code == 400
    assert "is-invalid" in response.content.decode()
    assert not BallotCode.objects.exists()


def test_the_refusal_is_translated(client, operator_world):
    client.force_login(operator_world.county.operator)
    response = client.post(
        codes_url(operator_world.meeting, "codes-batch"),
        {"count": 1, "purpose": PANEL},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.status_code == 400
    assert "乡镇评议组" in response.content.decode()


# --- the command line ---------------------------------------------------------------------------


def test_the_command_states_the_purpose_and_keeps_the_bound(operator_world):
    meeting = operator_world.meeting
    roll = roll_of(meeting)
    with pytest.raises(CommandError, match="--purpose"):
        call_command("issue_codes", "--meeting", str(meeting.pk), "--count", "1", stdout=io.StringIO())
    with pytest.raises(CommandError, match=f"outnumber its {roll} voters"):
        call_command(
            "issue_codes",
            "--meeting",
            str(meeting.pk),
            "--count",
            str(roll + 1),
            "--purpose",
            "sign_in",
            stdout=io.StringIO(),
            stderr=io.StringIO(),
        )
    assert not BallotCode.objects.exists()
    call_command(
        "issue_codes",
        "--meeting",
        str(meeting.pk),
        "--count",
        "2",
        "--purpose",
        "sign_in",
        "--note",
        "spare",
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )
    assert CodeBatch.objects.get().note == "spare"
    assert CodeBatch.objects.get().printed_by is None


# --- the meeting's panel seats ------------------------------------------------------------------


def test_the_seats_are_set_with_the_meeting_and_freeze_when_voting_opens(operator_world):
    admin = operator_world.county.township_admin
    meeting = meeting_services.meeting_update(meeting=operator_world.meeting, by=admin, panel_seats=4)
    assert meeting.panel_seats == 4
    set_status(meeting, Status.VOTING_OPEN)
    with pytest.raises(ValidationError, match="seats cannot change once voting has opened"):
        meeting_services.meeting_update(meeting=meeting, by=admin, panel_seats=9)
    assert Meeting.objects.get(pk=meeting.pk).panel_seats == 4


def test_the_seats_cannot_go_below_the_panels_codes(operator_world):
    admin = operator_world.county.township_admin
    meeting = meeting_services.meeting_update(meeting=operator_world.meeting, by=admin, panel_seats=3)
    printed = batch(operator_world, 3, PANEL)
    with pytest.raises(
        ValidationError, match="already has 3 codes printed: void them before lowering its seats to 2"
    ):
        meeting_services.meeting_update(meeting=meeting, by=admin, panel_seats=2)
    services.code_void(meeting=meeting, code=printed[0], by=operator_world.county.operator)
    assert meeting_services.meeting_update(meeting=meeting, by=admin, panel_seats=2).panel_seats == 2


def test_the_meeting_form_sets_the_seats(client, operator_world):
    meeting = operator_world.meeting
    cadre = give_cadre(meeting)
    client.force_login(operator_world.county.township_admin)
    edit = reverse("meetings:staff-meeting-edit", args=[meeting.pk])
    form = client.get(edit).context["form"]
    data = {
        "held_at": form.initial["held_at"].strftime("%Y-%m-%dT%H:%M"),
        "venue": form.initial["venue"],
        "kind": form.initial["kind"],
        "agenda": "",
        "scheme": form.initial["scheme"],
        "cadres": [cadre.pk],
        "panel_seats": "6",
    }
    response = client.post(edit, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Meeting.objects.get(pk=meeting.pk).panel_seats == 6
    response = client.post(edit, {**data, "panel_seats": "51"})
    assert response.status_code == 400
    assert Meeting.objects.get(pk=meeting.pk).panel_seats == 6


def test_shaking_the_box_keeps_each_code_in_its_batch(operator_world):
    meeting = operator_world.meeting
    batch(operator_world, 3, note="desk")
    services.code_issue(meeting=meeting, resident=operator_world.aygul, by=operator_world.county.operator)
    services.ballots_shake(meeting=meeting)
    kept = CodeBatch.objects.get()
    assert kept.codes.count() == 3
    assert BallotCode.objects.filter(meeting=meeting, batch__isnull=True).count() == 1
