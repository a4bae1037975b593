"""Casting a ballot (ratings.ballot.services.ballot_cast) and checking a code on a terminal (code_check).

Every refusal is a BallotRejected with a message for the villager, and writes nothing: no ballot, no
grade, no nomination, no code burned. Wrong codes slow down the terminal they are typed on, and no
other. The races themselves (same code, many terminals; a cast against the close) are run for real in
test_cast_race.py; here the close is tried in both orders.
"""

import datetime

import pytest
from django.utils import timezone
from django.utils.translation import override

from meetings import services as meeting_services
from meetings.models import Meeting
from ratings.ballot import codes, schemes, services
from ratings.models import Ballot, BallotCode, BallotGrade, Terminal
from tests.factories import CadreFactory
from tests.ratings.ballot.doors import box
from tests.worlds import build_world, set_status

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(county):
    return build_world(county, codes=6, residents=2)


@pytest.fixture
def clock(monkeypatch):
    """The services' idea of now, moved by hand: clock.advance(seconds=…)."""

    class Clock:
        now = timezone.now()

        def advance(self, **delta):
            self.now += datetime.timedelta(**delta)

    fixed = Clock()
    monkeypatch.setattr(services.timezone, "now", lambda: fixed.now)
    return fixed


def fresh(terminal: Terminal) -> Terminal:
    """The terminal as the kiosk reads it at the start of each request."""
    return Terminal.objects.get(pk=terminal.pk)


def wrong_code() -> str:
    """Well formed (right length, right check symbol), but never handed out."""
    return codes.new_code()


# --- a ballot that is cast --------------------------------------------------------------------------


def test_a_ballot_is_written_whole_and_its_code_burned(world):
    code = world.resident_codes[0]
    cast = world.cast(code, grade="basically_satisfied", households=world.households[:2])

    ballot = Ballot.objects.get()
    assert cast.receipt == ballot.receipt
    assert len(ballot.receipt) == codes.RECEIPT_SYMBOLS
    assert set(ballot.receipt) <= set(codes.ALPHABET)
    assert ballot.meeting == world.meeting
    assert ballot.group.kind == "villager"
    assert ballot.cast_on == timezone.localdate(world.meeting.held_at)
    assert ballot.door == Ballot.Door.TERMINAL  # the door, never which terminal
    stored = sorted((grade.cadre_id, grade.criterion_id, grade.grade_id) for grade in ballot.grades.all())
    assert stored == sorted(
        (cadre, criterion, grade)
        for (cadre, criterion), grade in world.full_grades("basically_satisfied").items()
    )
    assert sorted(ballot.nominations.values_list("household_id", flat=True)) == sorted(
        household.pk for household in world.households[:2]
    )
    burned = BallotCode.objects.filter(meeting=world.meeting, status=BallotCode.Status.USED).get()
    assert burned.holder_key == ""  # the code forgets whom it was handed to


def test_the_cast_puts_the_terminal_back_to_waiting_in_its_own_transaction(world):
    services.terminal_report(terminal=world.terminal, state=Terminal.State.VOTING, clears=None)
    world.cast(world.codes[0])
    terminal = Terminal.objects.get(pk=world.terminal.pk)
    assert terminal.state == Terminal.State.WAITING
    assert Terminal.objects.get(pk=world.other_terminal.pk).seen_at is None  # the others untouched


def test_quick_mode_takes_one_overall_grade_per_cadre(county):
    world = build_world(county, quick_mode=True, codes=1, residents=0)
    assert world.lines() == [(cadre.pk, None) for cadre in world.cadres]

    world.cast(world.codes[0], grade="dont_know")

    assert BallotGrade.objects.filter(criterion__isnull=True).count() == len(world.cadres)


def test_a_typed_code_is_forgiving_about_case_and_hyphens(world):
    code = world.codes[0]
    typed = codes.display(code).lower()  # "abcde-fghij"

    assert services.code_check(terminal=world.terminal, typed=typed) == code
    world.cast(typed)

    assert Ballot.objects.count() == 1


def test_choices_may_come_as_strings_of_digits_from_a_form(world):
    grades = {
        (str(cadre), str(criterion)): str(grade) for (cadre, criterion), grade in world.full_grades().items()
    }

    services.ballot_cast(
        terminal=world.terminal, code=world.codes[0], grades=grades, households=[str(world.households[0].pk)]
    )

    assert Ballot.objects.count() == 1


# --- every refusal writes nothing -----------------------------------------------------------------


def another_scheme_grade(world):
    return schemes.scheme_create(name="Another scheme").grades.first().pk


def another_scheme_criterion(world):
    return schemes.scheme_create(name="Another scheme").criteria.first().pk


def refusals():
    """(name, how to spoil the cast, words the refusal must say) — each leaves the box as it was."""

    def with_grades(change):
        def cast(world, code):
            grades = world.full_grades()
            change(world, grades)
            return services.ballot_cast(terminal=world.terminal, code=code, grades=grades, households=[])

        return cast

    def with_households(pick):
        def cast(world, code):
            return services.ballot_cast(
                terminal=world.terminal, code=code, grades=world.full_grades(), households=pick(world)
            )

        return cast

    def first_line(world):
        return world.lines()[0]

    def set_first(value):
        return lambda world, grades: grades.__setitem__(first_line(world), value(world))

    def foreign_cadre(world, grades):
        stranger = CadreFactory(village=world.foreign_household.village)
        grades[(stranger.pk, world.criteria[0].pk)] = world.grades["satisfied"].pk

    def unreported_cadre(world, grades):
        # A cadre of the same village who does not report at this meeting.
        silent = CadreFactory(village=world.meeting.village)
        grades[(silent.pk, world.criteria[0].pk)] = world.grades["satisfied"].pk

    def foreign_criterion(world, grades):
        grades[(world.cadres[0].pk, another_scheme_criterion(world))] = world.grades["satisfied"].pk

    def overall_line(world, grades):
        grades[(world.cadres[0].pk, None)] = world.grades["satisfied"].pk

    return [
        ("grade of another scheme", with_grades(set_first(another_scheme_grade)), "scale"),
        ("grade that does not exist", with_grades(set_first(lambda world: 10**9)), "scale"),
        ("cadre of another village", with_grades(foreign_cadre), "not part of this vote"),
        ("cadre not reporting", with_grades(unreported_cadre), "not part of this vote"),
        ("criterion of another scheme", with_grades(foreign_criterion), "not part of this vote"),
        ("overall line outside quick mode", with_grades(overall_line), "not part of this vote"),
        ("a line left out", with_grades(lambda world, grades: grades.pop(first_line(world))), "Every cadre"),
        ("no grades at all", with_grades(lambda world, grades: grades.clear()), "Every cadre"),
        (
            "too many nominations",
            with_households(lambda world: [household.pk for household in world.households]),
            "at most 3 households",
        ),
        (
            "a household twice",
            with_households(lambda world: [world.households[0].pk, world.households[0].pk]),
            "only once",
        ),
        (
            "a household of another village",
            with_households(lambda world: [world.foreign_household.pk]),
            "Only households of this village",
        ),
        ("a household that does not exist", with_households(lambda world: [10**9]), "Only households"),
        ("junk for a household", with_households(lambda world: ["3; DROP TABLE"]), "not filled in correctly"),
        ("a negative household", with_households(lambda world: [-1]), "not filled in correctly"),
        ("a household beyond 64 bits", with_households(lambda world: [2**64]), "not filled in correctly"),
        ("a household as a boolean", with_households(lambda world: [True]), "not filled in correctly"),
        ("junk for a grade", with_grades(set_first(lambda world: "satisfied")), "not filled in correctly"),
        ("a grade as a float", with_grades(set_first(lambda world: 1.0)), "not filled in correctly"),
        (
            "junk for a line",
            with_grades(lambda world, grades: grades.__setitem__("de", 1)),
            "not filled in correctly",
        ),
    ]


REFUSALS = refusals()


@pytest.mark.parametrize(
    ("spoil", "words"),
    [(spoil, words) for _name, spoil, words in REFUSALS],
    ids=[name for name, *_ in REFUSALS],
)
def test_a_spoilt_ballot_is_refused_and_writes_nothing(world, spoil, words):
    code = world.codes[0]
    services.terminal_report(terminal=world.terminal, state=Terminal.State.VOTING, clears=None)
    before = box(world.meeting)

    with override("en"), pytest.raises(services.BallotRejected, match=words):
        spoil(world, code)

    assert box(world.meeting) == before
    # The code was good: refusing the ballot does not count against the terminal, and its screen still
    # shows the ballot (the cast's move to "waiting" went back with the rest).
    terminal = Terminal.objects.get(pk=world.terminal.pk)
    assert terminal.failed_attempts == 0
    assert terminal.state == Terminal.State.VOTING
    world.cast(code)  # and it still votes, once the ballot is right
    assert Ballot.objects.count() == 1


@pytest.mark.parametrize(
    "code",
    ["", "HELLO", "0000000000", "   ", "Ы" * 10, "A" * 1000, None, 12345],
    ids=["empty", "short", "bad check symbol", "blank", "cyrillic", "long", "none", "a number"],
)
def test_a_malformed_code_is_refused_and_writes_nothing(world, code):
    before = box(world.meeting)

    with override("en"), pytest.raises(services.BallotRejected, match="not valid"):
        services.ballot_cast(terminal=world.terminal, code=code, grades=world.full_grades(), households=[])

    assert box(world.meeting) == before


def test_a_code_never_handed_out_is_refused(world):
    before = box(world.meeting)
    with override("en"), pytest.raises(services.BallotRejected, match="not valid, or it has been used"):
        world.cast(wrong_code())
    assert box(world.meeting) == before


def test_a_used_code_is_refused(world):
    world.cast(world.codes[0])
    before = box(world.meeting)

    with override("en"), pytest.raises(services.BallotRejected, match="has been used"):
        world.cast(world.codes[0], grade="dissatisfied")

    assert box(world.meeting) == before


def test_a_voided_code_is_refused(world):
    services.code_void(meeting=world.meeting, code=world.codes[0], by=world.operator)
    before = box(world.meeting)

    with pytest.raises(services.BallotRejected):
        world.cast(world.codes[0])

    assert box(world.meeting) == before


def test_a_reprinted_residents_old_code_is_refused(world):
    resident, old = world.residents[0], world.resident_codes[0]
    new = services.code_reissue(meeting=world.meeting, resident=resident, by=world.operator)

    with pytest.raises(services.BallotRejected):
        world.cast(old)
    world.cast(new)

    assert Ballot.objects.count() == 1


def test_a_code_of_another_meeting_is_refused(county, world):
    neighbour = build_world(
        county, village=county.neighbour, codes=1, residents=0, operator=county.township_admin
    )
    before = box(world.meeting)

    with pytest.raises(services.BallotRejected):
        world.cast(neighbour.codes[0])

    assert box(world.meeting) == before
    assert BallotCode.objects.get(meeting=neighbour.meeting).status == BallotCode.Status.ISSUED


@pytest.mark.parametrize(
    "status",
    [
        Meeting.Status.ANNOUNCED,
        Meeting.Status.VOTING_CLOSED,
        Meeting.Status.UNDER_NOTICE,
        Meeting.Status.FINAL,
        Meeting.Status.ANNULLED,
    ],
)
def test_no_ballot_is_cast_unless_voting_is_open(world, status):
    set_status(world.meeting, status)
    before = box(world.meeting)

    with override("en"), pytest.raises(services.BallotRejected, match="Voting is not open"):
        world.cast(world.codes[0])

    assert box(world.meeting) == before


def test_a_terminal_disarmed_while_the_villager_votes_casts_nothing(world):
    # The kiosk looked the terminal up when the request began; the operator disarms it meanwhile.
    stale = Terminal.objects.get(pk=world.terminal.pk)
    services.terminal_disarm(terminal=world.terminal, by=world.operator)
    before = box(world.meeting)

    with override("en"), pytest.raises(services.BallotRejected, match="disarmed"):
        world.cast(world.codes[0], terminal=stale)
    with pytest.raises(services.BallotRejected):
        services.code_check(terminal=stale, typed=world.codes[0])

    assert box(world.meeting) == before


def test_the_refusal_is_in_the_villagers_language(world):
    Meeting.objects.filter(pk=world.meeting.pk).update(status=Meeting.Status.VOTING_CLOSED)
    messages = {}
    for language in ("en", "zh-hans"):
        with override(language), pytest.raises(services.BallotRejected) as refusal:
            world.cast(world.codes[0])
        messages[language] = str(refusal.value)

    assert messages["en"] == "Voting is not open."
    assert messages["zh-hans"] != messages["en"]


# --- wrong codes slow down their own terminal -------------------------------------------------------


def test_wrong_codes_make_this_terminal_wait_longer_and_longer(world, clock):
    for _slip in range(services.FREE_ATTEMPTS - 1):
        with pytest.raises(services.BallotRejected) as refusal:
            services.code_check(terminal=fresh(world.terminal), typed=wrong_code())
        assert not isinstance(refusal.value, services.CodesLocked)

    waits = []
    for _round in range(5):
        with pytest.raises(services.BallotRejected):  # the slip that starts (or lengthens) the wait
            services.code_check(terminal=fresh(world.terminal), typed=wrong_code())
        with pytest.raises(services.CodesLocked) as locked:  # even a good code waits
            services.code_check(terminal=fresh(world.terminal), typed=world.codes[0])
        waits.append(locked.value.retry_after)
        clock.advance(seconds=locked.value.retry_after)

    assert waits == sorted(waits)
    assert waits[-1] > waits[0]
    assert waits[0] >= services.FIRST_DELAY.total_seconds()
    assert all(wait <= services.MAX_DELAY.total_seconds() + 1 for wait in waits)
    # Waited out, a good code passes and the count starts again.
    assert services.code_check(terminal=fresh(world.terminal), typed=world.codes[0]) == world.codes[0]
    assert Terminal.objects.get(pk=world.terminal.pk).failed_attempts == 0


def test_the_wait_never_exceeds_the_cap(world, clock):
    Terminal.objects.filter(pk=world.terminal.pk).update(failed_attempts=1000)

    with pytest.raises(services.BallotRejected):
        services.code_check(terminal=fresh(world.terminal), typed=wrong_code())
    with pytest.raises(services.CodesLocked) as locked:
        services.code_check(terminal=fresh(world.terminal), typed=world.codes[0])

    assert locked.value.retry_after <= services.MAX_DELAY.total_seconds() + 1


def test_a_locked_terminal_does_not_lock_the_others_of_the_meeting(world, clock):
    for _slip in range(services.FREE_ATTEMPTS + 2):
        with pytest.raises(services.BallotRejected):
            services.code_check(terminal=fresh(world.terminal), typed=wrong_code())
    with pytest.raises(services.CodesLocked):
        services.code_check(terminal=fresh(world.terminal), typed=world.codes[0])

    # The next terminal of the same village — behind the same network address — votes at once.
    assert services.code_check(terminal=world.other_terminal, typed=world.codes[0]) == world.codes[0]
    world.cast(world.codes[0], terminal=world.other_terminal)
    assert Ballot.objects.count() == 1
    assert Terminal.objects.get(pk=world.other_terminal.pk).failed_attempts == 0


def test_a_terminal_locked_after_its_request_began_still_makes_a_good_code_wait(world, clock):
    """The service is a door of its own: it reads the lock afresh rather than trusting the caller's row.

    The kiosk reads the terminal at the start of the request; wrong codes sent at the same instant from
    the same terminal (several tabs, a script) lock it meanwhile. Were the lock read from the caller's
    row, every code checked in parallel would be tried whatever the lock says."""
    read_at_the_start = fresh(world.terminal)
    for _slip in range(services.FREE_ATTEMPTS):
        with pytest.raises(services.BallotRejected):
            services.code_check(terminal=fresh(world.terminal), typed=wrong_code())

    with pytest.raises(services.CodesLocked):
        services.code_check(terminal=read_at_the_start, typed=world.codes[0])


def test_a_locked_terminal_casts_nothing(world, clock):
    for _slip in range(services.FREE_ATTEMPTS):
        with pytest.raises(services.BallotRejected):
            services.code_check(terminal=fresh(world.terminal), typed=wrong_code())
    before = box(world.meeting)

    with pytest.raises(services.CodesLocked):
        world.cast(world.codes[0])

    assert box(world.meeting) == before


def test_a_wrong_code_at_cast_counts_against_the_terminal_too(world):
    """The service is a door of its own: casting cannot be used to try codes faster than checking."""
    for _slip in range(services.FREE_ATTEMPTS):
        with pytest.raises(services.BallotRejected):
            world.cast(wrong_code())

    assert Terminal.objects.get(pk=world.terminal.pk).failed_attempts == services.FREE_ATTEMPTS
    assert Terminal.objects.get(pk=world.other_terminal.pk).failed_attempts == 0
    with pytest.raises(services.CodesLocked):
        world.cast(world.codes[0])
    assert Ballot.objects.count() == 0


def test_checking_a_code_burns_nothing(world):
    before = box(world.meeting)
    for terminal in (world.terminal, world.other_terminal, world.terminal):
        services.code_check(terminal=terminal, typed=world.codes[0])
    assert box(world.meeting) == before


# --- casting against the close ----------------------------------------------------------------------


def test_a_ballot_cast_before_the_close_is_counted_and_shaken(world):
    receipt = world.cast(world.codes[0]).receipt
    written = Ballot.objects.get(receipt=receipt).pk

    meeting_services.voting_close(meeting=world.meeting, by=world.operator)

    shaken = Ballot.objects.get(receipt=receipt)
    assert shaken.pk != written
    assert shaken.grades.count() == len(world.lines())


def test_a_ballot_cast_after_the_close_is_refused_and_its_code_is_not_used(world):
    meeting_services.voting_close(meeting=world.meeting, by=world.operator)
    before = box(world.meeting)

    with override("en"), pytest.raises(services.BallotRejected, match="Voting is not open"):
        world.cast(world.codes[0])

    assert box(world.meeting) == before
    # Closing voided every unused code (issue 10); the refused cast burnt none of them.
    assert before["codes"].count(BallotCode.Status.VOIDED) == len(world.codes) + len(world.resident_codes)


def test_a_ballot_cleared_from_its_terminal_is_not_cast_and_keeps_its_code(world):
    """The clear count is checked under the terminal's lock, inside the cast's transaction."""
    began_under = Terminal.objects.get(pk=world.terminal.pk).clears
    services.terminal_clear(terminal=world.terminal, by=world.operator, reason="operator")
    with override("en"), pytest.raises(services.BallotRejected, match="cleared from the terminal"):
        services.ballot_cast(
            terminal=world.terminal,
            code=world.codes[0],
            grades=world.full_grades(),
            households=[],
            clears=began_under,
        )
    assert not Ballot.objects.exists()
    assert BallotCode.objects.filter(status=BallotCode.Status.USED).count() == 0
    # Begun again under the new count, the same code casts.
    services.ballot_cast(
        terminal=world.terminal,
        code=world.codes[0],
        grades=world.full_grades(),
        households=[],
        clears=began_under + 1,
    )
    assert Ballot.objects.count() == 1
