"""The tally, measured: one GROUP BY against reading the ballots, on a large village's box.

Runs on its own (`.venv/bin/python bench/tally.py`) against a fresh SQLite database in a temporary
folder, or against DATABASE_URL when BENCH_DATABASE_URL is set (e.g. a scratch PostgreSQL database).
It fills one closed meeting with BALLOTS ballots of CADRES cadres on the default scheme's five criteria
(written in bulk: the kiosk's own speed is bench/kiosk.py's business), then times, side by side in the
same run, three ways of building the same histograms:

- group by: what ratings/results.py does, one GROUP BY returning one row per (cadre, criterion,
  group, grade);
- rows: every grade row read into Python and counted there (one query, every row transferred);
- per ballot: each ballot's grades read one ballot at a time (the N+1 the code must never do).

It checks that the three agree, then times the whole results document and the canonical ballots file.
"""

# The box is filled from a seeded generator so that every run measures the same ballots.
# ruff: noqa: S311

import os
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

BALLOTS = 2000
CADRES = 10
REPEAT = 5
ROOT = Path(__file__).resolve().parent.parent


def setup(folder: Path) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["DATABASE_URL"] = (
        os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{folder / 'bench.sqlite3'}"
    )
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.settings"
    os.environ.setdefault("DJANGO_LOG_LEVEL", "ERROR")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def fill_box():
    """A closed meeting with BALLOTS ballots, written straight to the tables."""
    import datetime
    import uuid

    from django.utils import timezone

    from meetings.models import Meeting, MeetingCadre
    from portal.models import Cadre, Township, Village
    from ratings.ballot import schemes
    from ratings.models import Ballot, BallotGrade

    township = Township.objects.create(name="Bench township", code="653121900")
    village = Village.objects.create(township=township, name="Bench village", code="653121900201")
    scheme = schemes.scheme_create(name="Bench scheme")
    cadres = [Cadre.objects.create(village=village, name=f"Cadre {n}", gender="f") for n in range(CADRES)]
    meeting = Meeting.objects.create(
        village=village,
        year=2025,
        held_at=timezone.now() - datetime.timedelta(days=1),
        venue="Hall",
        scheme=scheme,
        status=Meeting.Status.VOTING_CLOSED,
        roll_size=BALLOTS + 100,
    )
    MeetingCadre.objects.bulk_create(
        MeetingCadre(meeting=meeting, cadre=cadre, order=n) for n, cadre in enumerate(cadres)
    )
    criteria = list(scheme.criteria.all())
    grades = list(scheme.grades.all())
    groups = list(scheme.groups.all())
    rng = random.Random(2026)
    ballots = [
        Ballot(
            meeting=meeting,
            group=groups[0] if n % 20 else groups[-1],
            receipt=uuid.UUID(int=rng.getrandbits(128)).hex[:12].upper(),
            cast_on=meeting.held_at.date(),
        )
        for n in range(BALLOTS)
    ]
    Ballot.objects.bulk_create(ballots, batch_size=1000)
    weights = [6, 3, 1, 1]
    rows = [
        BallotGrade(ballot=ballot, cadre=cadre, criterion=criterion, grade=rng.choices(grades, weights)[0])
        for ballot in ballots
        for cadre in cadres
        for criterion in criteria
    ]
    BallotGrade.objects.bulk_create(rows, batch_size=5000)
    return meeting


def group_by(meeting):
    from ratings.results import tally as results

    return Counter(results.meeting_counts(meeting))


def rows(meeting):
    from ratings.models import BallotGrade

    return Counter(
        (cadre, criterion or "overall", group, grade)
        for cadre, criterion, group, grade in BallotGrade.objects.filter(ballot__meeting=meeting).values_list(
            "cadre_id", "criterion__code", "ballot__group__kind", "grade__code"
        )
    )


def per_ballot(meeting):
    from ratings.models import Ballot

    counts = Counter()
    for ballot in Ballot.objects.filter(meeting=meeting).select_related("group"):
        for grade in ballot.grades.select_related("criterion", "grade"):
            counts[(grade.cadre_id, grade.criterion.code, ballot.group.kind, grade.grade.code)] += 1
    return counts


def timed(function, *args, repeat=REPEAT):
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        value = function(*args)
        times.append(time.perf_counter() - started)
    return statistics.median(times), value


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        setup(Path(folder))
        from django.db import connection

        from ratings import aggregation
        from ratings.results import tally as results

        started = time.perf_counter()
        meeting = fill_box()
        print(
            f"box: {BALLOTS} ballots × {CADRES} cadres × 5 criteria on {connection.vendor}, written in "
            f"{time.perf_counter() - started:.1f} s"
        )
        fast, expected = timed(group_by, meeting)
        middle, counted = timed(rows, meeting)
        slow, naive = timed(per_ballot, meeting, repeat=1)
        assert expected == counted == naive, "the three tallies disagree"
        print(f"group by:   {fast * 1000:8.1f} ms  ({len(expected)} histogram cells)")
        print(f"rows:       {middle * 1000:8.1f} ms  ({middle / fast:5.1f}× the group by)")
        print(f"per ballot: {slow * 1000:8.1f} ms  ({slow / fast:5.1f}× the group by)")
        spec = results.scheme_spec(meeting.scheme)
        core, _ = timed(aggregation.tally, expected, spec, list(meeting.cadres.values_list("pk", flat=True)))
        document, _ = timed(results.results_document, meeting)
        csv_time, data = timed(results.ballots_csv, meeting)
        print(f"pure core on the histograms: {core * 1000:.1f} ms")
        print(f"whole results document:      {document * 1000:.1f} ms")
        print(f"canonical ballots.csv:       {csv_time * 1000:.1f} ms ({len(data) / 1024:.0f} KiB)")


if __name__ == "__main__":
    main()
