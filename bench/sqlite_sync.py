"""What a power-cut-proof ballot box costs on the laptop: SQLite's synchronous=FULL against NORMAL.

Runs on its own (`.venv/bin/python bench/sqlite_sync.py`). The portal opens SQLite in WAL mode with
synchronous=FULL (portal/settings.py): every commit waits for the log to reach the disk, so that an
acknowledged ballot survives a power cut. NORMAL survives a killed process but may lose the last
commits when the power goes. This bench writes ballot-shaped transactions (a code burned, a ballot row,
40 grades, 3 nominations: what ratings.ballot.services casts) into a throwaway database in the same
folder as the portal's (var/, the same disk), in rounds that alternate the two settings, and prints
ballots per second and milliseconds per commit for each, then the ratio.

One writer, as SQLite has: the figure is the ceiling of casts per second the box can take, before any
HTTP, Django or template time.
"""

import sqlite3
import statistics
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ROUNDS = 5
BALLOTS = 150
GRADES = 40
NOMINATIONS = 3

SCHEMA = """
CREATE TABLE code (id INTEGER PRIMARY KEY, code_hash TEXT UNIQUE, status TEXT);
CREATE TABLE ballot (id TEXT PRIMARY KEY, receipt TEXT, cast_on TEXT);
CREATE TABLE grade (
    id TEXT PRIMARY KEY, ballot_id TEXT, cadre_id INTEGER, criterion_id INTEGER, grade_id INTEGER
);
CREATE TABLE nomination (id TEXT PRIMARY KEY, ballot_id TEXT, household_id INTEGER);
"""


def connect(path: Path, synchronous: str) -> sqlite3.Connection:
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute(f"PRAGMA synchronous={synchronous}")
    return connection


def cast(connection: sqlite3.Connection, number: int) -> None:
    """One ballot, as the portal writes it: one transaction, one commit."""
    ballot = uuid.uuid4().hex
    connection.execute("BEGIN IMMEDIATE")
    burn = "UPDATE code SET status = 'used' WHERE code_hash = ? AND status = 'issued'"
    connection.execute(burn, (str(number),))
    connection.execute("INSERT INTO ballot VALUES (?, ?, '2026-11-30')", (ballot, f"R{number:07d}"))
    connection.executemany(
        "INSERT INTO grade VALUES (?, ?, ?, ?, ?)",
        [(uuid.uuid4().hex, ballot, line // 5, line % 5, line % 4) for line in range(GRADES)],
    )
    connection.executemany(
        "INSERT INTO nomination VALUES (?, ?, ?)",
        [(uuid.uuid4().hex, ballot, household) for household in range(NOMINATIONS)],
    )
    connection.execute("COMMIT")


def run(path: Path, synchronous: str, first: int) -> float:
    """Seconds to cast BALLOTS ballots with this setting."""
    connection = connect(path, synchronous)
    began = time.perf_counter()
    for number in range(first, first + BALLOTS):
        cast(connection, number)
    seconds = time.perf_counter() - began
    connection.close()
    return seconds


def main() -> None:
    (ROOT / "var").mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="sync-bench-", dir=ROOT / "var") as folder:
        path = Path(folder) / "box.sqlite3"
        setup = connect(path, "FULL")
        setup.executescript(SCHEMA)
        setup.executemany(
            "INSERT INTO code (code_hash, status) VALUES (?, 'issued')",
            [(str(number),) for number in range(2 * ROUNDS * BALLOTS)],
        )
        setup.close()
        seconds: dict[str, list[float]] = {"FULL": [], "NORMAL": []}
        first = 0
        for _round in range(ROUNDS):
            for synchronous in ("FULL", "NORMAL"):
                seconds[synchronous].append(run(path, synchronous, first))
                first += BALLOTS
    print(f"SQLite {sqlite3.sqlite_version}, WAL, {ROUNDS} rounds of {BALLOTS} ballots each way, one writer")
    print(f"  {'synchronous':<12}{'ballots/s':>10}{'ms a ballot':>13}")
    rates = {}
    for synchronous, values in seconds.items():
        median = statistics.median(values)
        rates[synchronous] = BALLOTS / median
        print(f"  {synchronous:<12}{rates[synchronous]:>10.0f}{median / BALLOTS * 1000:>13.2f}")
    print(f"ratio FULL ÷ NORMAL: {rates['FULL'] / rates['NORMAL']:.2f} (what a power-cut-proof box costs)")


if __name__ == "__main__":
    main()
