"""The quorum rule as pure arithmetic: "more than" half, "more than" two thirds, never "at least"."""

from fractions import Fraction

import pytest

from meetings.quorum import Quorum


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
