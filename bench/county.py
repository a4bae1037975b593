"""Results at county scale: every village's meeting counted, published and ranked, on SQLite and PostgreSQL.

Runs on its own (`.venv/bin/python bench/county.py`, or `make bench`): on SQLite in a temporary folder,
and on PostgreSQL too when BENCH_DATABASE_URL is set (a scratch database is made on that server and
dropped afterwards). A county of VILLAGES villages in three townships (of 1 village, a fifth of the rest
and the rest, so that township pages of few and many villages can be timed side by side), each with
one closed meeting of BALLOTS ballots grading CADRES cadres on the default scheme's five criteria
(300 × 300 × 10 × 5 = 4.5 million grades), written straight to the tables: the kiosk's own speed is
bench/kiosk.py's business. Then, per database, in rounds (each round every measure in turn, so that
drift on a shared machine weighs on all alike), the median of:

    raw group by:            one GROUP BY over every grade of the county (the floor of any tally);
    keep the counts:         what sealing every box adds: its histograms written as rows (GradeCount);
    every meeting's counts:  each meeting's histograms as the results read them (the kept rows);
    every meeting's tally:   those histograms through the pure core (ratings/aggregation.py) as well;
    every results document:  each meeting's whole results document (tally.results_document);
    the township rankings (1 village, a fifth, the rest), the county ranking, one results page: the
                             pages, through Django's test client, each asked REQUESTS times.

and prints each with its ratio to the raw group by (the county-wide work); for the pages, the time
of a ranking over the whole county against that over a fifth of it, both showing a full page of
rows (flat is 1.0), and against the township of one village, which shows a row or two.
"""

# The county is filled from a seeded generator so that every run measures the same ballots.
# ruff: noqa: S311

import argparse
import datetime
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from scratch import ScratchPostgres

ROOT = Path(__file__).resolve().parent.parent
VILLAGES = 300
BALLOTS = 300
CADRES = 10
ROUNDS = 3
REQUESTS = 5


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--villages", type=int, default=VILLAGES)
    parser.add_argument("--ballots", type=int, default=BALLOTS)
    parser.add_argument("--cadres", type=int, default=CADRES)
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    parser.add_argument("--database-url", help=argparse.SUPPRESS)  # the child process's database
    return parser.parse_args()


def main() -> None:
    options = arguments()
    if options.database_url:
        return measure(options)
    passed = [
        f"--villages={options.villages}",
        f"--ballots={options.ballots}",
        f"--cadres={options.cadres}",
        f"--rounds={options.rounds}",
    ]
    with tempfile.TemporaryDirectory(prefix="county-bench-") as folder:
        databases = [("SQLite", f"sqlite:///{Path(folder) / 'bench.sqlite3'}")]
        if os.environ.get("BENCH_DATABASE_URL"):
            databases.append(("PostgreSQL", None))
        for name, url in databases:
            print(
                f"\n== {name}: {options.villages} villages × {options.ballots} ballots × {options.cadres} "
                "cadres × 5 criteria ==",
                flush=True,
            )
            if url is None:
                with ScratchPostgres("bench_county") as scratch:
                    run_child(scratch, passed)
            else:
                run_child(url, passed)
    return None


def run_child(url: str, passed: list[str]) -> None:
    command = [sys.executable, __file__, f"--database-url={url}", *passed]
    subprocess.run(command, check=True)  # noqa: S603 (this script, our interpreter)


# --- the child: one database ---------------------------------------------------------------------------


def measure(options) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["DATABASE_URL"] = options.database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.settings"
    os.environ.setdefault("DJANGO_LOG_LEVEL", "ERROR")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    county = fill_county(options)
    print(f"county written in {time.perf_counter() - started:.0f} s", flush=True)
    started = time.perf_counter()
    publish_all(county)
    print(
        f"every box sealed and every meeting published in {time.perf_counter() - started:.0f} s", flush=True
    )
    # A county's server has its statistics brought up to date by autovacuum's ANALYZE within minutes of
    # a bulk load; measured straight after one, PostgreSQL plans with none (a nested loop over every
    # snapshot for every standing, 30 ms where the analysed plan takes 1).
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    measures = county_measures(county)
    times: dict[str, list[float]] = {name: [] for name in measures}
    for number in range(options.rounds):
        names = list(measures)
        shift = number % len(names)
        for name in names[shift:] + names[:shift]:
            began = time.perf_counter()
            measures[name]()
            times[name].append(time.perf_counter() - began)
        print(f"round {number + 1} done", flush=True)
    report({name: statistics.median(values) for name, values in times.items()})


class County:
    def __init__(self, townships, meetings, admin):
        self.townships, self.meetings, self.admin = townships, meetings, admin


def fill_county(options) -> County:
    """Townships of 1, half the rest and the rest of the villages; one closed meeting each, in bulk."""
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction
    from django.utils import timezone

    from meetings.models import Meeting, MeetingCadre
    from portal.models import Cadre, CadrePost, Township, Village
    from ratings.ballot import schemes
    from ratings.models import Ballot, BallotGrade

    rng = random.Random(2026)
    admin = get_user_model().objects.create_superuser("bench-admin", password=None)
    scheme = schemes.scheme_create(name="County scheme")
    criteria = list(scheme.criteria.values_list("pk", flat=True))
    grades = list(scheme.grades.values_list("pk", flat=True))
    villager, panel = (
        scheme.groups.get(kind="villager").pk,
        scheme.groups.get(kind="township_panel").pk,
    )
    sizes = [1, (options.villages - 1) // 5, options.villages - 1 - (options.villages - 1) // 5]
    townships = [
        Township.objects.create(name=f"Township {n}", code=f"6531219{n:02d}", county="Bench county")
        for n in range(3)
    ]
    posts = list(CadrePost.Post.values)
    held_at = timezone.now() - datetime.timedelta(days=2)
    meetings = []
    grade_table, ballot_table = BallotGrade._meta.db_table, Ballot._meta.db_table
    number = 0
    for township, size in zip(townships, sizes, strict=True):
        for _ in range(size):
            number += 1
            with transaction.atomic():
                village = Village.objects.create(
                    township=township, name=f"Village {number}", code=f"{township.code}{number:03d}"
                )
                cadres = [
                    Cadre.objects.create(village=village, name=f"Cadre {number}-{n}", gender="f")
                    for n in range(options.cadres)
                ]
                CadrePost.objects.bulk_create(
                    CadrePost(cadre=cadre, post=posts[n % len(posts)], term_start=2020)
                    for n, cadre in enumerate(cadres)
                )
                meeting = Meeting.objects.create(
                    village=village,
                    year=2025,
                    held_at=held_at,
                    venue="Hall",
                    scheme=scheme,
                    status=Meeting.Status.VOTING_CLOSED,
                    roll_size=options.ballots + 20,
                )
                MeetingCadre.objects.bulk_create(
                    MeetingCadre(meeting=meeting, cadre=cadre, order=n) for n, cadre in enumerate(cadres)
                )
                # Each village leans its own way, so that the scores spread.
                lean = [rng.randint(1, 8), rng.randint(1, 4), 1, rng.randint(0, 1)]
                ballots = [
                    (
                        uuid.uuid4().hex,
                        meeting.pk,
                        panel if n < 5 else villager,
                        f"R{number:03d}{n:05d}",
                        held_at.date(),
                    )
                    for n in range(options.ballots)
                ]
                rows = [
                    (uuid.uuid4().hex, ballot[0], cadre.pk, criterion, rng.choices(grades, lean)[0])
                    for ballot in ballots
                    for cadre in cadres
                    for criterion in criteria
                ]
                with connection.cursor() as cursor:
                    cursor.executemany(
                        f"INSERT INTO {ballot_table} (id, meeting_id, group_id, receipt, cast_on) "  # noqa: S608
                        "VALUES (%s, %s, %s, %s, %s)",
                        ballots,
                    )
                    cursor.executemany(
                        f"INSERT INTO {grade_table} (id, ballot_id, cadre_id, criterion_id, grade_id) "  # noqa: S608
                        "VALUES (%s, %s, %s, %s, %s)",
                        rows,
                    )
            meetings.append(meeting)
            if number % 50 == 0:
                print(f"  {number} villages written", flush=True)
    return County(townships, meetings, admin)


def publish_all(county: County) -> None:
    """Seal every box (the counts kept) and publish every meeting's results, as the services do."""
    from django.db import transaction
    from django.utils import timezone

    from ratings.ballot.services import counts_keep
    from ratings.models import ResultSnapshot
    from ratings.results import standings, tally

    for meeting in county.meetings:
        with transaction.atomic():
            counts_keep(meeting=meeting)
            document = tally.results_document(meeting)
            snapshot = ResultSnapshot.objects.create(
                meeting=meeting,
                version=1,
                status=ResultSnapshot.Status.PUBLISHED,
                data=document,
                ballots=document["ballots"],
                ballots_sha256="0" * 64,
                computed_at=timezone.now(),
                published_at=timezone.now(),
                notice_ends=timezone.localdate() + datetime.timedelta(days=5),
            )
            standings.standings_write(snapshot)
        meeting.status = meeting.Status.UNDER_NOTICE
        meeting.save(update_fields=["status"])


def county_measures(county: County) -> dict:
    from django.db.models import Count
    from django.test import Client
    from django.urls import reverse

    from ratings import aggregation
    from ratings.ballot.services import counts_keep
    from ratings.models import BallotGrade
    from ratings.results import tally

    client = Client(HTTP_HOST="localhost")
    one, few = county.townships[0], county.townships[1]
    spec = tally.scheme_spec(county.meetings[0].scheme)
    cadres = {meeting.pk: list(meeting.cadres.values_list("pk", flat=True)) for meeting in county.meetings}

    def raw_group_by():
        rows = BallotGrade.objects.values_list(
            "ballot__meeting_id", "cadre_id", "criterion_id", "ballot__group_id", "grade_id"
        ).annotate(n=Count("id"))
        return len(list(rows.order_by()))

    def keep_counts():
        for meeting in county.meetings:
            counts_keep(meeting=meeting)

    def every_count():
        for meeting in county.meetings:
            tally.meeting_counts(meeting)

    def every_tally():
        for meeting in county.meetings:
            aggregation.tally(tally.meeting_counts(meeting), spec, cadres[meeting.pk])

    def every_document():
        for meeting in county.meetings:
            tally.results_document(meeting)

    def page(url):
        def get():
            for _ in range(REQUESTS):
                response = client.get(url)
                assert response.status_code == 200, (url, response.status_code)

        return get

    return {
        "raw group by": raw_group_by,
        "keep the counts": keep_counts,
        "every meeting's counts": every_count,
        "every meeting's tally": every_tally,
        "every results document": every_document,
        "township ranking, 1 village": page(reverse("ratings:township-ranking", args=[one.pk])),
        f"township ranking, {few.villages.count()} villages": page(
            reverse("ratings:township-ranking", args=[few.pk])
        ),
        "county ranking": page(reverse("ratings:county-ranking")),
        "one results page": page(reverse("ratings:results", args=[county.meetings[-1].pk])),
    }


def report(medians: dict[str, float]) -> None:
    floor = medians["raw group by"]
    print()
    for name, seconds in medians.items():
        if "ranking" in name or "page" in name:
            print(f"{name:<32}{seconds / REQUESTS * 1000:10.1f} ms a request")
        else:
            print(f"{name:<32}{seconds * 1000:10.1f} ms   {seconds / floor:6.2f}× the raw group by")
    pages = [name for name in medians if name.startswith("township ranking")]
    one, few, county = medians[pages[0]], medians[pages[1]], medians["county ranking"]
    print(f"\ncounty ranking ÷ {pages[1].split(', ')[1]}: {county / few:.2f} (flat is 1.0)")
    print(f"county ranking ÷ township ranking of 1 village: {county / one:.2f}")


if __name__ == "__main__":
    main()
