"""The audit log at county scale: audited actions per second with many villages writing at once.

Runs on its own (`.venv/bin/python bench/audit.py`): on SQLite in a temporary folder, and on PostgreSQL
too when BENCH_DATABASE_URL is set (postgres://user@host:port/name: the bench makes a scratch database
name_<random> on that server and drops it afterwards). VILLAGES villages each have a thread of their
own (a clerk issuing codes, say) that repeats one audited action as fast as it is answered: a
transaction that locks the village's row (as code_issue locks its meeting's), inserts one row, and
records one audit entry. Three ways, measured side by side in rounds, each round every way in turn:

    no audit:        the same transaction without its audit entry (the ceiling);
    one chain:       every entry in one chain (the county's): one row lock for the whole county, as the
                     log was before each village had a chain;
    village chains:  each village's entries in its own chain (portal.audit.record today).

It prints, per way, actions per second (median over rounds) and the latency of one action (p50, p99),
then the ratios village chains ÷ one chain and each ÷ no audit, and last checks that the log verifies.
SQLite has one writer at a time whatever the chains: there the three differ by the work of the entry
alone; a county on PostgreSQL is where one chain makes every village wait.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

from scratch import ScratchPostgres

ROOT = Path(__file__).resolve().parent.parent
VILLAGES = 30
ROUNDS = 3
SECONDS = 3.0
WAYS = ("no audit", "one chain", "village chains")


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--villages", type=int, default=VILLAGES)
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    parser.add_argument("--seconds", type=float, default=SECONDS, help="per way and round")
    parser.add_argument("--database-url", help=argparse.SUPPRESS)  # the child process's database
    return parser.parse_args()


# --- the parent: one child process per database -------------------------------------------------------


def main() -> None:
    options = arguments()
    if options.database_url:
        return measure(options)
    passed = [f"--villages={options.villages}", f"--rounds={options.rounds}", f"--seconds={options.seconds}"]
    with tempfile.TemporaryDirectory(prefix="audit-bench-") as folder:
        urls = [("SQLite", f"sqlite:///{Path(folder) / 'bench.sqlite3'}")]
        if os.environ.get("BENCH_DATABASE_URL"):
            urls.append(("PostgreSQL", None))
        for name, url in urls:
            print(f"\n== {name}: {options.villages} villages at once ==", flush=True)
            with ScratchPostgres("bench_audit") if url is None else _given(url) as database:
                command = [sys.executable, __file__, f"--database-url={database}", *passed]
                subprocess.run(command, check=True)  # noqa: S603 (this script, our interpreter)
    return None


class _given:
    def __init__(self, url):
        self.url = url

    def __enter__(self):
        return self.url

    def __exit__(self, *exc):
        return None


# --- the child: one database ---------------------------------------------------------------------------


def measure(options) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["DATABASE_URL"] = options.database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.settings"
    os.environ.setdefault("DJANGO_LOG_LEVEL", "ERROR")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from portal import audit
    from portal.models import AuditEntry, Township, Village

    call_command("migrate", verbosity=0)
    township = Township.objects.create(name="Bench township", code="653121900")
    villages = [
        Village.objects.create(township=township, name=f"Village {n}", code=f"653121900{n + 201:03d}")
        for n in range(options.villages)
    ]
    clerk = get_user_model().objects.create_user("bench-clerk")

    rates: dict[str, list[float]] = {way: [] for way in WAYS}
    latencies: dict[str, list[float]] = {way: [] for way in WAYS}
    for number in range(options.rounds):
        # Every way runs once a round, in an order that turns, so that drift weighs on all alike.
        order = WAYS[number % len(WAYS) :] + WAYS[: number % len(WAYS)]
        for way in order:
            done, times = run_way(way, villages, clerk, options.seconds)
            rates[way].append(done / options.seconds)
            latencies[way].extend(times)
        print(
            f"round {number + 1}: " + ", ".join(f"{way} {rates[way][-1]:7.1f}/s" for way in WAYS), flush=True
        )
    print()
    median = {way: statistics.median(rates[way]) for way in WAYS}
    for way in WAYS:
        p50, p99 = percentile(latencies[way], 50), percentile(latencies[way], 99)
        print(
            f"{way:15} {median[way]:8.1f} actions/s   p50 {p50 * 1000:6.1f} ms   p99 {p99 * 1000:7.1f} ms",
            flush=True,
        )
    print(f"village chains ÷ one chain:   {median['village chains'] / median['one chain']:5.2f}×")
    print(f"one chain ÷ no audit:         {median['one chain'] / median['no audit']:5.2f}×")
    print(f"village chains ÷ no audit:    {median['village chains'] / median['no audit']:5.2f}×")
    report = audit.verify_chain()
    assert report.intact, report.problems[:3]
    print(
        f"log verified: {report.checked} entries in {report.chains} chains "
        f"({AuditEntry.objects.count()} rows)"
    )


def run_way(way: str, villages, clerk, seconds: float) -> tuple[int, list[float]]:
    """Every village's thread repeats the action for `seconds`; the actions done and their durations."""
    from django.db import connection

    start, stop = threading.Barrier(len(villages) + 1), threading.Event()
    times: list[list[float]] = [[] for _ in villages]
    failures: list[BaseException] = []

    def clerk_at(index: int, village) -> None:
        try:
            start.wait()
            while not stop.is_set():
                began = time.perf_counter()
                action(way, village, clerk)
                times[index].append(time.perf_counter() - began)
        except BaseException as error:  # noqa: BLE001 (reported below, after the threads end)
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=clerk_at, args=(n, v)) for n, v in enumerate(villages)]
    for thread in threads:
        thread.start()
    start.wait()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join()
    if failures:
        raise failures[0]
    every = [duration for durations in times for duration in durations]
    return len(every), every


def action(way: str, village, clerk) -> None:
    """One audited action of a village: its row locked, one row written, one entry (but for no audit)."""
    from django.db import transaction

    from portal import audit
    from portal.models import Household, Village

    with transaction.atomic():
        Village.objects.select_for_update().get(pk=village.pk)
        household = Household.objects.create(village=village, number=uuid.uuid4().hex)
        if way == "one chain":
            # No place: the county chain, the one head every village shared before.
            audit.record(actor=clerk, action="bench_action", details={"household": household.pk})
        elif way == "village chains":
            audit.record(
                actor=clerk, action="bench_action", target=village, details={"household": household.pk}
            )


def percentile(values: list[float], percent: int) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, len(ordered) * percent // 100)] if ordered else 0.0


if __name__ == "__main__":
    main()
