"""The services behind the operator's pages: handing out, reprinting, printing and voiding codes,
the poll book, and arming terminals. Every service checks the capability itself."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models

from meetings.models import Attendance
from portal.models import AuditEntry
from ratings.ballot import codes, services
from ratings.models import BallotCode, PollBookEntry, Terminal, VoterGroup
from tests.worlds import (
    OPERATOR_ROLES,
    PLACES,
    Status,
    make_resident,
    operates,
    print_panel_codes,
    set_status,
    stored_code,
)

pytestmark = pytest.mark.usefixtures("english")


def voting_terminal(operator_world):
    set_status(operator_world.meeting, Status.VOTING_OPEN)
    terminal, _token = services.terminal_arm(
        meeting=operator_world.meeting, label="Door", by=operator_world.county.operator
    )
    return terminal


# --- handing out a code ---------------------------------------------------------------------------


def test_a_code_is_handed_out_once_and_stored_only_as_a_hash(operator_world):
    code = services.code_issue(
        meeting=operator_world.meeting, resident=operator_world.aygul, by=operator_world.county.operator
    )
    assert codes.is_well_formed(code)
    row = BallotCode.objects.get()
    assert row == stored_code(operator_world.meeting, code)
    assert row.status == BallotCode.Status.ISSUED
    assert row.group.kind == VoterGroup.Kind.VILLAGER
    # Nowhere in the row is the code in clear.
    values = [str(getattr(row, field.attname)) for field in BallotCode._meta.concrete_fields]
    assert not any(code in value or codes.display(code) in value for value in values)
    assert PollBookEntry.objects.filter(
        meeting=operator_world.meeting, resident=operator_world.aygul
    ).exists()
    assert Attendance.objects.filter(meeting=operator_world.meeting, resident=operator_world.aygul).exists()
    assert AuditEntry.objects.filter(action="code_issue").count() == 1


def test_a_second_code_for_the_same_resident_is_refused(operator_world):
    services.code_issue(
        meeting=operator_world.meeting, resident=operator_world.aygul, by=operator_world.county.operator
    )
    with pytest.raises(ValidationError, match="already received a ballot code"):
        services.code_issue(
            meeting=operator_world.meeting, resident=operator_world.aygul, by=operator_world.county.operator
        )
    assert BallotCode.objects.count() == 1


@pytest.mark.parametrize("who", ["left", "stranger"])
def test_only_residents_on_the_villages_roll_get_a_code(operator_world, who):
    with pytest.raises(ValidationError, match="not on the village's roll"):
        services.code_issue(
            meeting=operator_world.meeting,
            resident=getattr(operator_world, who),
            by=operator_world.county.operator,
        )
    assert not BallotCode.objects.exists() and not PollBookEntry.objects.exists()


@pytest.mark.parametrize(
    ("status", "allowed"),
    [
        (Status.DRAFT, False),
        (Status.ANNOUNCED, True),
        (Status.VOTING_OPEN, True),
        (Status.VOTING_CLOSED, False),
        (Status.UNDER_NOTICE, False),
        (Status.FINAL, False),
        (Status.ANNULLED, False),
    ],
)
def test_codes_are_handed_out_while_announced_or_voting(operator_world, status, allowed):
    set_status(operator_world.meeting, status)
    by = operator_world.county.operator
    attempts = [
        lambda: services.code_issue(meeting=operator_world.meeting, resident=operator_world.aygul, by=by),
        lambda: services.poll_book_record(
            meeting=operator_world.meeting, resident=operator_world.mamat, by=by
        ),
        lambda: services.codes_issue_batch(meeting=operator_world.meeting, count=2, by=by),
    ]
    for attempt in attempts:
        if allowed:
            attempt()
        else:
            with pytest.raises(ValidationError, match="only while the meeting is announced or voting"):
                attempt()
    assert BallotCode.objects.count() == (3 if allowed else 0)
    assert PollBookEntry.objects.count() == (2 if allowed else 0)


# --- reprinting a lost code -------------------------------------------------------------------------


def test_reprinting_voids_the_lost_code(operator_world):
    operator = operator_world.county.operator
    old = services.code_issue(meeting=operator_world.meeting, resident=operator_world.aygul, by=operator)
    new = services.code_reissue(meeting=operator_world.meeting, resident=operator_world.aygul, by=operator)
    assert new != old
    assert stored_code(operator_world.meeting, old).status == BallotCode.Status.VOIDED
    assert stored_code(operator_world.meeting, old).holder_key == ""
    assert stored_code(operator_world.meeting, new).status == BallotCode.Status.ISSUED
    assert PollBookEntry.objects.count() == 1
    terminal = voting_terminal(operator_world)
    with pytest.raises(services.BallotRejected):
        services.code_check(terminal=terminal, typed=old)
    assert services.code_check(terminal=terminal, typed=codes.display(new).lower()) == new


def test_reprinting_twice_leaves_only_the_last_code_usable(operator_world):
    operator = operator_world.county.operator
    first = services.code_issue(meeting=operator_world.meeting, resident=operator_world.aygul, by=operator)
    second = services.code_reissue(meeting=operator_world.meeting, resident=operator_world.aygul, by=operator)
    third = services.code_reissue(meeting=operator_world.meeting, resident=operator_world.aygul, by=operator)
    statuses = [stored_code(operator_world.meeting, code).status for code in (first, second, third)]
    assert statuses == [BallotCode.Status.VOIDED, BallotCode.Status.VOIDED, BallotCode.Status.ISSUED]


def test_reprinting_needs_a_code_handed_out_before(operator_world):
    with pytest.raises(ValidationError, match="has not received a code"):
        services.code_reissue(
            meeting=operator_world.meeting, resident=operator_world.aygul, by=operator_world.county.operator
        )
    assert not BallotCode.objects.exists()


def test_a_used_code_is_not_reprinted(operator_world):
    code = services.code_issue(
        meeting=operator_world.meeting, resident=operator_world.aygul, by=operator_world.county.operator
    )
    BallotCode.objects.filter(pk=stored_code(operator_world.meeting, code).pk).update(
        status="used", holder_key=""
    )
    with pytest.raises(ValidationError, match="cannot be reprinted"):
        services.code_reissue(
            meeting=operator_world.meeting, resident=operator_world.aygul, by=operator_world.county.operator
        )
    assert BallotCode.objects.count() == 1


def test_reprinting_only_touches_the_residents_own_code(operator_world):
    operator = operator_world.county.operator
    aygul = services.code_issue(meeting=operator_world.meeting, resident=operator_world.aygul, by=operator)
    mamat = services.code_issue(meeting=operator_world.meeting, resident=operator_world.mamat, by=operator)
    services.code_reissue(meeting=operator_world.meeting, resident=operator_world.aygul, by=operator)
    assert stored_code(operator_world.meeting, aygul).status == BallotCode.Status.VOIDED
    assert stored_code(operator_world.meeting, mamat).status == BallotCode.Status.ISSUED


# --- pre-printed codes and the poll book --------------------------------------------------------------


def test_a_batch_is_distinct_well_formed_and_names_no_holder(operator_world):
    batch = services.codes_issue_batch(
        meeting=operator_world.meeting, count=20, by=operator_world.county.operator
    )
    assert len(set(batch)) == 20
    assert all(codes.is_well_formed(code) for code in batch)
    rows = BallotCode.objects.filter(meeting=operator_world.meeting)
    assert rows.count() == 20
    assert set(rows.values_list("holder_key", flat=True)) == {""}
    assert {row.group.kind for row in rows} == {VoterGroup.Kind.VILLAGER}
    assert all(stored_code(operator_world.meeting, code) for code in batch)
    assert not PollBookEntry.objects.exists()


def test_a_panel_batch_is_in_the_township_panels_group(operator_world):
    batch = print_panel_codes(operator_world.meeting, 3, operator_world.county.township_admin)
    assert {stored_code(operator_world.meeting, code).group.kind for code in batch} == {
        VoterGroup.Kind.TOWNSHIP_PANEL
    }


@pytest.mark.parametrize("count", [0, -1, services.MAX_BATCH + 1])
def test_a_batch_has_bounds(operator_world, count):
    with pytest.raises(ValidationError, match="between 1 and"):
        services.codes_issue_batch(
            meeting=operator_world.meeting, count=count, by=operator_world.county.operator
        )
    assert not BallotCode.objects.exists()


def test_handing_a_pre_printed_code_records_who_never_which(operator_world):
    services.codes_issue_batch(meeting=operator_world.meeting, count=2, by=operator_world.county.operator)
    assert services.poll_book_record(
        meeting=operator_world.meeting, resident=operator_world.aygul, by=operator_world.county.operator
    )
    entry = PollBookEntry.objects.get()
    assert entry.resident == operator_world.aygul
    assert Attendance.objects.filter(meeting=operator_world.meeting, resident=operator_world.aygul).exists()
    assert set(BallotCode.objects.values_list("holder_key", flat=True)) == {""}
    with pytest.raises(ValidationError, match="already received a ballot code"):
        services.poll_book_record(
            meeting=operator_world.meeting, resident=operator_world.aygul, by=operator_world.county.operator
        )
    with pytest.raises(ValidationError, match="already received a ballot code"):
        services.code_issue(
            meeting=operator_world.meeting, resident=operator_world.aygul, by=operator_world.county.operator
        )


def test_the_poll_book_has_no_code_and_no_time():
    fields = {field.name: field for field in PollBookEntry._meta.get_fields()}
    # paper: a sheet instead of a code; assisted: a helper marked the ballot (a count, wiped at the seal)
    assert set(fields) == {"id", "meeting", "resident", "paper", "assisted"}
    assert isinstance(fields["id"], models.UUIDField)  # a random key: not even the order of handing out
    assert not any(isinstance(field, (models.DateField, models.TimeField)) for field in fields.values())
    assert fields["meeting"].related_model._meta.label == "meetings.Meeting"
    assert fields["resident"].related_model._meta.label == "portal.Resident"


# --- voiding --------------------------------------------------------------------------------------------


def test_a_voided_code_no_longer_votes(operator_world):
    code = services.codes_issue_batch(
        meeting=operator_world.meeting, count=1, by=operator_world.county.operator
    )[0]
    services.code_void(
        meeting=operator_world.meeting, code=codes.display(code).lower(), by=operator_world.county.operator
    )
    assert stored_code(operator_world.meeting, code).status == BallotCode.Status.VOIDED
    assert AuditEntry.objects.filter(action="code_void").count() == 1
    with pytest.raises(services.BallotRejected):
        services.code_check(terminal=voting_terminal(operator_world), typed=code)
    with pytest.raises(ValidationError, match="No unused code"):
        services.code_void(meeting=operator_world.meeting, code=code, by=operator_world.county.operator)


def test_voiding_needs_a_well_formed_code_of_this_meeting(operator_world):
    code = services.codes_issue_batch(
        meeting=operator_world.neighbour_meeting, count=1, by=operator_world.county.township_admin
    )[0]
    typo = code[:-1] + ("1" if code[-1] != "1" else "2")
    with pytest.raises(ValidationError, match="typing error"):
        services.code_void(
            meeting=operator_world.neighbour_meeting, code=typo, by=operator_world.county.township_admin
        )
    with pytest.raises(ValidationError, match="No unused code"):
        services.code_void(meeting=operator_world.meeting, code=code, by=operator_world.county.township_admin)
    assert stored_code(operator_world.neighbour_meeting, code).status == BallotCode.Status.ISSUED


def test_a_used_code_cannot_be_voided(operator_world):
    code = services.codes_issue_batch(
        meeting=operator_world.meeting, count=1, by=operator_world.county.operator
    )[0]
    BallotCode.objects.update(status=BallotCode.Status.USED)
    with pytest.raises(ValidationError, match="No unused code"):
        services.code_void(meeting=operator_world.meeting, code=code, by=operator_world.county.operator)
    assert stored_code(operator_world.meeting, code).status == BallotCode.Status.USED


# --- terminals -------------------------------------------------------------------------------------------


def test_an_armed_terminal_is_found_by_its_token_until_disarmed(operator_world):
    terminal, token = services.terminal_arm(
        meeting=operator_world.meeting, label="  Door  ", by=operator_world.county.operator
    )
    assert terminal.label == "Door"
    assert token not in terminal.token_hash
    assert services.terminal_from_token(token) == terminal
    assert services.terminal_from_token(token + "x") is None
    assert services.terminal_from_token("") is None
    services.terminal_disarm(terminal=terminal, by=operator_world.county.operator)
    assert services.terminal_from_token(token) is None
    assert Terminal.objects.get().disarmed_at is not None
    assert [e.action for e in AuditEntry.objects.filter(action__startswith="terminal_").order_by("seq")] == [
        "terminal_arm",
        "terminal_disarm",
    ]


def test_a_disarmed_terminal_accepts_no_code(operator_world):
    code = services.code_issue(
        meeting=operator_world.meeting, resident=operator_world.aygul, by=operator_world.county.operator
    )
    terminal = voting_terminal(operator_world)
    assert services.code_check(terminal=terminal, typed=code) == code
    services.terminal_disarm(terminal=terminal, by=operator_world.county.operator)
    with pytest.raises(services.BallotRejected, match="disarmed"):
        services.code_check(terminal=terminal, typed=code)


@pytest.mark.parametrize("status", [Status.ANNOUNCED, Status.VOTING_CLOSED])
def test_an_armed_terminal_accepts_codes_only_while_voting_is_open(operator_world, status):
    code = services.code_issue(
        meeting=operator_world.meeting, resident=operator_world.aygul, by=operator_world.county.operator
    )
    terminal, _token = services.terminal_arm(
        meeting=operator_world.meeting, label="Door", by=operator_world.county.operator
    )
    set_status(operator_world.meeting, status)
    with pytest.raises(services.BallotRejected, match="Voting is not open"):
        services.code_check(terminal=terminal, typed=code)


@pytest.mark.parametrize("status", [Status.FINAL, Status.ANNULLED])
def test_a_finished_meeting_arms_no_terminal(operator_world, status):
    set_status(operator_world.meeting, status)
    with pytest.raises(ValidationError, match="over"):
        services.terminal_arm(meeting=operator_world.meeting, label="Door", by=operator_world.county.operator)
    assert not Terminal.objects.exists()


# --- who may --------------------------------------------------------------------------------------------


def _state():
    return (
        sorted(BallotCode.objects.values_list("status", flat=True)),
        PollBookEntry.objects.count(),
        Terminal.objects.filter(disarmed_at__isnull=True).count(),
        Terminal.objects.count(),
        AuditEntry.objects.count(),
    )


def _actions(operator_world, meeting, by):
    """Each service of the operator's side on `meeting` as `by`, in an order that works when allowed.

    What the actions need (residents, an unused code, an armed terminal) is made beforehand with the
    server's or the superuser's authority.
    """
    first = make_resident(meeting.village, "First Resident")
    second = make_resident(meeting.village, "Second Resident")
    spare_code = services.codes_issue_batch(meeting=meeting, count=1, by=None)[0]
    spare_terminal, _token = services.terminal_arm(
        meeting=meeting, label="Spare", by=operator_world.county.superuser
    )
    return [
        ("code_issue", lambda: services.code_issue(meeting=meeting, resident=first, by=by)),
        ("code_reissue", lambda: services.code_reissue(meeting=meeting, resident=first, by=by)),
        ("codes_issue_batch", lambda: services.codes_issue_batch(meeting=meeting, count=1, by=by)),
        ("poll_book_record", lambda: services.poll_book_record(meeting=meeting, resident=second, by=by)),
        ("code_void", lambda: services.code_void(meeting=meeting, code=spare_code, by=by)),
        ("terminal_arm", lambda: services.terminal_arm(meeting=meeting, label="T", by=by)),
        ("terminal_disarm", lambda: services.terminal_disarm(terminal=spare_terminal, by=by)),
    ]


@pytest.mark.parametrize("place", PLACES)
@pytest.mark.parametrize("role", OPERATOR_ROLES)
def test_permissions_matrix(operator_world, role, place):
    meeting = operator_world.meeting_in(place)
    actions = _actions(operator_world, meeting, getattr(operator_world.county, role))
    before = _state()
    if operates(role, place):
        for _name, action in actions:
            action()
        # issued + reissued (old voided) + batch + spare (voided); two in the poll book; one of two
        # terminals disarmed.
        assert _state()[:4] == (["issued", "issued", "voided", "voided"], 2, 1, 2)
    else:
        for name, action in actions:
            with pytest.raises(PermissionDenied):
                action()
            assert _state() == before, name


def test_the_command_line_prints_with_the_servers_authority(operator_world):
    assert len(services.codes_issue_batch(meeting=operator_world.meeting, count=2, by=None)) == 2
    assert AuditEntry.objects.filter(action="codes_issue_batch").count() == 1
