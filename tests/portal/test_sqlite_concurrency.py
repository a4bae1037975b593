"""A village's laptop runs on SQLite with several terminals voting at once: writers must queue, not fail.

The test builds its own file database with the settings' SQLITE_OPTIONS, so it runs whatever the
default database is. Each terminal's request is a transaction that reads, then writes; two of them
overlap. Under IMMEDIATE transactions the second waits for the first (busy timeout); under SQLite's
default DEFERRED mode the second cannot upgrade its read to a write and fails at once, which is the
regression this test is here to catch.
"""

import threading
import time
import uuid
from contextlib import contextmanager

import pytest
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, OperationalError, connections, transaction

HOLD_SECONDS = 0.3


@contextmanager
def file_database(path, **options):
    """An extra database alias, as settings.DATABASES would declare it, on the SQLite file `path`.

    `connections[alias]` gives each thread its own DatabaseWrapper, and transaction.atomic() drives it
    exactly as it drives the default database in a request.
    """
    alias = f"concurrency_{uuid.uuid4().hex}"
    declared = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(path), "OPTIONS": options}
    # configure_settings() fills in what Django defaults (AUTOCOMMIT, TIME_ZONE…) and insists on a default.
    configured = connections.configure_settings(
        {DEFAULT_DB_ALIAS: connections.settings[DEFAULT_DB_ALIAS], alias: declared}
    )
    connections.settings[alias] = configured[alias]
    try:
        yield alias
    finally:
        connections[alias].close()
        del connections[alias]
        del connections.settings[alias]


def vote(alias: str, start: threading.Barrier, outcome: dict) -> None:
    """One terminal: read the count, hold the transaction a moment, write the new count."""
    name = threading.current_thread().name
    try:
        start.wait(timeout=5)
        with transaction.atomic(using=alias), connections[alias].cursor() as cursor:
            cursor.execute("SELECT votes FROM tally WHERE id = 1")
            (votes,) = cursor.fetchone()
            time.sleep(HOLD_SECONDS)
            cursor.execute("UPDATE tally SET votes = %s WHERE id = 1", [votes + 1])
        outcome[name] = "ok"
    except OperationalError as error:
        outcome[name] = str(error)
    finally:
        connections[alias].close()


def two_terminals_vote(alias: str) -> tuple[dict, int, float]:
    with connections[alias].cursor() as cursor:
        cursor.execute("CREATE TABLE tally (id integer PRIMARY KEY, votes integer NOT NULL)")
        cursor.execute("INSERT INTO tally (id, votes) VALUES (1, 0)")
    start = threading.Barrier(2)
    outcome: dict[str, str] = {}
    terminals = [threading.Thread(target=vote, args=(alias, start, outcome), name=f"t{i}") for i in (1, 2)]
    began = time.monotonic()
    for terminal in terminals:
        terminal.start()
    for terminal in terminals:
        terminal.join(timeout=30)
    elapsed = time.monotonic() - began
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT votes FROM tally WHERE id = 1")
        (votes,) = cursor.fetchone()
    return outcome, votes, elapsed


@pytest.fixture
def unblocked(django_db_blocker):
    """Database access for this module's own file databases, without setting up the test database."""
    with django_db_blocker.unblock():
        yield


def test_sqlite_runs_in_wal_mode(tmp_path, unblocked):
    with (
        file_database(tmp_path / "venue.sqlite3", **settings.SQLITE_OPTIONS) as alias,
        connections[alias].cursor() as cursor,
    ):
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone() == ("wal",)
        cursor.execute("PRAGMA foreign_keys")
        assert cursor.fetchone() == (1,)


def test_sqlite_syncs_every_commit_to_survive_a_power_cut(tmp_path, unblocked):
    """synchronous=FULL (2): a commit is on the disk before the voter sees the receipt; NORMAL (1) in
    WAL mode may lose the last commits when the laptop loses power."""
    with (
        file_database(tmp_path / "venue.sqlite3", **settings.SQLITE_OPTIONS) as alias,
        connections[alias].cursor() as cursor,
    ):
        cursor.execute("PRAGMA synchronous")
        assert cursor.fetchone() == (2,)


def test_concurrent_writers_queue_for_the_lock(tmp_path, unblocked):
    with file_database(tmp_path / "venue.sqlite3", **settings.SQLITE_OPTIONS) as alias:
        outcome, votes, elapsed = two_terminals_vote(alias)

    assert outcome == {"t1": "ok", "t2": "ok"}
    assert votes == 2  # neither vote was lost
    assert elapsed >= 2 * HOLD_SECONDS  # the second waited for the first


def test_deferred_transactions_would_fail_under_the_same_load(tmp_path, unblocked):
    # What the IMMEDIATE mode prevents: both read, then neither can become the writer in turn.
    options = {**settings.SQLITE_OPTIONS, "transaction_mode": "DEFERRED"}
    with file_database(tmp_path / "venue.sqlite3", **options) as alias:
        outcome, votes, _elapsed = two_terminals_vote(alias)

    assert sorted(outcome.values()) == ["database is locked", "ok"]
    assert votes == 1
