"""The quorum rule: as pure arithmetic ("more than" half, "more than" two thirds, never "at least"), and
as `quorum_of` reads it from a meeting's roll and attendance."""

from fractions import Fraction

import pytest

from meetings import services
from meetings.models import Attendance, Meeting
from meetings.quorum import Quorum, quorum_of
from tests.worlds import residents, set_status


@pytest.mark.parametrize(
    ("base", "present", "met"),
    [
        (100, 50, False),  # exactly half is not more than half
        (100, 51, True),
        (101, 50, False),
        (101, 51, True),  # 51/101 is just above half
        (1, 0, False),
        (1, 1, True),
        (2, 1, False),
        (2, 2, True),
        (3, 2, True),
        (2000, 1000, False),
        (2000, 1001, True),
    ],
)
def test_villagers_assembly_needs_more_than_half_of_the_roll(base, present, met):
    assert Quorum(kind="villagers", base=base, present=present).met is met


@pytest.mark.parametrize(
    ("base", "present", "met"),
    [
        (30, 20, False),  # exactly two thirds is not more than two thirds
        (30, 21, True),
        (31, 20, False),  # 20/31 ≈ 0.645
        (31, 21, True),  # 21/31 ≈ 0.677
        (3, 2, False),
        (3, 3, True),
        (4, 2, False),
        (4, 3, True),  # 3/4 > 2/3
        (6, 4, False),
        (6, 5, True),
        (45, 30, False),
        (45, 31, True),
    ],
)
def test_representatives_assembly_needs_more_than_two_thirds(base, present, met):
    assert Quorum(kind="representatives", base=base, present=present).met is met


@pytest.mark.parametrize("kind", ["villagers", "representatives"])
@pytest.mark.parametrize("base", range(1, 200))
def test_required_is_the_smallest_attendance_strictly_above_the_share(kind, base):
    share = Fraction(1, 2) if kind == "villagers" else Fraction(2, 3)
    required = Quorum(kind=kind, base=base, present=0).required
    assert Fraction(required, base) > share
    assert Fraction(required - 1, base) <= share
    assert Quorum(kind=kind, base=base, present=required).met
    assert not Quorum(kind=kind, base=base, present=required - 1).met


@pytest.mark.parametrize("kind", ["villagers", "representatives"])
def test_an_empty_roll_never_makes_a_quorum(kind):
    quorum = Quorum(kind=kind, base=0, present=0)
    assert not quorum.met
    assert quorum.share == 0


def test_missing_counts_down_to_zero():
    assert Quorum(kind="villagers", base=100, present=40).missing == 11
    assert Quorum(kind="villagers", base=100, present=51).missing == 0
    assert Quorum(kind="villagers", base=100, present=80).missing == 0


def test_share_is_exact():
    assert Quorum(kind="representatives", base=30, present=20).share == Fraction(2, 3)


# --- quorum_of: the meeting's roll and who signed in -------------------------------------------------


def open_with_signed_in(meeting, attendees, *, by) -> None:
    """Announce the meeting, sign the attendees in, and open the vote (which freezes the roll)."""
    set_status(meeting, Meeting.Status.ANNOUNCED)
    for resident in attendees:
        services.attendance_record(meeting=meeting, resident=resident, by=by)
    services.voting_open(meeting=meeting, by=by)


def test_before_voting_opens_the_quorum_follows_todays_roll(meeting, county):
    residents(county.village, 4)
    assert quorum_of(meeting).base == 4
    residents(county.village, 2)
    assert quorum_of(meeting).base == 6


def test_a_villagers_assembly_counts_everyone_signed_in(meeting, county):
    roll = residents(county.village, 100)
    open_with_signed_in(meeting, roll[:50], by=county.operator)
    quorum = quorum_of(meeting)
    assert (quorum.base, quorum.present, quorum.required, quorum.met) == (100, 50, 51, False)
    services.attendance_record(meeting=meeting, resident=roll[50], by=county.operator)
    assert quorum_of(meeting).met


def test_a_representatives_assembly_counts_only_representatives(meeting, county):
    meeting.kind = Meeting.Kind.REPRESENTATIVES_ASSEMBLY
    meeting.save()
    representatives = residents(county.village, 30, representative=True)
    others = residents(county.village, 40)
    # Only representatives can sign in at such an assembly (Meeting.refusal_of); others present in the
    # room, written straight to the attendance as an older roll might have, must not count either.
    Attendance.objects.bulk_create(Attendance(meeting=meeting, resident=resident) for resident in others)
    open_with_signed_in(meeting, representatives[:20], by=county.operator)
    quorum = quorum_of(meeting)
    assert (quorum.base, quorum.present, quorum.required, quorum.met) == (30, 20, 21, False)
    services.attendance_record(meeting=meeting, resident=representatives[20], by=county.operator)
    assert quorum_of(meeting).met
