"""Which writes wait for the disk.

Every commit waits until the log is on the disk (SQLite's synchronous=FULL, PostgreSQL's default): an
acknowledged ballot, a burned code or an audit entry survives a power cut. Some writes only say what a
screen shows right now (a terminal's state, when it was last heard, its wrong codes): a power cut that
loses the last of them loses nothing anyone needs, since the screen says it again on its next request.
Those are written in `screen_state()`, whose commit does not wait: a whole assembly's terminals report
at once, and on SQLite every waited commit holds the one write lock for a disk flush.

SQLite: the connection's synchronous=NORMAL for that transaction (in WAL mode it survives a killed
process; the next waited commit flushes its pages too). PostgreSQL: SET LOCAL synchronous_commit = off
(the transaction is never half-applied; at worst the last few hundred milliseconds of such commits are
lost on a crash).
"""

from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, connections, transaction


@contextmanager
def screen_state(using: str = DEFAULT_DB_ALIAS):
    """A transaction of writes a power cut may lose; inside another transaction, that one's rules hold."""
    connection = connections[using]
    if connection.in_atomic_block:
        with transaction.atomic(using=using):
            yield
        return
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA synchronous")
            (was,) = cursor.fetchone()
            cursor.execute("PRAGMA synchronous=NORMAL")
        try:
            with transaction.atomic(using=using):
                yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute(f"PRAGMA synchronous={int(was)}")
        return
    with transaction.atomic(using=using):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit = off")
        yield
