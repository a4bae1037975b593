"""Nothing of the order of casting is left in the database files once a vote is over (issue 10).

Each test votes in a database of its own, through the services, in a separate process
(tests/ratings/ballot/disk.py): an SQLite file in WAL mode (the village laptop) always, and a PostgreSQL
database beside the test database when the suite runs on PostgreSQL (a county). Then it reads the files'
bytes and the rows' physical order, and compares them with the order of casting:

- SQLite: the main file and its `-wal`, page by page (a table's rows and an index's keys live on pages
  of different types), and the rows' rowid order;
- PostgreSQL: each relation's file through pg_read_binary_file (after a CHECKPOINT, so that the file
  holds what the shared buffers hold), the rows' ctid order and their xmin.

The SQLite file is read while a connection of the test keeps it open, as the running portal would:
SQLite empties and deletes the log when its last connection closes, which would hide what the log holds
while the site runs.

Orders are compared with Kendall's tau. A shuffle can leave a few ballots in cast order by chance, so the
tests never ask for no agreement at all: for 40 ballots in random order tau has mean 0 and standard
deviation 0.110, and |tau| >= 0.6 has a probability of 4.8e-9 per comparison (exact, counting the
permutations of 40 by their inversions); a whole run makes at most 24 comparisons. The order of casting
itself gives tau = 1, its reverse -1.
"""

import contextlib
import json
import os
import re
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from django.conf import settings

from tests.postgres import postgres_server, postgres_url, scratch_database

BASE_DIR = Path(settings.BASE_DIR)
BALLOTS = 40
TAU_BOUND = 0.6
PROCESS_SECONDS = 180
REPORT_SECONDS = 8  # a report running when the vote closes: long enough for the close to begin

BACKENDS = ["sqlite"]
if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    BACKENDS.append("postgresql")

# SQLite's b-tree page types (the first byte of a page's header): a table's rows and an index's keys.
SQLITE_TABLE_PAGES = {0x0D, 0x05}
SQLITE_INDEX_PAGES = {0x0A, 0x02}
WAL_HEADER, WAL_FRAME_HEADER = 32, 24


def kendall_tau(cast: list, seen: list) -> float:
    """Agreement of the order `seen` with the order `cast`: 1 the same, -1 reversed, about 0 unrelated."""
    rank = {item: index for index, item in enumerate(cast)}
    ranks = [rank[item] for item in seen]
    pairs = concordant = 0
    for i in range(len(ranks)):
        for j in range(i + 1, len(ranks)):
            pairs += 1
            concordant += ranks[i] < ranks[j]
    return (2 * concordant - pairs) / pairs


def assert_shuffled(cast: list, seen: list) -> None:
    assert sorted(seen) == sorted(cast)
    assert seen != cast and seen != cast[::-1]
    assert abs(kendall_tau(cast, seen)) < TAU_BOUND, kendall_tau(cast, seen)


def offsets(data: bytes, needle: bytes) -> list[int]:
    return [match.start() for match in re.finditer(re.escape(needle), data)]


# --- the databases ---------------------------------------------------------------------------------


@dataclass
class VoteDatabase:
    backend: str
    url: str
    path: Path | None = None  # SQLite
    name: str = ""  # PostgreSQL

    def run(self, *args: str, scrubbed: bool = True) -> dict:
        finished = subprocess.run(
            [sys.executable, "-m", *args],
            cwd=BASE_DIR,
            env={
                **os.environ,
                "DJANGO_SETTINGS_MODULE": "tests.settings",
                "DATABASE_URL": self.url,
                "DJANGO_LOG_LEVEL": "WARNING",
            },
            capture_output=True,
            text=True,
            timeout=PROCESS_SECONDS,
            check=False,
        )
        assert finished.returncode == 0, finished.stderr[-4000:]
        # The scrub logs an error when it leaves something undone.
        assert ("not fully scrubbed" not in finished.stderr) == scrubbed, finished.stderr[-4000:]
        if not args[0].startswith("tests."):
            return {"out": finished.stdout, "err": finished.stderr}
        return {**json.loads(finished.stdout), "err": finished.stderr}

    def vote(self, end: str) -> dict:
        return self.run("tests.ratings.ballot.disk", "vote", "--ballots", str(BALLOTS), "--end", end)


@pytest.fixture(scope="module", params=BACKENDS)
def migrated(request, tmp_path_factory):
    """A database migrated once per backend, which every test copies: migrating is the slow part."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("disk") / "migrated.sqlite3"
        VoteDatabase("sqlite", f"sqlite:///{path}", path=path).run("tests.ratings.ballot.disk", "migrate")
        yield request.param, path
        return
    with scratch_database("portal_disk") as name:
        VoteDatabase("postgresql", postgres_url(name), name=name).run("tests.ratings.ballot.disk", "migrate")
        yield request.param, name


@pytest.fixture
def database(migrated, tmp_path):
    """A fresh copy of the migrated database; an SQLite copy is held open by the test while it runs."""
    backend, template = migrated
    if backend == "sqlite":
        path = tmp_path / "venue.sqlite3"
        with (
            contextlib.closing(sqlite3.connect(template)) as source,
            contextlib.closing(sqlite3.connect(path)) as copy,
        ):
            source.backup(copy)
        keeper = sqlite3.connect(path, isolation_level=None)
        keeper.execute("PRAGMA journal_mode=WAL")
        keeper.execute("SELECT count(*) FROM sqlite_master").fetchall()
        try:
            yield VoteDatabase("sqlite", f"sqlite:///{path}", path=path)
        finally:
            keeper.close()
        return
    with scratch_database("portal_disk", template=template) as name:
        yield VoteDatabase("postgresql", postgres_url(name), name=name)


# --- reading SQLite's files ------------------------------------------------------------------------


@dataclass
class SqliteFiles:
    main: bytes
    wal: bytes
    page_size: int

    @classmethod
    def read(cls, path: Path) -> "SqliteFiles":
        main = path.read_bytes()
        wal_path = path.with_name(path.name + "-wal")
        wal = wal_path.read_bytes() if wal_path.exists() else b""
        return cls(main=main, wal=wal, page_size=int.from_bytes(main[16:18], "big") or 65536)

    def page_type(self, offset: int) -> int:
        page = offset // self.page_size
        return self.main[page * self.page_size + (100 if page == 0 else 0)]

    def in_pages(self, needle: bytes, types: set[int]) -> list[int]:
        return [offset for offset in offsets(self.main, needle) if self.page_type(offset) in types]


def sqlite_rows(path: Path, sql: str, params=()) -> list:
    with contextlib.closing(sqlite3.connect(path)) as connection:
        return [row[0] for row in connection.execute(sql, params)]


def storage_order(files: SqliteFiles, needles: list[bytes]) -> tuple[list[bytes], list[bytes]]:
    """The rows of a table, by their bytes: in file order, and page by page in the order a page fills
    (from its end towards its start). Each row must be there exactly once."""
    where = {}
    for needle in needles:
        found = files.in_pages(needle, SQLITE_TABLE_PAGES)
        assert len(found) == 1, (needle, found)
        where[needle] = found[0]
    by_offset = sorted(needles, key=where.__getitem__)
    by_filling = sorted(needles, key=lambda need: (where[need] // files.page_size, -where[need]))
    return by_offset, by_filling


# --- SQLite ------------------------------------------------------------------------------------------


# The SQLite file is there whatever the suite runs on; PostgreSQL only when the suite runs on it.
on_sqlite = pytest.mark.parametrize("migrated", ["sqlite"], indirect=True)


def on_postgresql(test):
    """Collected only when the suite runs on PostgreSQL (CI allows no skipped test): on SQLite the
    decorated name is None, which pytest passes over."""
    if "postgresql" not in BACKENDS:
        return None
    return pytest.mark.parametrize("migrated", ["postgresql"], indirect=True)(test)


@on_sqlite
def test_while_voting_is_open_the_sqlite_files_follow_the_order_of_casting(database):
    """The control: what docs/secrecy.md says a database administrator can read during the vote, and
    what the tests below show is gone afterwards."""
    vote = database.vote("open")
    receipts = vote["receipts"]
    rowid_order = sqlite_rows(
        database.path,
        "SELECT receipt FROM ratings_ballot WHERE meeting_id = ? ORDER BY rowid",
        [vote["meeting"]],
    )
    assert rowid_order == receipts
    # Every cast appended a new version of the ballot table's page to the log, holding the new receipt
    # beside the earlier ones: the log holds the box as it stood after each ballot.
    files = SqliteFiles.read(database.path)
    copies = [files.wal.count(receipt.encode()) for receipt in receipts]
    assert min(copies) >= 1 and sum(copies) > 2 * len(receipts)


@on_sqlite
@pytest.mark.parametrize("end", ["close", "annul"])
def test_after_the_vote_the_sqlite_files_keep_no_order_of_casting(database, end):
    vote = database.vote(end)
    receipts = [receipt.encode() for receipt in vote["receipts"]]
    hashes = [code_hash.encode() for code_hash in vote["code_hashes"]]
    files = SqliteFiles.read(database.path)

    # The log is empty: everything is in the main file, rewritten by VACUUM.
    assert files.wal == b""
    for receipt in receipts:
        # Once in the table's rows and once in the unique index (meeting, receipt): no older copy.
        assert len(files.in_pages(receipt, SQLITE_TABLE_PAGES)) == 1
        assert len(files.in_pages(receipt, SQLITE_INDEX_PAGES)) == 1
        assert len(offsets(files.main, receipt)) == 2
    for old_id in vote["old_ids"]:  # ballots', grades' and nominations' rows before the shake
        assert old_id.encode() not in files.main

    for order in storage_order(files, receipts):
        assert_shuffled(receipts, order)
    rowid_order = sqlite_rows(
        database.path,
        "SELECT receipt FROM ratings_ballot WHERE meeting_id = ? ORDER BY rowid",
        [vote["meeting"]],
    )
    assert_shuffled(vote["receipts"], rowid_order)

    # The codes were burned in the order of casting: nothing of that order is left either.
    for order in storage_order(files, hashes):
        assert_shuffled(hashes, order)
    code_order = sqlite_rows(
        database.path,
        "SELECT code_hash FROM ratings_ballotcode WHERE meeting_id = ? ORDER BY rowid",
        [vote["meeting"]],
    )
    assert_shuffled(vote["code_hashes"], code_order)
    assert sqlite_rows(database.path, "PRAGMA secure_delete") in ([1], [2])


# --- PostgreSQL -----------------------------------------------------------------------------------


@contextlib.contextmanager
def postgres(database):
    with psycopg.connect(dbname=database.name, autocommit=True, **postgres_server()) as connection:
        yield connection


def pg_column(connection, sql: str, params=()) -> list:
    return [row[0] for row in connection.execute(sql, params).fetchall()]


def pg_file(connection, relation: str) -> bytes:
    return connection.execute(
        "SELECT pg_read_binary_file(pg_relation_filepath(%s::regclass))", [relation]
    ).fetchone()[0]


def pg_relations(connection, table: str) -> list[str]:
    """The table and each of its indexes."""
    return [table] + pg_column(
        connection, "SELECT indexrelid::regclass::text FROM pg_index WHERE indrelid = %s::regclass", [table]
    )


PAGE = 8192


def pg_storage_order(data: bytes, needles: list[bytes]) -> tuple[list[bytes], list[bytes]]:
    """As storage_order for SQLite: PostgreSQL too fills a page from its end towards its start."""
    where = {}
    for needle in needles:
        found = offsets(data, needle)
        assert len(found) == 1, (needle, found)
        where[needle] = found[0]
    by_offset = sorted(needles, key=where.__getitem__)
    by_filling = sorted(needles, key=lambda need: (where[need] // PAGE, -where[need]))
    return by_offset, by_filling


@on_postgresql
def test_while_voting_is_open_postgresql_keeps_the_order_of_casting(database):
    vote = database.vote("open")
    receipts = vote["receipts"]
    with postgres(database) as connection:
        ctid_order = pg_column(
            connection,
            "SELECT receipt FROM ratings_ballot WHERE meeting_id = %s ORDER BY ctid",
            [vote["meeting"]],
        )
        assert ctid_order == receipts
        # Each cast is a transaction of its own, stamped on the ballot and on the code it burned.
        ballot_xmin = dict(
            connection.execute(
                "SELECT receipt, xmin::text::bigint FROM ratings_ballot WHERE meeting_id = %s",
                [vote["meeting"]],
            ).fetchall()
        )
        code_xmin = dict(
            connection.execute(
                "SELECT code_hash, xmin::text::bigint FROM ratings_ballotcode WHERE meeting_id = %s",
                [vote["meeting"]],
            ).fetchall()
        )
        assert [ballot_xmin[receipt] for receipt in receipts] == sorted(ballot_xmin.values())
        # The ballot is written in a savepoint of the cast's transaction, whose id comes right after:
        # code, ballot, next code, next ballot... one transaction id after another.
        stamps = [
            stamp
            for code_hash, receipt in zip(vote["code_hashes"], receipts, strict=True)
            for stamp in (code_xmin[code_hash], ballot_xmin[receipt])
        ]
        assert stamps == sorted(stamps) and len(set(stamps)) == len(stamps)


@on_postgresql
@pytest.mark.parametrize("end", ["close", "annul"])
def test_after_the_vote_postgresql_keeps_no_order_of_casting(database, end):
    vote = database.vote(end)
    receipts = [receipt.encode() for receipt in vote["receipts"]]
    hashes = [code_hash.encode() for code_hash in vote["code_hashes"]]
    meeting = [vote["meeting"]]
    with postgres(database) as connection:
        connection.execute("CHECKPOINT")  # the files on disk hold what the shared buffers hold
        ballots = pg_file(connection, "ratings_ballot")
        receipt_index = pg_file(connection, "ballot_receipt_once")
        for receipt in receipts:
            assert len(offsets(ballots, receipt)) == 1
            assert len(offsets(receipt_index, receipt)) == 1
        for order in pg_storage_order(ballots, receipts):
            assert_shuffled(receipts, order)
        ctid_order = pg_column(
            connection, "SELECT receipt FROM ratings_ballot WHERE meeting_id = %s ORDER BY ctid", meeting
        )
        assert_shuffled(vote["receipts"], ctid_order)
        assert pg_column(
            connection, "SELECT count(DISTINCT xmin::text) FROM ratings_ballot WHERE meeting_id = %s", meeting
        ) == [1]

        # No dead version of a ballot, a grade or a nomination in any file of their tables or indexes.
        old_ids = [uuid.UUID(old_id).bytes for old_id in vote["old_ids"]]
        for table in ("ratings_ballot", "ratings_ballotgrade", "ratings_ballotnomination"):
            for relation in pg_relations(connection, table):
                data = pg_file(connection, relation)
                assert not [old_id for old_id in old_ids if old_id in data], relation

        # The poll book: who voted with a helper was wiped at the seal, and no older version of a row
        # still says it (a dead tuple keeps its xmax) in the table's file.
        connection.execute("CREATE EXTENSION IF NOT EXISTS pageinspect")
        pages = connection.execute(
            "SELECT pg_relation_size('ratings_pollbookentry') / %s", [PAGE]
        ).fetchone()[0]
        versions = [
            row
            for page in range(pages)
            for row in connection.execute(
                "SELECT t_xmax::text FROM heap_page_items(get_raw_page('ratings_pollbookentry', %s))"
                " WHERE t_data IS NOT NULL",
                [page],
            ).fetchall()
        ]
        live = pg_column(
            connection, "SELECT count(*) FROM ratings_pollbookentry WHERE meeting_id = %s", meeting
        )
        assert len(versions) == live[0] and all(xmax == "0" for (xmax,) in versions)
        assert pg_column(
            connection,
            "SELECT count(*) FROM ratings_pollbookentry WHERE assisted AND meeting_id = %s",
            meeting,
        ) == [0]

        # The codes: burned one transaction after another in the order of casting, now all rewritten
        # together in random order, each once in the table's file.
        codes = pg_file(connection, "ratings_ballotcode")
        for order in pg_storage_order(codes, hashes):
            assert_shuffled(hashes, order)
        code_order = pg_column(
            connection,
            "SELECT code_hash FROM ratings_ballotcode WHERE meeting_id = %s ORDER BY ctid",
            meeting,
        )
        assert_shuffled(vote["code_hashes"], code_order)
        assert pg_column(
            connection,
            "SELECT count(DISTINCT xmin::text) FROM ratings_ballotcode WHERE meeting_id = %s",
            meeting,
        ) == [1]


@on_postgresql
def test_the_scrub_waits_for_a_transaction_older_than_the_shake(database):
    """VACUUM FULL keeps the dead rows while a transaction begun before they died runs: a long report (or
    a pg_dump) open when the vote closes would keep the box as cast. The scrub waits for it to end."""
    vote = database.vote("open")
    receipts = [receipt.encode() for receipt in vote["receipts"]]
    ended = {}
    with postgres(database) as report:
        report.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
        report.execute("SELECT count(*) FROM ratings_ballot").fetchone()  # its snapshot is taken
        closing = threading.Thread(
            target=lambda: ended.update(
                database.run(
                    "tests.ratings.ballot.disk", "end", "--meeting", str(vote["meeting"]), "--end", "close"
                )
            )
        )
        closing.start()
        time.sleep(REPORT_SECONDS)  # the vote closes, the box is shaken, the scrub waits
        assert closing.is_alive()
        report.execute("COMMIT")
        closing.join(timeout=PROCESS_SECONDS)
    assert ended
    with postgres(database) as connection:
        connection.execute("CHECKPOINT")
        ballots = pg_file(connection, "ratings_ballot")
    assert [len(offsets(ballots, receipt)) for receipt in receipts] == [1] * len(receipts)


# --- the command ------------------------------------------------------------------------------------


def test_scrub_ballots_wipes_the_old_versions_of_burned_codes(database):
    """While voting is open a burned code leaves its issued version behind; the command wipes it."""
    vote = database.vote("open")
    hashes = [code_hash.encode() for code_hash in vote["code_hashes"]]
    out = database.run("manage", "scrub_ballots")["out"]
    assert out.startswith(f"Scrubbed the ballot files ({database.backend}) in ")
    if database.backend == "sqlite":
        files = SqliteFiles.read(database.path)
        assert files.wal == b""
        main = files.main
    else:
        with postgres(database) as connection:
            connection.execute("CHECKPOINT")
            main = pg_file(connection, "ratings_ballotcode")
    for code_hash in hashes:
        assert len(offsets(main, code_hash)) == (
            2 if database.backend == "sqlite" else 1  # SQLite's table and its unique index in one file
        )
