"""The meeting's lifecycle services: who may, which moves are legal, what freezes, what is logged."""

import datetime
import itertools

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from meetings import services
from meetings.models import Attendance, IllegalTransition, Meeting
from meetings.quorum import quorum_of
from portal.models import AuditEntry
from ratings.ballot import schemes
from ratings.models import RatingScheme
from tests.factories import CadreFactory
from tests.worlds import residents, set_status

Status = Meeting.Status


def logged(action):
    return AuditEntry.objects.filter(action=action).count()


def create_kwargs(county, **overrides):
    kwargs = {
        "village": county.village,
        "year": 2025,
        "held_at": timezone.now() + datetime.timedelta(days=30),
        "venue": "Activity center",
        "kind": Meeting.Kind.VILLAGERS_ASSEMBLY,
        "cadres": [],
        "by": county.township_admin,
    }
    kwargs.update(overrides)
    return kwargs


# --- the lifecycle -----------------------------------------------------------------------------------

ALL_PAIRS = list(itertools.product(Status.values, repeat=2))
LEGAL = {(source, target) for source, targets in Meeting.TRANSITIONS.items() for target in targets}


def test_the_lifecycle_is_the_briefs():
    expected = {
        (Status.DRAFT, Status.ANNOUNCED),
        (Status.ANNOUNCED, Status.VOTING_OPEN),
        (Status.VOTING_OPEN, Status.VOTING_CLOSED),
        (Status.VOTING_CLOSED, Status.UNDER_NOTICE),
        (Status.UNDER_NOTICE, Status.FINAL),
    } | {
        (source, Status.ANNULLED) for source in Status.values if source not in {Status.FINAL, Status.ANNULLED}
    }
    assert expected == LEGAL


@pytest.mark.parametrize(("source", "target"), ALL_PAIRS)
def test_transition_to_allows_exactly_the_legal_moves(source, target):
    meeting = Meeting(status=source)
    if (source, target) in LEGAL:
        meeting.transition_to(target)
        assert meeting.status == target
    else:
        with pytest.raises(IllegalTransition):
            meeting.transition_to(target)
        assert meeting.status == source


# Each hand-made move, the status it leads to, and the extra arguments it needs.
MOVES = {
    "announce": (services.meeting_announce, Status.ANNOUNCED, {}),
    "voting_open": (services.voting_open, Status.VOTING_OPEN, {}),
    "voting_close": (services.voting_close, Status.VOTING_CLOSED, {}),
    "annul": (services.meeting_annul, Status.ANNULLED, {"reason": "The roll was wrong."}),
}


@pytest.mark.parametrize("source", Status.values)
@pytest.mark.parametrize("move", MOVES)
def test_each_service_moves_only_from_a_legal_status(meeting, county, source, move):
    service, target, extra = MOVES[move]
    set_status(meeting, source)
    entries = AuditEntry.objects.of_actions().count()
    if (source, target) in LEGAL:
        moved = service(meeting=meeting, by=county.township_admin, **extra)
        assert moved.status == target
        assert Meeting.objects.get(pk=meeting.pk).status == target
        assert AuditEntry.objects.of_actions().count() == entries + 1
    else:
        with pytest.raises(IllegalTransition):
            service(meeting=meeting, by=county.township_admin, **extra)
        assert Meeting.objects.get(pk=meeting.pk).status == source
        assert AuditEntry.objects.of_actions().count() == entries


def test_a_stale_copy_cannot_move_twice(meeting, county):
    """Two operators press "open voting" on the same page: the second one is refused."""
    services.meeting_announce(meeting=meeting, by=county.operator)
    stale = Meeting.objects.get(pk=meeting.pk)
    services.voting_open(meeting=meeting, by=county.operator)
    with pytest.raises(IllegalTransition):
        services.voting_open(meeting=stale, by=county.township_admin)
    assert logged("voting_open") == 1


def test_the_whole_way_through_is_logged_in_order(meeting, county):
    services.meeting_announce(meeting=meeting, by=county.operator)
    services.voting_open(meeting=meeting, by=county.operator)
    services.voting_close(meeting=meeting, by=county.operator)
    actions = list(
        AuditEntry.objects.of_actions()
        .filter(target_id=str(meeting.pk), target_type="meetings.meeting")
        .order_by("seq")
        .values_list("action", "actor_name", "scope")
    )
    assert actions == [
        ("meeting_announce", "operator1", county.village.code),
        ("voting_open", "operator1", county.village.code),
        ("voting_close", "operator1", county.village.code),
    ]


def test_announcing_needs_reporting_cadres(meeting, county):
    meeting.reporting.all().delete()
    with pytest.raises(ValidationError):
        services.meeting_announce(meeting=meeting, by=county.operator)
    assert Meeting.objects.get(pk=meeting.pk).status == Status.DRAFT
    assert logged("meeting_announce") == 0


def test_opening_the_vote_needs_reporting_cadres(meeting, county):
    set_status(meeting, Status.ANNOUNCED)
    meeting.reporting.all().delete()
    with pytest.raises(ValidationError):
        services.voting_open(meeting=meeting, by=county.operator)
    assert Meeting.objects.get(pk=meeting.pk).status == Status.ANNOUNCED


# --- who may move a meeting --------------------------------------------------------------------------

# role → (may operate: own village, neighbour, other township), (may manage: the same three)
ROLE_REACH = {
    "township_admin": ((True, True, False), (True, True, False)),
    "operator": ((True, False, False), (False, False, False)),
    "moderator": ((False, False, False), (False, False, False)),
    "cadre": ((False, False, False), (False, False, False)),
    "nobody": ((False, False, False), (False, False, False)),
    "anonymous": ((False, False, False), (False, False, False)),
}
PLACES = ("village", "neighbour", "elsewhere")


def account(county, role):
    return AnonymousUser() if role == "anonymous" else getattr(county, role)


def draft_in(county, place, scheme):
    village = getattr(county, place)
    meeting = Meeting.objects.create(
        village=village, year=2024, held_at=timezone.now(), venue="Hall", scheme=scheme
    )
    meeting.reporting.create(cadre=CadreFactory(village=village))
    return meeting


@pytest.mark.parametrize("place", range(3))
@pytest.mark.parametrize("role", ROLE_REACH)
def test_operator_moves_and_sign_in_are_for_the_villages_operators(county, scheme, role, place):
    meeting = draft_in(county, PLACES[place], scheme)
    user = account(county, role)
    allowed = ROLE_REACH[role][0][place]
    resident = residents(meeting.village, 1)[0]
    steps = [
        lambda: services.meeting_announce(meeting=meeting, by=user),
        lambda: services.attendance_record(meeting=meeting, resident=resident, by=user),
        lambda: services.voting_open(meeting=meeting, by=user),
        lambda: services.voting_close(meeting=meeting, by=user),
    ]
    statuses = [Status.DRAFT, Status.ANNOUNCED, Status.ANNOUNCED, Status.VOTING_OPEN]
    for status, step in zip(statuses, steps, strict=True):
        set_status(meeting, status)
        if allowed:
            step()
        else:
            with pytest.raises(PermissionDenied):
                step()
            assert Meeting.objects.get(pk=meeting.pk).status == status
    assert Attendance.objects.filter(meeting=meeting).exists() is allowed


@pytest.mark.parametrize("place", range(3))
@pytest.mark.parametrize("role", ROLE_REACH)
def test_setting_up_and_annulling_are_for_the_township_administrators(county, scheme, role, place):
    village = getattr(county, PLACES[place])
    user = account(county, role)
    allowed = ROLE_REACH[role][1][place]
    meeting = draft_in(county, PLACES[place], scheme)
    calls = [
        lambda: services.meeting_create(**create_kwargs(county, village=village, by=user, scheme=scheme)),
        lambda: services.meeting_update(meeting=meeting, venue="School", by=user),
        lambda: services.meeting_annul(meeting=meeting, reason="Wrong date", by=user),
    ]
    for call in calls:
        if allowed:
            call()
        else:
            with pytest.raises(PermissionDenied):
                call()
    assert Meeting.objects.in_village(village).filter(year=2025).exists() is allowed
    meeting.refresh_from_db()
    assert (meeting.venue == "School") is allowed
    assert (meeting.status == Status.ANNULLED) is allowed


def test_a_superuser_may_do_everything(county, meeting):
    services.meeting_announce(meeting=meeting, by=county.superuser)
    services.meeting_annul(meeting=meeting, reason="Test", by=county.superuser)


# --- setting a meeting up --------------------------------------------------------------------------


def test_create_makes_an_audited_draft_with_cadres_in_order(county, scheme):
    second, first = CadreFactory(village=county.village), CadreFactory(village=county.village)
    meeting = services.meeting_create(**create_kwargs(county, scheme=scheme, cadres=[first, second]))
    assert meeting.status == Status.DRAFT
    assert [row.cadre for row in meeting.reporting.all()] == [first, second]
    entry = AuditEntry.objects.get(action="meeting_create")
    assert entry.target_id == str(meeting.pk)
    assert entry.details["cadres"] == [first.pk, second.pk]
    assert entry.scope == county.village.code


def test_create_without_a_scheme_uses_the_default_one(county):
    first = services.meeting_create(**create_kwargs(county))
    second = services.meeting_create(**create_kwargs(county, village=county.neighbour))
    assert first.scheme.name == schemes.DEFAULT_SCHEME_NAME
    assert second.scheme == first.scheme
    assert RatingScheme.objects.count() == 1


def test_create_refuses_another_villages_cadre(county, scheme):
    stranger = CadreFactory(village=county.neighbour)
    with pytest.raises(ValidationError):
        services.meeting_create(**create_kwargs(county, scheme=scheme, cadres=[stranger]))
    assert not Meeting.objects.exists()
    assert logged("meeting_create") == 0


def test_create_refuses_a_cadre_twice(county, scheme):
    cadre = CadreFactory(village=county.village)
    with pytest.raises(ValidationError):
        services.meeting_create(**create_kwargs(county, scheme=scheme, cadres=[cadre, cadre]))


def test_create_refuses_an_unknown_kind(county, scheme):
    with pytest.raises(ValidationError):
        services.meeting_create(**create_kwargs(county, scheme=scheme, kind="referendum"))


def test_one_live_meeting_per_village_and_year(county, scheme):
    first = services.meeting_create(**create_kwargs(county, scheme=scheme))
    with pytest.raises(ValidationError):
        services.meeting_create(**create_kwargs(county, scheme=scheme))
    # Another village, or another year, is fine.
    services.meeting_create(**create_kwargs(county, scheme=scheme, village=county.neighbour))
    services.meeting_create(**create_kwargs(county, scheme=scheme, year=2026))
    # Once the first is annulled, the year can be held again.
    services.meeting_annul(meeting=first, reason="Held on the wrong day", by=county.township_admin)
    again = services.meeting_create(**create_kwargs(county, scheme=scheme))
    assert again.pk != first.pk


# --- what freezes when voting opens ----------------------------------------------------------------


@pytest.mark.parametrize("status", [Status.DRAFT, Status.ANNOUNCED])
def test_before_voting_the_scheme_cadres_and_kind_can_change(meeting, county, status):
    set_status(meeting, status)
    other_scheme = RatingScheme.objects.create(name="Other")
    newcomer = CadreFactory(village=county.village)
    cadres = [newcomer, *[row.cadre for row in meeting.reporting.all()]]
    services.meeting_update(
        meeting=meeting,
        scheme=other_scheme,
        cadres=cadres,
        kind=Meeting.Kind.REPRESENTATIVES_ASSEMBLY,
        by=county.township_admin,
    )
    meeting.refresh_from_db()
    assert meeting.scheme == other_scheme
    assert meeting.kind == Meeting.Kind.REPRESENTATIVES_ASSEMBLY
    assert [row.cadre for row in meeting.reporting.all()] == cadres
    details = AuditEntry.objects.get(action="meeting_update").details
    assert details["fields"] == ["kind", "scheme", "cadres"]


FROZEN = [Status.VOTING_OPEN, Status.VOTING_CLOSED, Status.UNDER_NOTICE]


@pytest.mark.parametrize("status", FROZEN)
@pytest.mark.parametrize("change", ["scheme", "cadres_added", "cadres_removed", "cadres_reordered", "kind"])
def test_once_voting_opened_the_ballots_meaning_is_frozen(meeting, county, status, change):
    set_status(meeting, status)
    current = [row.cadre for row in meeting.reporting.all()]
    arguments = {
        "scheme": {"scheme": RatingScheme.objects.create(name="Other")},
        "cadres_added": {"cadres": [*current, CadreFactory(village=county.village)]},
        "cadres_removed": {"cadres": current[:1]},
        "cadres_reordered": {"cadres": current[::-1]},
        "kind": {"kind": Meeting.Kind.REPRESENTATIVES_ASSEMBLY},
    }[change]
    with pytest.raises(ValidationError):
        services.meeting_update(meeting=meeting, by=county.township_admin, **arguments)
    meeting.refresh_from_db()
    assert [row.cadre for row in meeting.reporting.all()] == current
    assert meeting.scheme.name == "Test scheme"
    assert meeting.kind == Meeting.Kind.VILLAGERS_ASSEMBLY
    assert logged("meeting_update") == 0


@pytest.mark.parametrize("status", FROZEN)
def test_once_voting_opened_the_date_venue_and_agenda_still_can_change(meeting, county, status):
    set_status(meeting, status)
    current = [row.cadre for row in meeting.reporting.all()]
    held_at = meeting.held_at + datetime.timedelta(hours=2)
    # The form sends the frozen values back unchanged: that is not a change.
    services.meeting_update(
        meeting=meeting,
        held_at=held_at,
        venue="School yard",
        agenda="New agenda",
        kind=meeting.kind,
        scheme=meeting.scheme,
        cadres=current,
        by=county.township_admin,
    )
    meeting.refresh_from_db()
    assert (meeting.held_at, meeting.venue, meeting.agenda) == (held_at, "School yard", "New agenda")


@pytest.mark.parametrize("status", [Status.FINAL, Status.ANNULLED])
def test_a_final_or_annulled_meeting_cannot_change_at_all(meeting, county, status):
    set_status(meeting, status)
    with pytest.raises(ValidationError):
        services.meeting_update(meeting=meeting, venue="Elsewhere", by=county.township_admin)


def test_an_announced_meeting_keeps_at_least_one_cadre(meeting, county):
    set_status(meeting, Status.ANNOUNCED)
    with pytest.raises(ValidationError):
        services.meeting_update(meeting=meeting, cadres=[], by=county.township_admin)
    assert meeting.reporting.count() == 2


def test_update_refuses_another_villages_cadre(meeting, county):
    with pytest.raises(ValidationError):
        services.meeting_update(
            meeting=meeting, cadres=[CadreFactory(village=county.neighbour)], by=county.township_admin
        )
    assert meeting.reporting.count() == 2


def test_phones_are_off_unless_the_meeting_allows_them(county):
    assert services.meeting_create(**create_kwargs(county)).phones_allowed is False
    allowing = services.meeting_create(**create_kwargs(county, village=county.neighbour, phones_allowed=True))
    assert Meeting.objects.get(pk=allowing.pk).phones_allowed is True


@pytest.mark.parametrize("status", [Status.ANNOUNCED, Status.VOTING_OPEN])
def test_phones_can_be_allowed_or_stopped_while_voting_is_open_and_it_is_audited(meeting, county, status):
    """Phones change the way ballots come in, not what a ballot means: they do not freeze with it."""
    set_status(meeting, status)
    services.meeting_update(meeting=meeting, phones_allowed=True, by=county.township_admin)
    assert Meeting.objects.get(pk=meeting.pk).phones_allowed is True
    services.meeting_update(meeting=meeting, phones_allowed=False, by=county.township_admin)
    assert Meeting.objects.get(pk=meeting.pk).phones_allowed is False
    updates = AuditEntry.objects.filter(action="meeting_update").order_by("seq")
    assert [entry.details["fields"] for entry in updates] == [["phones_allowed"], ["phones_allowed"]]


def test_an_operator_cannot_allow_phones(meeting, county):
    with pytest.raises(PermissionDenied):
        services.meeting_update(meeting=meeting, phones_allowed=True, by=county.operator)
    assert Meeting.objects.get(pk=meeting.pk).phones_allowed is False


def test_update_refuses_fields_it_does_not_know(meeting, county):
    with pytest.raises(ValueError, match="status"):
        services.meeting_update(meeting=meeting, status=Status.FINAL, by=county.township_admin)
    assert Meeting.objects.get(pk=meeting.pk).status == Status.DRAFT


# --- annulment -------------------------------------------------------------------------------------


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_annulment_needs_a_reason(meeting, county, reason):
    with pytest.raises(ValidationError):
        services.meeting_annul(meeting=meeting, reason=reason, by=county.township_admin)
    assert Meeting.objects.get(pk=meeting.pk).status == Status.DRAFT
    assert logged("meeting_annul") == 0


def test_annulment_keeps_the_reason_and_logs_it(meeting, county):
    set_status(meeting, Status.VOTING_OPEN)
    services.meeting_annul(
        meeting=meeting, reason="  Ballot box left unattended.  ", by=county.township_admin
    )
    meeting.refresh_from_db()
    assert meeting.status == Status.ANNULLED
    assert meeting.annulment_reason == "Ballot box left unattended."
    assert AuditEntry.objects.get(action="meeting_annul").details == {
        "reason": "Ballot box left unattended.",
        "ballots": 0,
        "codes_voided": 0,
    }


def test_an_operator_cannot_annul(meeting, county):
    with pytest.raises(PermissionDenied):
        services.meeting_annul(meeting=meeting, reason="I want to", by=county.operator)


# --- the roll, attendance and the quorum -----------------------------------------------------------


def test_voting_open_freezes_the_size_of_the_roll(meeting, county):
    residents(county.village, 7)
    residents(county.village, 3, representative=True)
    residents(county.village, 2, active=False)  # no longer on the roll
    residents(county.neighbour, 5)  # another village's roll
    set_status(meeting, Status.ANNOUNCED)
    services.voting_open(meeting=meeting, by=county.operator)
    meeting.refresh_from_db()
    assert (meeting.roll_size, meeting.representatives_size) == (10, 3)
    assert AuditEntry.objects.get(action="voting_open").details == {
        "roll": 10,
        "representatives": 3,
        "present": 0,
        "required": 6,
        "quorum_met": False,
    }
    # A roll import after voting opened does not move the quorum's base.
    residents(county.village, 20)
    assert quorum_of(meeting).base == 10


def test_voting_close_logs_the_quorum_reached(meeting, county):
    roll = residents(county.village, 3)
    set_status(meeting, Status.ANNOUNCED)
    services.attendance_record(meeting=meeting, resident=roll[0], by=county.operator)
    services.voting_open(meeting=meeting, by=county.operator)
    services.voting_close(meeting=meeting, by=county.operator)
    assert AuditEntry.objects.get(action="voting_close").details == {
        "present": 1,
        "required": 2,
        "quorum_met": False,
        "ballots": 0,
        "codes_voided": 0,
    }


@pytest.mark.parametrize("status", [Status.ANNOUNCED, Status.VOTING_OPEN])
def test_signing_in_is_once_per_resident_and_logged_once(meeting, county, status):
    set_status(meeting, status)
    resident = residents(county.village, 1)[0]
    assert services.attendance_record(meeting=meeting, resident=resident, by=county.operator) is True
    assert services.attendance_record(meeting=meeting, resident=resident, by=county.operator) is False
    assert Attendance.objects.filter(meeting=meeting).count() == 1
    assert logged("attendance_record") == 1


@pytest.mark.parametrize(
    "status", [Status.DRAFT, Status.VOTING_CLOSED, Status.UNDER_NOTICE, Status.FINAL, Status.ANNULLED]
)
def test_no_signing_in_outside_the_meeting(meeting, county, status):
    set_status(meeting, status)
    with pytest.raises(ValidationError):
        services.attendance_record(
            meeting=meeting, resident=residents(county.village, 1)[0], by=county.operator
        )
    assert not Attendance.objects.exists()


def test_a_stale_copy_cannot_sign_in_after_voting_closed(meeting, county):
    set_status(meeting, Status.VOTING_OPEN)
    stale = Meeting.objects.get(pk=meeting.pk)
    set_status(meeting, Status.VOTING_CLOSED)
    with pytest.raises(ValidationError):
        services.attendance_record(
            meeting=stale, resident=residents(county.village, 1)[0], by=county.operator
        )


def test_only_residents_on_the_villages_roll_sign_in(meeting, county):
    set_status(meeting, Status.ANNOUNCED)
    neighbour = residents(county.neighbour, 1)[0]
    elsewhere = residents(county.elsewhere, 1)[0]
    inactive = residents(county.village, 1, active=False)[0]
    for resident in (neighbour, elsewhere, inactive):
        with pytest.raises(ValidationError):
            services.attendance_record(meeting=meeting, resident=resident, by=county.township_admin)
    assert not Attendance.objects.exists()
