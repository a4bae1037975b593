"""The phone door's services: checking a code (phone_code_check) and casting (phone_ballot_cast).

The same box as the terminal's: one code, one ballot, every refusal writes nothing. What differs: only
a meeting that allows phones takes them, wrong codes are counted per network address in the cache
(phones have no terminal to count on), and the address is never written anywhere.
"""

import pytest
from django.utils.translation import override

from meetings.models import Meeting
from ratings.ballot import codes, services
from ratings.models import Ballot, Terminal
from tests.ratings.ballot.doors import allow_phones, box
from tests.worlds import build_world, set_status

pytestmark = pytest.mark.django_db

ADDRESS = "192.168.137.40"


@pytest.fixture
def world(county):
    return build_world(county, codes=4, residents=1, phones_allowed=True)


@pytest.fixture
def limit(settings):
    """Three wrong codes per address and window."""
    settings.PHONE_WRONG_CODES_PER_WINDOW = 3
    return 3


def check(world, typed: str, address: str = ADDRESS) -> str:
    return services.phone_code_check(meeting=world.meeting, typed=typed, address=address)


def phone_cast(world, code: str, address: str = ADDRESS, *, grade: str = "satisfied", households=()):
    return services.phone_ballot_cast(
        meeting=world.meeting,
        address=address,
        code=code,
        grades=world.full_grades(grade),
        households=[household.pk for household in households],
    )


def wrong_code() -> str:
    """Well formed, never handed out."""
    return codes.new_code()


# --- checking a code ---------------------------------------------------------------------------------


def test_a_good_code_is_returned_canonical_and_nothing_is_written(world):
    before = box(world.meeting)
    assert check(world, codes.display(world.codes[0]).lower()) == world.codes[0]
    assert box(world.meeting) == before


@pytest.mark.parametrize("typed", ["", "HELLO", "0000000000", None, 12345, "Ы" * 10])
def test_a_wrong_code_is_refused(world, typed):
    with override("en"), pytest.raises(services.BallotRejected, match="not valid"):
        check(world, typed)


def test_wrong_codes_lock_the_address_and_no_other(world, limit):
    for _slip in range(limit):
        with pytest.raises(services.BallotRejected) as refusal:
            check(world, wrong_code())
        assert not isinstance(refusal.value, services.CodesLocked)

    with pytest.raises(services.CodesLocked) as locked:  # even a good code waits
        check(world, world.codes[0])
    assert locked.value.retry_after > 0

    assert check(world, world.codes[0], address="192.168.137.41") == world.codes[0]
    # The terminals count their own wrong codes, and none of these.
    assert services.code_check(terminal=world.terminal, typed=world.codes[0]) == world.codes[0]
    assert Terminal.objects.get(pk=world.terminal.pk).failed_attempts == 0


def test_good_codes_do_not_count(world, limit):
    for _villager in range(limit * 2):
        check(world, world.codes[0])
    for _slip in range(limit - 1):
        with pytest.raises(services.BallotRejected):
            check(world, wrong_code())
    assert check(world, world.codes[0]) == world.codes[0]


def test_a_used_code_counts_as_a_wrong_one(world, limit):
    world.cast(world.codes[0])
    for _try in range(limit):
        with override("en"), pytest.raises(services.BallotRejected, match="has been used"):
            check(world, world.codes[0])
    with pytest.raises(services.CodesLocked):
        check(world, world.codes[1])


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda world: allow_phones(world, False), "does not take ballots from phones"),
        (lambda world: set_status(world.meeting, Meeting.Status.ANNOUNCED), "Voting is not open"),
        (lambda world: set_status(world.meeting, Meeting.Status.VOTING_CLOSED), "Voting is not open"),
    ],
    ids=["phones not allowed", "not yet open", "closed"],
)
def test_no_code_is_checked_and_no_ballot_cast_unless_phones_may_vote_now(world, change, words):
    stale = world.meeting  # the caller's meeting, read before the change
    change(world)
    before = box(world.meeting)

    with override("en"), pytest.raises(services.BallotRejected, match=words):
        services.phone_code_check(meeting=stale, typed=world.codes[0], address=ADDRESS)
    with override("en"), pytest.raises(services.BallotRejected, match=words):
        services.phone_ballot_cast(
            meeting=stale, address=ADDRESS, code=world.codes[0], grades=world.full_grades(), households=[]
        )

    assert box(world.meeting) == before


# --- casting -------------------------------------------------------------------------------------------


def test_a_phone_ballot_is_written_whole_with_its_door_and_its_code_burned(world):
    world.walk_in()
    cast = phone_cast(world, world.codes[0], grade="basically_satisfied", households=world.households[:2])

    ballot = Ballot.objects.get()
    assert cast.receipt == ballot.receipt
    assert ballot.door == Ballot.Door.PHONE
    assert ballot.grades.count() == len(world.lines())
    assert set(ballot.grades.values_list("grade_id", flat=True)) == {world.grades["basically_satisfied"].pk}
    assert ballot.nominations.count() == 2
    assert box(world.meeting)["codes"].count("used") == 1


def test_a_code_cast_on_a_phone_cannot_be_cast_again_by_any_door(world):
    world.walk_in()
    phone_cast(world, world.codes[0])
    before = box(world.meeting)

    with pytest.raises(services.BallotRejected):
        phone_cast(world, world.codes[0], address="192.168.137.99")
    with pytest.raises(services.BallotRejected):
        world.cast(world.codes[0])

    assert box(world.meeting) == before


def test_a_code_cast_at_a_terminal_cannot_be_cast_from_a_phone(world):
    world.cast(world.codes[0])
    before = box(world.meeting)
    with override("en"), pytest.raises(services.BallotRejected, match="has been used"):
        phone_cast(world, world.codes[0])
    assert box(world.meeting) == before


def test_a_wrong_code_at_cast_counts_against_the_address(world, limit):
    """The service is a door of its own: casting cannot be used to try codes faster than checking."""
    for _slip in range(limit):
        with pytest.raises(services.BallotRejected):
            phone_cast(world, wrong_code())
    before = box(world.meeting)

    with pytest.raises(services.CodesLocked):
        phone_cast(world, world.codes[0])

    assert box(world.meeting) == before
    phone_cast(world, world.codes[0], address="192.168.137.41")  # another phone casts it
    assert Ballot.objects.get().door == Ballot.Door.PHONE


def test_a_spoilt_phone_ballot_is_refused_writes_nothing_and_does_not_count(world, limit):
    grades = world.full_grades()
    grades.pop(world.lines()[0])
    for _try in range(limit + 1):
        with override("en"), pytest.raises(services.BallotRejected, match="Every cadre"):
            services.phone_ballot_cast(
                meeting=world.meeting, address=ADDRESS, code=world.codes[0], grades=grades, households=[]
            )
    assert box(world.meeting)["ballots"] == 0
    assert check(world, world.codes[0]) == world.codes[0]  # the code was good: not counted


@pytest.mark.parametrize(
    "households",
    [lambda world: [world.foreign_household.pk], lambda world: ["x"], lambda world: [10**9]],
    ids=["another village", "junk", "unknown"],
)
def test_nominations_are_checked_as_at_a_terminal(world, households):
    before = box(world.meeting)
    with pytest.raises(services.BallotRejected):
        services.phone_ballot_cast(
            meeting=world.meeting,
            address=ADDRESS,
            code=world.codes[0],
            grades=world.full_grades(),
            households=households(world),
        )
    assert box(world.meeting) == before
