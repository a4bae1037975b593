"""One code, one ballot, under any concurrency — tried for real, many times, on real databases.

Each race runs in a database of its own: an SQLite file (the village laptop: WAL, IMMEDIATE
transactions) always, and a PostgreSQL database beside the test database when the suite runs on
PostgreSQL (a county). tests/ratings/ballot/race.py builds the world there in a separate process; for the
HTTP race, gunicorn serves the app on 127.0.0.1 (several processes and threads, as in production)
and every thread here is a terminal of its own that checks the code and opens the ballot page through
the kiosk, then sends its ballot at the same instant as the others (a barrier).
"""

import contextlib
import json
import os
import re
import sqlite3
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.urls import reverse

from tests import app_servers
from tests.app_servers import HTTP_TIMEOUT, Browser
from tests.postgres import postgres_server, scratch_database

BASE_DIR = Path(settings.BASE_DIR)
TRIALS = 20
THREADS = 8
CLOSE_TRIALS = 8
CLOSE_THREADS = 6
PROCESS_SECONDS = 180

BACKENDS = ["sqlite"]
if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    BACKENDS.append("postgresql")


@dataclass
class RaceDatabase:
    url: str
    connect: object  # () -> a DB-API connection to the same database
    placeholder: str

    def rows(self, sql: str, params=()) -> list[tuple]:
        connection = self.connect()
        try:
            cursor = connection.cursor()
            cursor.execute(sql.replace("%s", self.placeholder), params)
            return list(cursor.fetchall())
        finally:
            connection.close()


def postgres_database(name: str) -> RaceDatabase:
    server = postgres_server()
    credentials = server["user"] + (f":{server['password']}" if server["password"] else "")
    return RaceDatabase(
        f"postgres://{credentials}@{server['host']}:{server['port']}/{name}",
        lambda: psycopg.connect(dbname=name, **server),
        "%s",
    )


@pytest.fixture(scope="module", params=BACKENDS)
def migrated(request, tmp_path_factory):
    """A database migrated once per backend, which every race copies: migrating is the slow part."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("race") / "migrated.sqlite3"
        database = RaceDatabase(f"sqlite:///{path}", lambda: sqlite3.connect(path), "?")
        run_race(database, "migrate")
        yield request.param, path
        return
    with scratch_database("portal_race") as name:
        run_race(postgres_database(name), "migrate")
        yield request.param, name


@pytest.fixture
def race_database(migrated, tmp_path):
    """A fresh copy of the migrated database for one race, dropped afterwards."""
    backend, template = migrated
    if backend == "sqlite":
        path = tmp_path / "venue.sqlite3"
        with (
            contextlib.closing(sqlite3.connect(template)) as source,
            contextlib.closing(sqlite3.connect(path)) as copy,
        ):
            source.backup(copy)
        yield RaceDatabase(f"sqlite:///{path}", lambda: sqlite3.connect(path), "?")
        return
    with scratch_database("portal_race", template=template) as name:
        yield postgres_database(name)


def environment(database: RaceDatabase) -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": database.url,
        "DJANGO_LOG_LEVEL": "WARNING",
        # Each server thread keeps its connection, as a production server would.
        "DATABASE_CONN_MAX_AGE": "60",
    }


def run_race(database: RaceDatabase, *args: str) -> dict:
    finished = subprocess.run(
        [sys.executable, "-m", "tests.ratings.ballot.race", *args],
        cwd=BASE_DIR,
        env=environment(database),
        capture_output=True,
        text=True,
        timeout=PROCESS_SECONDS,
        check=False,
    )
    assert finished.returncode == 0, finished.stderr[-4000:]
    return json.loads(finished.stdout)


def kinds(outcomes) -> list[str]:
    return sorted(outcome[0] for outcome in outcomes)


# --- the service, thread against thread ----------------------------------------------------------


def test_the_same_code_cast_at_once_on_many_terminals_gives_one_ballot(race_database):
    trials = run_race(race_database, "same-code", "--trials", str(TRIALS), "--threads", str(THREADS))[
        "trials"
    ]

    assert len(trials) == TRIALS
    for number, trial in enumerate(trials, start=1):
        assert kinds(trial["outcomes"]) == ["cast"] + ["refused"] * (THREADS - 1), trial["outcomes"]
        assert trial["ballots"] == number  # exactly one more ballot in the box
        assert trial["codes_used"] == number
        # The ballot written is the winner's, whole: every grade and the nomination it chose.
        assert trial["stored"] == trial["expected"]


def test_a_cast_racing_the_close_of_the_vote_is_counted_and_shaken_or_refused(race_database):
    trials = run_race(race_database, "close", "--trials", str(CLOSE_TRIALS), "--threads", str(CLOSE_THREADS))[
        "trials"
    ]

    for trial in trials:
        outcomes = trial["outcomes"]
        assert not [outcome for outcome in outcomes if outcome[0] == "error"], outcomes
        receipts = sorted(outcome[1] for outcome in outcomes if outcome[0] == "cast")
        refused = [outcome for outcome in outcomes if outcome[0] == "refused"]
        # Every ballot cast is in the box, the box was shaken with every one of them in it, and a
        # refused villager's code is not used: closing voided it with every unused code (issue 10).
        assert trial["receipts_in_box"] == receipts
        assert trial["shaken"] == len(receipts)
        assert trial["codes"] == sorted(["used"] * len(receipts) + ["voided"] * len(refused))
        assert len(receipts) + len(refused) == CLOSE_THREADS


# --- the kiosk, over HTTP ---------------------------------------------------------------------------


@contextlib.contextmanager
def served(database: RaceDatabase, log: Path):
    """gunicorn on 127.0.0.1: two processes of eight threads each; yields its port."""
    with app_servers.served(environment(database), log, workers=2, threads=THREADS) as port:
        yield port


def fill_in_ballot(browser: Browser, world: dict, code: str, voter: int) -> tuple[dict, dict]:
    """Welcome, code, the ballot page: the steps before "cast". Returns the ballot the page would send,
    one grade per line and one nomination, and what was chosen."""
    status, _location, _page = browser.get(reverse("ratings:kiosk"))
    assert status == 200
    status, location, page = browser.post(
        reverse("ratings:kiosk-code"), {"code": code, "language": "zh-hans", "text_size": "normal"}
    )
    assert (status, location) == (302, reverse("ratings:kiosk-ballot")), f"{status}\n{page[:2000]}"
    status, _location, page = browser.get(reverse("ratings:kiosk-ballot"))
    assert status == 200, page[:2000]
    ballot, chosen = {}, []
    for position, cadre in enumerate(world["cadres"], start=1):
        for line, criterion in enumerate(world["criteria"]):
            grade = world["grades"][(voter + line + position) % len(world["grades"])]
            ballot[f"grade-{cadre}-{criterion}"] = grade
            chosen.append((cadre, criterion, grade))
    household = world["households"][voter]
    ballot["household"] = household
    return ballot, {"grades": sorted(chosen), "households": [household]}


def test_the_same_code_sent_from_many_terminals_over_http_gives_one_ballot(race_database, tmp_path):
    world = run_race(race_database, "seed", "--trials", str(TRIALS), "--terminals", str(THREADS))
    cast_path = reverse("ratings:kiosk-cast")
    receipt_path = reverse("ratings:kiosk-receipt")
    with served(race_database, tmp_path / "gunicorn.log") as port:
        for number, code in enumerate(world["codes"], start=1):
            before = set(race_database.rows("SELECT receipt FROM ratings_ballot"))
            barrier = threading.Barrier(THREADS)
            outcomes: list = [None] * THREADS

            def terminal(index: int, code=code, barrier=barrier, outcomes=outcomes) -> None:
                browser = Browser(port, world["tokens"][index])
                try:
                    ballot, chosen = fill_in_ballot(browser, world, code, index)
                except BaseException as error:
                    barrier.abort()
                    outcomes[index] = ("error", repr(error), None)
                    return
                try:
                    barrier.wait(timeout=HTTP_TIMEOUT)
                    status, location, page = browser.post(cast_path, ballot)
                    if status == 302 and location == receipt_path:
                        _status, _location, page = browser.get(receipt_path)
                    outcomes[index] = (status, page, chosen)
                except BaseException as error:
                    outcomes[index] = ("error", repr(error), None)

            threads = [threading.Thread(target=terminal, args=(index,)) for index in range(THREADS)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=2 * HTTP_TIMEOUT)

            statuses = sorted(str(outcome[0]) for outcome in outcomes)
            assert statuses == ["302"] + ["409"] * (THREADS - 1), (number, outcomes)
            (new_receipt,) = set(race_database.rows("SELECT receipt FROM ratings_ballot")) - before
            assert race_database.rows("SELECT count(*) FROM ratings_ballot") == [(number,)]
            assert race_database.rows(
                "SELECT count(*) FROM ratings_ballotcode WHERE status = %s", ["used"]
            ) == [(number,)]
            # The winner saw the receipt of the one ballot written, and it holds what the winner chose.
            _status, page, chosen = next(outcome for outcome in outcomes if outcome[0] == 302)
            assert re.search(rf"\b{new_receipt[0]}\b", page)
            grades = race_database.rows(
                "SELECT g.cadre_id, g.criterion_id, g.grade_id FROM ratings_ballotgrade g "
                "JOIN ratings_ballot b ON b.id = g.ballot_id WHERE b.receipt = %s",
                new_receipt,
            )
            households = race_database.rows(
                "SELECT n.household_id FROM ratings_ballotnomination n "
                "JOIN ratings_ballot b ON b.id = n.ballot_id WHERE b.receipt = %s",
                new_receipt,
            )
            assert {"grades": sorted(grades), "households": [row[0] for row in households]} == {
                "grades": [tuple(line) for line in chosen["grades"]],
                "households": chosen["households"],
            }
