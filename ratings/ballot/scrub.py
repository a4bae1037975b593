"""Wipe from the database files what a shaken box leaves behind: the engine-specific part.

Shaking the box (services.ballots_shake) rewrites the rows of a meeting's ballots and codes in random
order. The files still hold the old rows until the engine reuses their space, in the order they were
written, that is in the order of casting. What each engine keeps, and what is done here once the shake
has committed (docs/secrecy.md has the measurements):

- SQLite (the village laptop): the write-ahead log (`-wal`) holds every page written while voting, in
  order; `secure_delete` zeroes deleted rows in the main file only, and a row rewritten in its page (a
  code burned) may take a new place there, in the order of the updates. A checkpoint copies the pages into the
  main file and empties the log; VACUUM then rebuilds the whole file, so no free page, freeblock or cell
  position remembers the writes; a last checkpoint empties the log VACUUM itself filled.
- PostgreSQL (a county): every cast wrote tuples in cast order stamped with its own transaction ids, the
  burned code's new version and the ballot's one id apart; the shake left them as dead tuples.
  Plain VACUUM makes their space reusable but leaves their bytes in the pages. VACUUM FULL writes each
  table and its indexes to new files and drops the old ones. It holds an ACCESS EXCLUSIVE lock on one
  table at a time (every query on that table waits), for a time that grows with the table: the grades
  of 100,000 ballots took 15 to 30 s here. LOCK_TIMEOUT bounds the wait for the lock, so that the
  scrub never queues the county's other meetings behind a long reader; a table not scrubbed is
  logged, and `manage.py scrub_ballots` does it later. VACUUM FULL keeps the dead rows while a
  transaction begun before the shake runs (a long report, a pg_dump, even in another database of the
  server): the scrub waits for them first (OLDER_TRANSACTIONS_TIMEOUT), or reports them.

The server's own write-ahead log, archives and backups are out of the application's reach: see
docs/secrecy.md for what to configure.
"""

import logging
import time
from dataclasses import dataclass, field
from functools import partial

from django.contrib.sessions.models import Session
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, transaction

from ratings.models import (
    Ballot,
    BallotCode,
    BallotEvaluation,
    BallotGrade,
    BallotNomination,
    PollBookEntry,
    Terminal,
)

logger = logging.getLogger(__name__)

# Smallest first: the grades are by far the largest table, and the slowest to rewrite. The sessions held
# the kiosk's ballots in progress, with their clear codes, before the ballot lived in its page: a database
# of those days still has their traces. The terminals' rows change as ballots are cast; the poll book's
# older row versions still say who voted with a helper (the flag is wiped at the seal, the count kept).
TABLES = (
    Ballot,
    BallotNomination,
    BallotEvaluation,
    BallotCode,
    Terminal,
    PollBookEntry,
    Session,
    BallotGrade,
)
# Seconds to wait for a table's lock after voting closes, before leaving the table to scrub_ballots.
LOCK_TIMEOUT = 5
# A checkpoint cannot empty the log while another connection is reading it: tries, and the pause between.
CHECKPOINT_TRIES = 20
CHECKPOINT_PAUSE = 0.1


@dataclass
class Scrubbed:
    """What a scrub did: the engine, the seconds it took, and what it could not do (empty: all done)."""

    engine: str
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)

    @property
    def done(self) -> bool:
        return not self.problems


def files_scrub(
    *, using: str = DEFAULT_DB_ALIAS, lock_timeout: float | None = LOCK_TIMEOUT, shaken_in: int | None = None
) -> Scrubbed:
    """Wipe what the files keep of the old rows; outside any transaction (VACUUM cannot run in one).

    `lock_timeout`: PostgreSQL's wait for each table's lock, in seconds (None: as long as it takes; the
    wait for the transactions older than the shake is never shorter than OLDER_TRANSACTIONS_TIMEOUT).
    `shaken_in`: PostgreSQL's id of the transaction that shook the box (None: any committed before).
    Never raises for a database error: the vote is closed already; the problem is reported.
    """
    connection = connections[using]
    scrubbed = Scrubbed(engine=connection.vendor)
    if connection.in_atomic_block:
        scrubbed.problems.append("called inside a transaction")
        return scrubbed
    started = time.monotonic()
    if connection.vendor == "sqlite":
        _sqlite_scrub(connection, scrubbed)
    elif connection.vendor == "postgresql":
        _postgresql_scrub(connection, scrubbed, lock_timeout, shaken_in)
    else:
        scrubbed.problems.append(f"no scrub for {connection.vendor}")
    scrubbed.seconds = time.monotonic() - started
    return scrubbed


def files_scrub_after_commit(*, using: str = DEFAULT_DB_ALIAS) -> None:
    """Scrub once the caller's transaction (the shake) has committed; nothing if it rolls back."""
    connection = connections[using]
    shaken_in = None
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            shaken_in = _transaction_id(cursor)
    transaction.on_commit(partial(_scrub_and_log, using, shaken_in), using=using, robust=True)


def _scrub_and_log(using: str, shaken_in: int | None) -> None:
    scrubbed = files_scrub(using=using, shaken_in=shaken_in)
    if scrubbed.done:
        logger.info("Ballot files scrubbed (%s) in %.2f s.", scrubbed.engine, scrubbed.seconds)
    else:
        logger.error(
            "Ballot files not fully scrubbed (%s): %s. Run `manage.py scrub_ballots`.",
            scrubbed.engine,
            "; ".join(scrubbed.problems),
        )


def _sqlite_scrub(connection, scrubbed: Scrubbed) -> None:
    if connection.is_in_memory_db():
        return  # nothing on disk
    try:
        with connection.cursor() as cursor:
            # On by the settings (SQLITE_OPTIONS); set again for a connection made without them.
            cursor.execute("PRAGMA secure_delete = ON")
            _checkpoint(cursor)
            # VACUUM copies the database into a temporary one: in memory, not in a file of the temp dir.
            cursor.execute("PRAGMA temp_store = MEMORY")
            try:
                cursor.execute("VACUUM")
            finally:
                cursor.execute("PRAGMA temp_store = DEFAULT")
            if not _checkpoint(cursor):
                scrubbed.problems.append("the write-ahead log could not be emptied: a reader kept it open")
    except DatabaseError as error:
        scrubbed.problems.append(f"VACUUM failed: {error}")


def _checkpoint(cursor) -> bool:
    """Copy the log into the main file and truncate it to nothing; False if a reader kept it busy."""
    for _try in range(CHECKPOINT_TRIES):
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        busy, _log, _copied = cursor.fetchone()
        if not busy:
            return True
        time.sleep(CHECKPOINT_PAUSE)
    return False


# What would make VACUUM FULL keep the rows the shake deleted (it keeps a dead row while it is not older
# than every snapshot): a transaction anywhere on the server that began writing before the shake
# committed (VACUUM's own snapshot counts it as running), a snapshot of this database that old (an
# autovacuum worker's plain VACUUM holds nothing back), a prepared transaction, a replication slot.
OLDER_TRANSACTIONS = """
    SELECT 'process ' || pid FROM pg_stat_activity
    WHERE pid <> pg_backend_pid() AND (
        age(backend_xid) >= age(%(xid)s::text::xid)
        OR (datname = current_database() AND age(backend_xmin) >= age(%(xid)s::text::xid)
            AND NOT (backend_type = 'autovacuum worker' AND query LIKE 'autovacuum: VACUUM %%'
                     AND query NOT LIKE '%%ANALYZE%%')))
    UNION ALL
    SELECT 'prepared transaction ' || gid FROM pg_prepared_xacts
    WHERE age(transaction) >= age(%(xid)s::text::xid)
    UNION ALL
    SELECT 'replication slot ' || slot_name FROM pg_replication_slots
    WHERE age(xmin) >= age(%(xid)s::text::xid)
"""
# Seconds to wait for them after voting closes, before leaving the scrub to scrub_ballots.
OLDER_TRANSACTIONS_TIMEOUT = 30
SNAPSHOT_PAUSE = 0.2


def _transaction_id(cursor) -> int:
    cursor.execute("SELECT pg_current_xact_id()::text")
    return int(cursor.fetchone()[0])


def _older_transactions(cursor, shaken_in: int, timeout: float | None) -> list[str]:
    """Wait for what began before the shake committed (OLDER_TRANSACTIONS); what still holds the old
    rows after `timeout` seconds (None: wait for all)."""
    xid = str(shaken_in % 2**32)  # as pg_stat_activity shows them, without the epoch
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        cursor.execute(OLDER_TRANSACTIONS, {"xid": xid})
        running = [holder for (holder,) in cursor.fetchall()]
        if not running or (deadline is not None and time.monotonic() >= deadline):
            return running
        time.sleep(SNAPSHOT_PAUSE)


def _postgresql_scrub(
    connection, scrubbed: Scrubbed, lock_timeout: float | None, shaken_in: int | None
) -> None:
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        timeout = None if lock_timeout is None else max(lock_timeout, OLDER_TRANSACTIONS_TIMEOUT)
        running = _older_transactions(cursor, shaken_in or _transaction_id(cursor), timeout)
        if running:
            scrubbed.problems.append(
                f"transactions begun before the box was shaken still run ({', '.join(running)}): "
                "VACUUM FULL would keep the old rows"
            )
            return
        cursor.execute(f"SET lock_timeout = {int((lock_timeout or 0) * 1000)}")
        try:
            for model in TABLES:
                table = model._meta.db_table
                try:
                    cursor.execute(f"VACUUM FULL {quote(table)}")
                except DatabaseError as error:  # the lock not had in time, mostly
                    scrubbed.problems.append(f"{table}: {str(error).strip()}")
        finally:
            cursor.execute("RESET lock_timeout")
