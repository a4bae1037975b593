"""Races on the ballot in a database of their own, run as a separate process by test_cast_race.py.

    DATABASE_URL=sqlite:////tmp/v.sqlite3 python -m tests.ratings.ballot.race seed --trials 20 --terminals 8
    DATABASE_URL=... python -m tests.ratings.ballot.race same-code --trials 20 --threads 8
    DATABASE_URL=... python -m tests.ratings.ballot.race close --trials 6 --threads 6

Why a process of its own: the test database of a SQLite run lives in memory, where threads share one
cache and fail on each other's table locks instead of queueing as they do on a real file; and the
test's own transaction would hide every commit. Here each thread has its own connection to a real
database (a file in WAL mode with IMMEDIATE transactions, or PostgreSQL), exactly as the app servers'
threads have. The database is migrated first (`migrate` does only that, for a template to copy); it
must hold nothing else. The answer is one JSON document on stdout.

- seed: the world for the HTTP race (test_cast_race.py serves it with gunicorn): a meeting with voting
  open, one armed terminal per thread and one fresh code per trial.
- same-code: in each trial every thread checks the same code on its own terminal, then all cast it at
  the same instant (a barrier) through services.ballot_cast.
- close: in each trial (a meeting of its own) every thread casts its own code while the operator
  closes the vote at the same instant.
"""

import argparse
import json
import os
import random
import sys
import threading
import time
import traceback
from types import SimpleNamespace

import django

BARRIER_TIMEOUT = 30
JITTER_SECONDS = 0.05


def setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def make_county(suffix: str = "") -> SimpleNamespace:
    """What build_world needs of tests/conftest.py's county: two villages and the staff accounts."""
    from django.contrib.auth import get_user_model

    from portal.models import Role
    from portal.services.roles import role_grant
    from tests.factories import TownshipFactory, UserFactory, VillageFactory

    township = TownshipFactory(name="Tograk Township", code="653121100")
    root = get_user_model().objects.create_superuser(f"root{suffix}", password="root-password-123")
    admin, operator = UserFactory(username=f"admin{suffix}"), UserFactory(username=f"operator{suffix}")
    role_grant(user=admin, role=Role.TOWNSHIP_ADMIN, township=township, by=root)
    return SimpleNamespace(
        township=township,
        village=VillageFactory(township=township),
        neighbour=VillageFactory(township=township),
        township_admin=admin,
        operator=operator,
        root=root,
    )


def grant_operator(county, village) -> None:
    from portal.models import Role
    from portal.services.roles import role_grant

    role_grant(user=county.operator, role=Role.MEETING_OPERATOR, village=village, by=county.root)


def arm(world, count: int) -> list:
    from ratings.ballot import services

    return [
        services.terminal_arm(meeting=world.meeting, label=f"Race {index}", by=world.operator)
        for index in range(count)
    ]


def ballot_choices(world, voter: int) -> tuple[dict, list[int]]:
    """A ballot that tells its voter apart: a grade pattern, and the voter's own household nominated."""
    grades = list(world.grades.values())
    lines = world.lines()
    chosen = {line: grades[(voter + index) % len(grades)].pk for index, line in enumerate(lines)}
    return chosen, [world.households[voter].pk]


def stored_ballot(meeting, receipt: str) -> dict | None:
    """The ballot with this receipt as stored: its grades and nominations."""
    from ratings.models import Ballot

    ballot = Ballot.objects.filter(meeting=meeting, receipt=receipt).first()
    if ballot is None:
        return None
    return {
        "grades": sorted(
            [grade.cadre_id, grade.criterion_id, grade.grade_id] for grade in ballot.grades.order_by()
        ),
        "households": sorted(ballot.nominations.values_list("household_id", flat=True)),
    }


def in_threads(count: int, work) -> list:
    """Run work(index, barrier) in `count` threads that start together; returns their outcomes."""
    from django.db import connections

    barrier = threading.Barrier(count)
    outcomes: list = [None] * count

    def run(index: int) -> None:
        try:
            outcomes[index] = work(index, barrier)
        except Exception:  # reported, and the test fails on it
            outcomes[index] = ["error", traceback.format_exc(limit=3)]
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=BARRIER_TIMEOUT * 2)
    return outcomes


def seed(args) -> dict:
    from ratings.models import Grade
    from tests.worlds import build_world

    county = make_county()
    grant_operator(county, county.village)
    world = build_world(county, codes=args.trials, residents=0, households=max(args.terminals, 4))
    armed = arm(world, args.terminals)
    return {
        "meeting": world.meeting.pk,
        "tokens": [token for _terminal, token in armed],
        "codes": world.codes,
        "cadres": [cadre.pk for cadre in world.cadres],
        "criteria": [criterion.pk for criterion in world.criteria],
        "grades": [grade.pk for grade in world.grades.values() if grade.standing != Grade.Standing.ABSTAIN],
        "grade_codes": {str(grade.pk): grade.code for grade in world.grades.values()},
        "households": [household.pk for household in world.households],
    }


def same_code(args) -> dict:
    from ratings.ballot import services
    from ratings.models import Ballot, BallotCode
    from tests.worlds import build_world

    county = make_county()
    grant_operator(county, county.village)
    world = build_world(county, codes=args.trials, residents=0, households=max(args.threads, 4))
    terminals = [terminal for terminal, _token in arm(world, args.threads)]
    trials = []
    for code in world.codes:

        def vote(index: int, barrier: threading.Barrier, code=code) -> list:
            # As the kiosk does: the code is checked when typed (which also clears the terminal's count
            # of wrong codes), the villager fills in the ballot, and everybody presses "cast" at once.
            services.code_check(terminal=terminals[index], typed=code)
            grades, households = ballot_choices(world, index)
            barrier.wait(timeout=BARRIER_TIMEOUT)
            try:
                cast = services.ballot_cast(
                    terminal=terminals[index], code=code, grades=grades, households=households
                )
            except services.BallotRejected as refusal:
                return ["refused", str(refusal)]
            return ["cast", cast.receipt]

        outcomes = in_threads(args.threads, vote)
        winners = [index for index, outcome in enumerate(outcomes) if outcome and outcome[0] == "cast"]
        expected = {}
        if len(winners) == 1:
            grades, households = ballot_choices(world, winners[0])
            expected = {
                "grades": sorted([cadre, criterion, grade] for (cadre, criterion), grade in grades.items()),
                "households": sorted(households),
            }
        trials.append(
            {
                "outcomes": outcomes,
                "ballots": Ballot.objects.filter(meeting=world.meeting).count(),
                "codes_used": BallotCode.objects.filter(
                    meeting=world.meeting, status=BallotCode.Status.USED
                ).count(),
                "stored": stored_ballot(world.meeting, outcomes[winners[0]][1])
                if len(winners) == 1
                else None,
                "expected": expected,
            }
        )
    return {"trials": trials}


def close(args) -> dict:
    from django.db import connections

    from meetings import services as meeting_services
    from portal.models import AuditEntry
    from ratings.ballot import services
    from ratings.models import Ballot, BallotCode
    from tests.factories import VillageFactory
    from tests.worlds import build_world

    county = make_county()
    trials = []
    for _trial in range(args.trials):
        village = VillageFactory(township=county.township)
        grant_operator(county, village)
        world = build_world(county, village=village, codes=args.threads, residents=0, cadres=1)
        for _code in world.codes:  # each holder of a code signs in, or the vote would not close
            world.walk_in()
        terminals = [terminal for terminal, _token in arm(world, args.threads)]

        def work(index: int, barrier: threading.Barrier, world=world, terminals=terminals) -> list:
            if index == len(terminals):  # the operator
                barrier.wait(timeout=BARRIER_TIMEOUT)
                meeting_services.voting_close(meeting=world.meeting, by=world.operator)
                return ["closed", ""]
            services.code_check(terminal=terminals[index], typed=world.codes[index])
            barrier.wait(timeout=BARRIER_TIMEOUT)
            # Spread the casts over the moment the vote closes, so that some land before it, some after.
            time.sleep(random.uniform(0, JITTER_SECONDS))
            try:
                cast = services.ballot_cast(
                    terminal=terminals[index],
                    code=world.codes[index],
                    grades=world.full_grades(),
                    households=[],
                )
            except services.BallotRejected as refusal:
                return ["refused", str(refusal)]
            return ["cast", cast.receipt]

        outcomes = in_threads(args.threads + 1, work)
        connections.close_all()
        closing = AuditEntry.objects.filter(action="voting_close", target_id=str(world.meeting.pk)).get()
        trials.append(
            {
                "outcomes": outcomes,
                "receipts_in_box": sorted(
                    Ballot.objects.filter(meeting=world.meeting).values_list("receipt", flat=True)
                ),
                "shaken": closing.details["ballots"],
                "codes": sorted(
                    BallotCode.objects.filter(meeting=world.meeting).values_list("status", flat=True)
                ),
            }
        )
    return {"trials": trials}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("race", choices=["migrate", "seed", "same-code", "close"])
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--terminals", type=int, default=8)
    args = parser.parse_args(argv)
    setup()
    run = {"migrate": lambda args: {}, "seed": seed, "same-code": same_code, "close": close}[args.race]
    json.dump(run(args), sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
