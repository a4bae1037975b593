"""The ballot server under a whole assembly: ballots per second against one bare INSERT per second.

Runs on its own (`.venv/bin/python bench/kiosk_load.py`): on SQLite in a temporary folder, and on
PostgreSQL too when BENCH_DATABASE_URL is set (postgres://user@host:port/name: the bench makes a
scratch database name_<random> on that server and drops it afterwards). For each database it loads
the demo, opens this year's vote of the first demo village, arms one terminal per voter, and serves
the portal with gunicorn under the production settings (portal.settings, DEBUG and HTTPS off) plus a
bare view mounted for the benchmark only (bench/load_server). With --servers 1 2 it serves it from one
app server and from two (each of --workers workers, on ports of their own, sharing the database and
the cache: --redis, as a county runs them), each client's requests reaching the servers in turn as a
proxy balancing request by request sends them; both sets run throughout, and every round measures one
then the other, so that other work on the machine weighs on both alike. Then, for each count of voters,
rounds of

    bare phase:   N clients POST bench/insert/ (one INSERT, its own transaction) as fast as answered;
    ballot phase: N voters cast full ballots through the kiosk, one after another on their terminal:
                  code page, code, ballot page, cast, receipt.

The clients speak real HTTP (http.client, a thread each, the connection kept where the server keeps
it: gunicorn's sync workers close it after each response), each with its cookie jar (terminal, CSRF,
the ballot pass, the receipt). Grades are drawn per voter from the page's own radio buttons,
households from the page's own list. Voters are staggered so that the casts come evenly, not in waves;
a phase is measured for --seconds once every client has begun and --warm-up seconds have passed.

It prints per round, then as medians over rounds: bare requests/s, ballots/s and their ratio; the
gunicorn workers' CPU time per bare request and per ballot (and that ratio: the one the server would
reach if its CPU were all that limited it); requests per ballot; p50/p99 per request kind as the client
waited and as the server spent (Server-Timing); the errors (5xx apart); and last the ratio ballots/s ÷
bare requests/s, of the same server in the same run. With several counts of servers, it prints last
ballots/s and bare requests/s side by side for each, with the ratio of the most servers to one.
--profile then casts ballots in process under cProfile and shows where each kind of request spends its
time.
"""

# Grades and households are drawn from seeded generators: a benchmark, no secret.
# ruff: noqa: S311

import argparse
import collections
import contextlib
import cProfile
import http.client
import json
import os
import pstats
import random
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
HOST = "127.0.0.1"
CORES = os.cpu_count() or 1
KINDS = ("code page", "code", "ballot page", "cast", "receipt")
BARE = "bare insert"
STAGGER = "stagger"
CODE_PAGE = "/kiosk/code/?language=zh-hans&text_size=normal"
PROFILE_ROWS = 12
PROFILE_WARM_UP = 3
# Between phases every worker must be free again: a request still in the socket after its client left
# would count in the next phase.
PAUSE = 1.0


# --- the command line ---------------------------------------------------------------------------------


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--voters", type=int, nargs="+", default=[50, 200], help="concurrent voters (50 200)")
    parser.add_argument("--seconds", type=float, default=6, help="measured seconds per phase (6)")
    parser.add_argument("--warm-up", type=float, default=2, help="seconds per phase before measuring (2)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of a bare and a ballot phase (3)")
    parser.add_argument(
        "--servers",
        type=int,
        nargs="+",
        default=[1],
        help="app servers, one measure per count: 1 2 compares one server with two (1)",
    )
    parser.add_argument(
        "--redis",
        default=os.environ.get("BENCH_REDIS_URL", ""),
        help="the servers' shared cache, REDIS_URL (default BENCH_REDIS_URL; none: each process's own)",
    )
    parser.add_argument(
        "--workers", type=int, default=2 * CORES + 1, help="gunicorn workers per server (2×cores+1)"
    )
    parser.add_argument("--worker-class", default="sync", choices=["sync", "gthread"], help="(sync)")
    parser.add_argument("--threads", type=int, default=1, help="threads per gthread worker (1)")
    parser.add_argument(
        "--database",
        choices=["sqlite", "postgresql"],
        help="one database only (default: SQLite, and PostgreSQL when BENCH_DATABASE_URL is set)",
    )
    parser.add_argument(
        "--conn-max-age",
        type=int,
        help="the server's DATABASE_CONN_MAX_AGE (default: 60 on PostgreSQL, unset on SQLite: production's)",
    )
    parser.add_argument("--bare-only", action="store_true", help="no ballot phase: checks the harness")
    parser.add_argument(
        "--profile",
        type=int,
        default=0,
        metavar="BALLOTS",
        help="then cast this many ballots in process under cProfile: queries and top costs per request kind",
    )
    parser.add_argument(
        "--profile-dir", type=Path, help="and keep the profiles there, a pstats file per kind"
    )
    parser.add_argument("--summary", type=Path, help=argparse.SUPPRESS)  # where a child writes its figures
    return parser.parse_args()


def main() -> None:
    options = arguments()
    # Stopped from outside, the bench still stops its server and drops its scratch database.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("stopped"))
    if options.database:
        figures = measure_database(options)
        if options.summary:  # a child of the run below
            options.summary.write_text(json.dumps(figures))
        else:
            print_summary(figures)
        return
    # One process per database: Django is set up once per process, on one DATABASE_URL.
    databases = ["sqlite"] + (["postgresql"] if os.environ.get("BENCH_DATABASE_URL") else [])
    figures, failed = [], False
    with tempfile.TemporaryDirectory(prefix="kiosk-load-") as folder:
        for database in databases:
            summary = Path(folder) / f"{database}.json"
            child = [
                sys.executable,
                __file__,
                *sys.argv[1:],
                "--database",
                database,
                "--summary",
                str(summary),
            ]
            process = subprocess.Popen(child)  # noqa: S603 (this script)
            try:
                failed |= process.wait() != 0
            except BaseException:  # stopped: the child stops its server and drops its database first
                process.terminate()
                process.wait()
                raise
            if summary.exists():
                figures += json.loads(summary.read_text())
    print_summary(figures)
    if failed:
        sys.exit(1)


def print_summary(figures: list[dict]) -> None:
    print("\n== kiosk under load: medians over rounds ==")
    header = f"{'database':<12}{'servers':>8}{'voters':>7}{'bare/s':>9}{'ballots/s':>11}{'cast p99 ms':>13}"
    print(f"{header}{'errors':>8}{'5xx':>5}{'CPU ratio':>11}{'ratio':>7}")
    for row in figures:
        print(
            f"{row['database']:<12}{row['servers']:>8}{row['voters']:>7}{row['bare']:>9.1f}"
            f"{row['ballots']:>11.1f}{row['cast_p99']:>13.0f}{row['errors']:>8}{row['server_errors']:>5}"
            f"{row['cpu_ratio']:>11.2f}{row['ratio']:>7.2f}"
        )
    print_servers_compared(figures)


def print_servers_compared(figures: list[dict]) -> None:
    """Per database and count of voters, ballots/s (and bare/s) on each count of servers side by side,
    and the ratio of the most servers to the fewest."""
    counts = sorted({row["servers"] for row in figures})
    if len(counts) < 2:
        return
    fewest, most = counts[0], counts[-1]
    print(f"\n== one app server against several: ballots/s (bare requests/s), ratio {most}/{fewest} ==")
    columns = "".join(f"{f'{count} server' + ('s' if count > 1 else ''):>20}" for count in counts)
    print(f"{'database':<12}{'voters':>7}{columns}{'ratio':>16}")
    runs = {(row["database"], row["voters"], row["servers"]): row for row in figures}
    for database, voters in dict.fromkeys((row["database"], row["voters"]) for row in figures):
        rows = [runs.get((database, voters, count)) for count in counts]
        cells = "".join(
            f"{row['ballots']:>10.1f} ({row['bare']:>6.1f})" if row else f"{'':>20}" for row in rows
        )
        ratio = ""
        if rows[0] and rows[-1]:
            ballots = rows[-1]["ballots"] / rows[0]["ballots"]
            ratio = f"{ballots:.2f} ({rows[-1]['bare'] / rows[0]['bare']:.2f})"
        print(f"{database:<12}{voters:>7}{cells}{ratio:>16}")


# --- one database: set up, serve, measure ---------------------------------------------------------------


def measure_database(options) -> list[dict]:
    name = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}[options.database]
    with tempfile.TemporaryDirectory(prefix="kiosk-load-") as folder, Database(options, Path(folder)) as url:
        began = time.perf_counter()
        environment = server_environment(
            Path(folder),
            url,
            postgres=options.database == "postgresql",
            conn_max_age=options.conn_max_age,
            redis=options.redis,
        )
        os.environ.update(environment)
        vote = Vote.prepare(terminals=max(options.voters))
        print(
            f"\nkiosk load on {name}, commit {commit()}: demo loaded, vote opened in "
            f"{time.perf_counter() - began:.1f} s"
        )
        # Every set of servers runs throughout, idle while another is measured (measure_voters).
        with contextlib.ExitStack() as running:
            sets = [
                running.enter_context(AppServers(options, environment, Path(folder), count))
                for count in options.servers
            ]
            figures = [
                row for voters in options.voters for row in measure_voters(options, name, sets, vote, voters)
            ]
        vote.check_box(figures)
        if options.profile:
            profile_ballots(name, vote, options.profile, options.profile_dir)
    errors = sum(row["errors"] for row in figures)
    if errors:
        sys.exit(f"{name}: {errors} errors")
    return figures


def commit() -> str:
    """The code measured: the commit checked out, marked when the tree has changes."""
    try:
        head = subprocess.run(  # noqa: S603 (git, on this repository)
            ["git", "-C", str(ROOT), "describe", "--always", "--dirty"],  # noqa: S607
            capture_output=True,
            text=True,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head.stdout.strip()


class Database:
    """The database served: an SQLite file in the folder, or a scratch database on BENCH_DATABASE_URL's
    server, dropped afterwards."""

    def __init__(self, options, folder: Path):
        self.postgres = options.database == "postgresql"
        self.folder = folder
        self.scratch = None

    def __enter__(self) -> str:
        if not self.postgres:
            return f"sqlite:///{self.folder / 'bench.sqlite3'}"
        given = urllib.parse.urlsplit(os.environ["BENCH_DATABASE_URL"])
        self.scratch = f"{given.path.lstrip('/') or 'bench_load'}_{uuid.uuid4().hex[:8]}"
        self.server = given
        self._admin(f'CREATE DATABASE "{self.scratch}"')
        return urllib.parse.urlunsplit(given._replace(path=f"/{self.scratch}"))

    def __exit__(self, *exc) -> None:
        if self.scratch:
            self._admin(f'DROP DATABASE IF EXISTS "{self.scratch}" WITH (FORCE)')

    def _admin(self, sql: str) -> None:
        import psycopg

        admin = urllib.parse.urlunsplit(self.server._replace(path="/postgres"))
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(sql)


def server_environment(
    folder: Path, url: str, *, postgres: bool, conn_max_age: int | None = None, redis: str = ""
) -> dict[str, str]:
    """What gunicorn and the setup share: the production settings' variables, with keys of this run
    (and a cache prefix of its own in the shared Redis, if any)."""
    environment = {
        "DJANGO_SETTINGS_MODULE": "load_server.settings",
        "PYTHONPATH": os.pathsep.join([str(BENCH), str(ROOT)]),
        "DJANGO_DEBUG": "0",
        "DJANGO_SECURE": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "PORTAL_ROLL_HASH_KEY": secrets.token_urlsafe(50),
        "PORTAL_AUDIT_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": HOST,
        "DATABASE_URL": url,
        "DJANGO_MEDIA_ROOT": str(folder / "media"),
        "BENCH_STATIC_ROOT": str(folder / "static"),
        "DJANGO_LOG_LEVEL": "WARNING",
        "REDIS_URL": redis,
        "PORTAL_CACHE_PREFIX": f"bench-{uuid.uuid4().hex[:8]}",
    }
    if conn_max_age is None and postgres:
        conn_max_age = 60  # as docs/production.md advises for gunicorn; the laptop's SQLite keeps the default
    if conn_max_age is not None:
        environment["DATABASE_CONN_MAX_AGE"] = str(conn_max_age)
    return environment


@dataclass
class Vote:
    """The open vote the voters cast in: its terminals' tokens, the codes not yet handed out."""

    meeting_id: int
    superuser_id: int
    tokens: list[str]
    households: list[str]
    max_nominations: int
    codes: collections.deque = field(default_factory=collections.deque)

    @classmethod
    def prepare(cls, *, terminals: int) -> "Vote":
        sys.path[:0] = [str(BENCH), str(ROOT)]
        import django

        django.setup()
        from django.contrib.auth import get_user_model
        from django.core.management import call_command
        from django.db import connection
        from load_server.views import create_table

        from meetings import services as meeting_services
        from meetings.models import Meeting
        from portal import demo
        from portal.models import Household
        from ratings.ballot import services

        call_command("migrate", verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        with open(os.devnull, "w") as quiet:
            call_command("seed_demo", stdout=quiet)
        create_table()
        superuser = get_user_model().objects.get(username=demo.SUPERUSER)
        meeting = Meeting.objects.get(village__code=demo.VILLAGES[0].code, year=2026)
        # The demo's tour makes this a representatives' assembly; the bench measures the whole assembly.
        Meeting.objects.filter(pk=meeting.pk).update(kind=Meeting.Kind.VILLAGERS_ASSEMBLY)
        meeting.refresh_from_db()
        meeting = meeting_services.voting_open(meeting=meeting, by=superuser)
        # Thousands of ballots from a village of a few hundred voters: the roll frozen at the opening is
        # enlarged straight in the throwaway database, so that the codes may outnumber its residents.
        Meeting.objects.filter(pk=meeting.pk).update(roll_size=10**6)
        tokens = [
            services.terminal_arm(meeting=meeting, label=f"Bench {n}", by=superuser)[1]
            for n in range(1, terminals + 1)
        ]
        households = [
            str(pk) for pk in Household.objects.filter(village=meeting.village).values_list("pk", flat=True)
        ]
        vote = cls(meeting.pk, superuser.pk, tokens, households, meeting.scheme.max_nominations)
        connection.close()
        return vote

    def top_up(self, count: int) -> None:
        """At least `count` unused codes in hand, printed in batches as the clerk would."""
        from django.contrib.auth import get_user_model
        from django.db import connection

        from meetings.models import Meeting
        from ratings.ballot import services

        meeting = Meeting.objects.get(pk=self.meeting_id)
        superuser = get_user_model().objects.get(pk=self.superuser_id)
        while len(self.codes) < count:
            batch = min(count - len(self.codes), services.MAX_BATCH)
            self.codes.extend(services.codes_issue_batch(meeting=meeting, count=batch, by=superuser))
        connection.close()

    def check_box(self, figures: list[dict]) -> None:
        """Every cast the server answered is one ballot in the box, and no more."""
        from django.db import connection
        from load_server.views import rows

        from ratings.models import Ballot

        answered = sum(row["casts"] for row in figures)
        in_box = Ballot.objects.filter(meeting_id=self.meeting_id).count()
        bare = sum(row["bare_rows"] for row in figures)
        print(f"\nballots in the box: {in_box} (casts answered: {answered})")
        print(f"bare rows: {rows()} (answered: {bare})")
        connection.close()
        if in_box != answered:
            sys.exit(f"the box holds {in_box} ballots, the server answered {answered} casts")


class AppServers:
    """`count` gunicorn servers of load_server.settings, each on a free port with its log in the folder,
    as a county runs them behind its proxy: the same database and settings, each its own processes."""

    def __init__(self, options, environment: dict[str, str], folder: Path, count: int):
        self.options = options
        self.environment = {**os.environ, **environment}
        self.logs = [folder / f"gunicorn-{count}-{number}.log" for number in range(1, count + 1)]
        self.ports = []
        for _log in self.logs:
            with socket.socket() as probe:
                probe.bind((HOST, 0))
                self.ports.append(probe.getsockname()[1])
        self.processes: list[subprocess.Popen] = []

    def cpu_seconds(self) -> float:
        """CPU time their workers have used so far (Linux's /proc), the database server's not included."""
        ticks = os.sysconf("SC_CLK_TCK")
        parents = {process.pid for process in self.processes}
        total = 0.0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            with contextlib.suppress(OSError, ValueError, IndexError):
                fields = stat.read_text().rpartition(")")[2].split()
                if int(fields[1]) in parents:  # the parent's pid, then utime and stime
                    total += (int(fields[11]) + int(fields[12])) / ticks
        return total

    def describe(self) -> str:
        threads = f" × {self.options.threads} threads" if self.options.worker_class == "gthread" else ""
        servers = f"{len(self.ports)} app servers of " if len(self.ports) > 1 else ""
        cache = "Redis" if self.environment.get("REDIS_URL") else "each process's own cache"
        return (
            f"{servers}gunicorn {self.options.workers} {self.options.worker_class} workers{threads}, "
            f"{cache}, {CORES} cores"
        )

    def __enter__(self) -> "AppServers":
        # All are started before any is waited for: most of a start is the workers importing Django.
        for port, log in zip(self.ports, self.logs, strict=True):
            command = [
                sys.executable, "-m", "gunicorn", "portal.wsgi",
                "--bind", f"{HOST}:{port}",
                "--workers", str(self.options.workers),
                "--worker-class", self.options.worker_class,
                "--threads", str(self.options.threads),
                "--backlog", "2048",
                "--timeout", "120",
                "--graceful-timeout", "5",
            ]  # fmt: skip
            with log.open("w") as output:
                self.processes.append(
                    subprocess.Popen(command, env=self.environment, stdout=output, stderr=output)  # noqa: S603
                )
        try:
            for process, port, log in zip(self.processes, self.ports, self.logs, strict=True):
                self._wait(process, port, log)
        except BaseException:
            self.__exit__()
            raise
        return self

    @staticmethod
    def _wait(process: subprocess.Popen, port: int, log: Path) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if process.poll() is not None:
                sys.exit(f"gunicorn stopped:\n{log.read_text()[-3000:]}")
            try:
                connection = http.client.HTTPConnection(HOST, port, timeout=5)
                connection.request("GET", "/bench/insert/")
                if connection.getresponse().status == 405:
                    return
            except OSError:
                time.sleep(0.2)
        sys.exit("gunicorn did not answer within a minute")

    def __exit__(self, *exc) -> None:
        for process in self.processes:
            process.send_signal(signal.SIGTERM)
        for process in self.processes:
            process.wait(timeout=60)
        for log in self.logs:
            lines = log.read_text().splitlines() if log.exists() else []
            problems = [line for line in lines if "Traceback" in line or "ERROR" in line]
            if problems:
                print(f"{log.name} has {len(problems)} error lines; the last of it:")
                print("\n".join(lines[-40:]))


# --- the clients ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sample:
    kind: str
    done: float  # time.perf_counter() when the response was read
    ms: float
    server_ms: float | None
    status: int


class Unexpected(Exception):
    """A response the flow did not expect: counted as an error, the ballot abandoned."""

    def __init__(self, kind: str, status: int, detail: str):
        super().__init__(f"{kind}: {status} {detail}")
        self.status = status


class Stopped(Exception):
    """The phase is over: the request is not sent, the ballot in progress is left (a code unused)."""


class Browser:
    """One terminal's browser: keep-alive connections and a cookie jar; every request timed by kind.

    Its requests go to the `ports` in turn, one after another, as a proxy balancing request by request
    sends them to several app servers (a connection kept to each). `stop` says when to send nothing
    more: a phase ends within a request, not a whole ballot."""

    def __init__(self, ports: list[int], cookies: dict[str, str] | None = None, stop=lambda: False):
        self.ports = ports
        self.sent = 0
        self.stop = stop
        self.cookies = {(name, "/"): value for name, value in (cookies or {}).items()}
        self.connections: dict[int, http.client.HTTPConnection] = {}
        self.samples: list[Sample] = []

    def request(self, kind: str, method: str, path: str, form=None, *, expect: int) -> tuple[str, bytes]:
        """(Location, body) of a response with the expected status; else Unexpected."""
        if self.stop():
            raise Stopped
        body = urllib.parse.urlencode(form or {}, doseq=True) if method == "POST" else None
        headers = {"Host": HOST}
        cookies = self._cookie_header(path.split("?")[0])
        if cookies:
            headers["Cookie"] = cookies
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        port = self.ports[self.sent % len(self.ports)]
        self.sent += 1
        began = time.perf_counter()
        response, payload = self._exchange(port, method, path, body, headers)
        done = time.perf_counter()
        self._keep_cookies(response)
        timing = re.search(r"dur=([\d.]+)", response.getheader("Server-Timing") or "")
        self.samples.append(
            Sample(kind, done, (done - began) * 1000, float(timing[1]) if timing else None, response.status)
        )
        if response.status != expect:
            raise Unexpected(kind, response.status, payload[:200].decode(errors="replace"))
        return response.getheader("Location") or "", payload

    def _exchange(self, port, method, path, body, headers):
        # A kept-alive connection the server has just closed fails at once: one more try on a new one.
        for attempt in (1, 2):
            reused = port in self.connections
            if not reused:
                self.connections[port] = http.client.HTTPConnection(HOST, port, timeout=120)
            connection = self.connections[port]
            try:
                connection.request(method, path, body, headers)
                response = connection.getresponse()
                payload = response.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self._close(port)
                if reused and attempt == 1:
                    continue
                raise
            if response.will_close:
                self._close(port)
            return response, payload

    def _keep_cookies(self, response) -> None:
        for header in response.msg.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            value, *attributes = rest.split(";")
            path = next(
                (a.split("=", 1)[1].strip() for a in attributes if a.strip().lower().startswith("path=")), "/"
            )
            gone = not value or value == '""' or any(a.strip().lower() == "max-age=0" for a in attributes)
            if gone:
                self.cookies.pop((name.strip(), path), None)
            else:
                self.cookies[(name.strip(), path)] = value

    def _cookie_header(self, path: str) -> str:
        """The cookies a browser sends there: those whose path is the request's or above it."""
        return "; ".join(
            f"{name}={value}"
            for (name, scope), value in self.cookies.items()
            if path == scope or path.startswith(scope.rstrip("/") + "/")
        )

    def _close(self, port: int) -> None:
        connection = self.connections.pop(port, None)
        if connection is not None:
            connection.close()

    def close(self) -> None:
        for port in list(self.connections):
            self._close(port)


INPUT = re.compile(r"<input\b[^>]*>", re.I)
ATTRIBUTE = re.compile(r"""([\w-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""")


def form_of(page: bytes, action: str) -> str:
    """The HTML of the form posting to `action`."""
    text = page.decode()
    found = re.search(rf"<form\b[^>]*action=\"{re.escape(action)}\"[^>]*>(.*?)</form>", text, re.S | re.I)
    if not found:
        raise Unexpected(action, 0, "no form posting there on the page")
    return found[1]


def inputs(form: str) -> list[dict[str, str]]:
    return [
        {name.lower(): next(v for v in values if v is not None) for name, *values in ATTRIBUTE.findall(tag)}
        for tag in INPUT.findall(form)
    ]


def hidden_fields(form: str) -> dict[str, str]:
    return {tag["name"]: tag.get("value", "") for tag in inputs(form) if tag.get("type") == "hidden"}


def page_households(page: bytes) -> list[str]:
    """The households the page offers to its search (a JSON script), as ids."""
    found = re.search(rb'<script id="ballot-households" type="application/json">(.*?)</script>', page, re.S)
    return [str(household["id"]) for household in json.loads(found[1])] if found else []


def fill_ballot(form: str, rng: random.Random, households: list[str], limit: int) -> dict[str, list[str]]:
    """A full ballot: one grade per radio group, drawn at random; up to `limit` households."""
    data: dict[str, list[str]] = {name: [value] for name, value in hidden_fields(form).items()}
    choices: dict[str, list[str]] = collections.defaultdict(list)
    offered = []
    for box in inputs(form):
        if box.get("type") == "radio" and box.get("name", "").startswith("grade-"):
            choices[box["name"]].append(box["value"])
        elif box.get("name") == "household" and box.get("type") in {"checkbox", "radio"}:
            offered.append(box["value"])
    if not choices:
        raise Unexpected("ballot page", 0, "no grade on the ballot page")
    for name, values in choices.items():
        data[name] = [rng.choice(values)]
    pool = offered or households
    data["household"] = rng.sample(pool, rng.randint(0, min(limit, len(pool))))
    return data


def vote(browser: Browser, code: str, rng: random.Random, ballot: Vote) -> None:
    """One villager at the terminal, from the code to the receipt."""
    _, page = browser.request(
        "code page", "GET", "/kiosk/code/?language=zh-hans&text_size=normal", expect=200
    )
    form = {**hidden_fields(form_of(page, "/kiosk/code/")), "code": code}
    to, _ = browser.request("code", "POST", "/kiosk/code/", form, expect=302)
    if not to.endswith("/kiosk/ballot/"):
        raise Unexpected("code", 302, f"redirected to {to}")
    _, page = browser.request("ballot page", "GET", "/kiosk/ballot/", expect=200)
    households = page_households(page) or ballot.households
    filled = fill_ballot(form_of(page, "/kiosk/cast/"), rng, households, ballot.max_nominations)
    to, _ = browser.request("cast", "POST", "/kiosk/cast/", filled, expect=302)
    if not to.endswith("/kiosk/receipt/"):
        raise Unexpected("cast", 302, f"redirected to {to}")
    browser.request("receipt", "GET", "/kiosk/receipt/", expect=200)


@dataclass
class Phase:
    """What the clients of one phase saw; `window` is the measured stretch, after the warm-up."""

    samples: list[Sample]
    errors: list[str]
    window: tuple[float, float]
    out_of_codes: bool = False
    client_cores: float = 0.0  # the clients' own CPU time over the phase's wall time
    server_cpu: float = 0.0  # seconds of CPU the server's workers used in the window
    lock_waits: float | None = None  # PostgreSQL: sessions waiting for a lock, on average over the window
    waiters: collections.Counter = field(default_factory=collections.Counter)  # and what they ran

    @property
    def seconds(self) -> float:
        return self.window[1] - self.window[0]

    def measured(self) -> list[Sample]:
        return [s for s in self.samples if self.window[0] <= s.done < self.window[1]]

    def rate(self, kind: str, status: int) -> float:
        return sum(1 for s in self.measured() if s.kind == kind and s.status == status) / self.seconds

    def done(self, kind: str) -> int:
        """Requests of this kind answered within the window, whatever their status."""
        return sum(1 for s in self.measured() if s.kind == kind)

    def count(self, kind: str, status: int) -> int:
        return sum(1 for s in self.samples if s.kind == kind and s.status == status)

    def server_errors(self) -> int:
        return sum(1 for s in self.samples if s.status >= 500)


# The statements of this database's sessions that wait for a lock (what they wait for is in the text).
LOCK_WAITS = (
    "SELECT left(regexp_replace(query, '\\s+', ' ', 'g'), 90) FROM pg_stat_activity "
    "WHERE datname = current_database() AND wait_event_type = 'Lock'"
)


def postgres() -> bool:
    from django.db import connection

    return connection.vendor == "postgresql"


class Window:
    """The measured stretch of a phase: it opens `warm_up` seconds after the last client has begun its
    work in earnest (past its stagger), and lasts `seconds`."""

    def __init__(self, clients: int, warm_up: float, seconds: float):
        self.waiting, self.warm_up, self.seconds = clients, warm_up, seconds
        self.lock = threading.Lock()
        self.opens = self.closes = None

    def begun(self) -> None:
        with self.lock:
            self.waiting -= 1
            if self.waiting == 0:
                self.opens = time.perf_counter() + self.warm_up
                self.closes = self.opens + self.seconds

    def over(self) -> bool:
        return self.closes is not None and time.perf_counter() >= self.closes


def run_phase(options, clients: int, work, server: "AppServers") -> Phase:
    """`clients` threads doing `work` until the window is over; their samples pooled, and the server's
    CPU time within the window."""
    window = Window(clients, options.warm_up, options.seconds)
    server_cpu = []

    waiting: list[int] = []
    waiters: collections.Counter = collections.Counter()

    def meter() -> None:
        while window.opens is None:
            time.sleep(0.01)
        for moment in (window.opens, window.closes):
            time.sleep(max(0.0, moment - time.perf_counter()))
            server_cpu.append(server.cpu_seconds())

    def lock_meter() -> None:
        """PostgreSQL: how many of the server's sessions wait for a lock, sampled through the window."""
        from django.db import connection

        while window.opens is None or time.perf_counter() < window.opens:
            time.sleep(0.01)
        with connection.cursor() as cursor:
            while time.perf_counter() < window.closes:
                cursor.execute(LOCK_WAITS)
                statements = [row[0] for row in cursor.fetchall()]
                waiting.append(len(statements))
                waiters.update(statements)
                time.sleep(0.02)
        connection.close()

    browsers, errors, lock = [], [], threading.Lock()
    go = threading.Barrier(clients)

    def attempt(step, browser, number) -> bool:
        try:
            return step(browser, number)
        except (Unexpected, OSError, http.client.HTTPException) as error:
            with lock:
                errors.append(str(error))
            browser.close()
            time.sleep(0.1)
            return True

    def client(number: int) -> None:
        browser = work.browser(number, window.over)
        browsers.append(browser)
        go.wait()
        try:
            attempt(work.stagger, browser, number)
        finally:
            window.begun()
        with contextlib.suppress(Stopped):
            while attempt(work, browser, number):
                pass
        browser.close()

    # Daemons: a bench interrupted does not wait for its clients.
    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(clients)]
    threads.append(threading.Thread(target=meter, daemon=True))
    if postgres():
        threads.append(threading.Thread(target=lock_meter, daemon=True))
    cpu, wall = time.process_time(), time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    time.sleep(PAUSE)
    samples = [sample for browser in browsers for sample in browser.samples]
    out_of_codes = getattr(work, "out_of_codes", False)
    return Phase(
        samples,
        errors,
        (window.opens, window.closes),
        out_of_codes,
        cpu / wall,
        server_cpu[1] - server_cpu[0],
        statistics.mean(waiting) if waiting else None,
        waiters,
    )


def turns(ports: list[int], number: int) -> list[int]:
    """The servers in the order client `number` reaches them: the clients start evenly across them."""
    first = number % len(ports)
    return ports[first:] + ports[:first]


class BareWork:
    def __init__(self, ports: list[int]):
        self.ports = ports

    def browser(self, number: int, stop) -> Browser:
        return Browser(turns(self.ports, number), stop=stop)

    def stagger(self, browser: Browser, number: int) -> bool:
        return True

    def __call__(self, browser: Browser, number: int) -> bool:
        browser.request(BARE, "POST", "/bench/insert/", expect=204)
        return True


class BallotWork:
    def __init__(self, ports: list[int], vote_: Vote):
        from ratings.ballot.terminals import TERMINAL_COOKIE

        self.ports, self.vote, self.cookie = ports, vote_, TERMINAL_COOKIE
        self.out_of_codes = False
        self.rngs: dict[int, random.Random] = {}

    def browser(self, number: int, stop) -> Browser:
        self.rngs[number] = random.Random(number)
        return Browser(turns(self.ports, number), {self.cookie: self.vote.tokens[number]}, stop)

    def stagger(self, browser: Browser, number: int) -> bool:
        """Voters that all start at once stay in step: the server's queue would hold every code page,
        then every cast. A voter first sends 0 to 4 of the server's cheapest requests (a GET the bare
        view refuses), each a turn in the queue, so that each step of the ballot is as often in the
        queue as the others and the casts come evenly."""
        for _ in range(number % len(KINDS)):
            browser.request(STAGGER, "GET", "/bench/insert/", expect=405)
        return True

    def __call__(self, browser: Browser, number: int) -> bool:
        try:
            code = self.vote.codes.popleft()
        except IndexError:
            self.out_of_codes = True
            return False
        vote(browser, code, self.rngs[number], self.vote)
        return True


# --- where the server's time goes: the same flow in process, under cProfile ---------------------------


class ProfiledBrowser:
    """Browser's interface on Django's test client: no socket, each request profiled by its kind."""

    def __init__(self, token: str):
        from django.test import Client

        from ratings.ballot.terminals import TERMINAL_COOKIE

        self.client = Client(HTTP_HOST=HOST)
        self.client.cookies[TERMINAL_COOKIE] = token
        self.measure(profiling=False)

    def measure(self, *, profiling: bool) -> None:
        """Count afresh. One client throughout: its first request loads the middleware (WhiteNoise
        reads the static folder), which a server does once per worker."""
        self.profiling = profiling
        self.profiles = collections.defaultdict(cProfile.Profile)
        self.queries: dict[str, list[int]] = collections.defaultdict(list)
        self.ms: dict[str, list[float]] = collections.defaultdict(list)

    def request(self, kind: str, method: str, path: str, form=None, *, expect: int) -> tuple[str, bytes]:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            profile = self.profiles[kind]
            began = time.perf_counter()
            if self.profiling:
                profile.enable()
            if method == "POST":
                body = urllib.parse.urlencode(form or {}, doseq=True)
                response = self.client.post(path, body, content_type="application/x-www-form-urlencoded")
            else:
                response = self.client.get(path)
            if self.profiling:
                profile.disable()
            self.ms[kind].append((time.perf_counter() - began) * 1000)
        self.queries[kind].append(len(captured.captured_queries))
        if response.status_code != expect:
            raise Unexpected(kind, response.status_code, response.content[:200].decode(errors="replace"))
        return response.get("Location", ""), response.content


def profile_ballots(database: str, vote_: Vote, ballots: int, folder: Path | None) -> None:
    """Ballots (and as many bare requests) through Django's test client: first timed, then profiled."""
    vote_.top_up(ballots * 2 + PROFILE_WARM_UP)
    rng = random.Random(0)
    browser = ProfiledBrowser(vote_.tokens[0])
    figures = []
    for profiling, count in ((False, PROFILE_WARM_UP), (False, ballots), (True, ballots)):
        browser.measure(profiling=profiling)
        for _ in range(count):
            vote(browser, vote_.codes.popleft(), rng, vote_)
            browser.request(BARE, "POST", "/bench/insert/", expect=204)
        figures.append((browser.ms, browser.queries, browser.profiles))
    (timed_ms, queries, _), (profiled_ms, _, profiles) = figures[1:]
    print(f"\n== where the server's time goes: {ballots} ballots in process on {database}, cProfile ==")
    for kind in (*KINDS, BARE):
        stats = pstats.Stats(profiles[kind])
        if folder:
            folder.mkdir(parents=True, exist_ok=True)
            stats.dump_stats(folder / f"{database.lower()}-{kind.replace(' ', '-')}.pstats")
        print(
            f"\n{kind}: {statistics.mean(timed_ms[kind]):.1f} ms a request "
            f"({statistics.mean(profiled_ms[kind]):.1f} under the profiler), "
            f"{statistics.mean(queries[kind]):.1f} queries"
        )
        print("  " + ", ".join(f"{name} {share:.0%}" for name, share in breakdown(stats.stats)))
        print(f"  {'own ms':>7}{'with callees':>13}  function (per request, under the profiler)")
        print_costs(sorted(stats.stats.items(), key=lambda item: item[1][2], reverse=True), ballots)
        print("  the project's own functions, by time with callees:")
        ours = [
            item
            for item in stats.stats.items()
            if item[0][0].startswith(str(ROOT)) and "/.venv/" not in item[0][0]
        ]
        print_costs(sorted(ours, key=lambda item: item[1][3], reverse=True), ballots)


# Where a function's own time goes, by where the function lives; the first match wins.
PARTS = (
    ("database", re.compile(r"psycopg|sqlite3|CursorWrapper\.execute|'(commit|execute)'")),
    ("the test client (no server has it)", re.compile(r"django/test/")),
    ("templates", re.compile(r"django/template|/templatetags/|django/utils/(html|safestring|formats)")),
    ("forms", re.compile(r"django/forms/|django/utils/choices")),
    ("ORM", re.compile(r"django/db/")),
    ("signing, hashing", re.compile(r"django/core/signing|hmac|hashlib|_sha|django/utils/crypto")),
    ("translation", re.compile(r"django/utils/translation|gettext")),
    ("the project's code", re.compile(re.escape(str(ROOT)) + r"/(?!\.venv)")),
    (
        "HTTP, middleware, URLs",
        re.compile(r"django/(core|http|middleware|urls|contrib)|whitenoise|axes|wsgiref"),
    ),
)


def breakdown(stats: dict) -> list[tuple[str, float]]:
    """Shares of the time by part, each function's own time counted once; a built-in's (getattr,
    str.join…) goes to the parts of its callers, in proportion."""

    def part(key) -> str:
        filename, _, function = key
        where = f"{filename} {function}"
        return next((name for name, pattern in PARTS if pattern.search(where)), "other")

    parts: dict[str, float] = collections.Counter()
    for key, (_, _, own, _, callers) in stats.items():
        if key[0] == "~" and part(key) == "other" and callers:
            for caller, (_, _, own_from_caller, _) in callers.items():
                parts[part(caller)] += own_from_caller
        else:
            parts[part(key)] += own
    total = sum(parts.values()) or 1.0
    parts["other: Django's utilities, the standard library"] = parts.pop("other", 0.0)
    return [(name, own / total) for name, own in sorted(parts.items(), key=lambda item: -item[1])]


def print_costs(rows, requests: int) -> None:
    for (filename, line, function), (_, _, own, inclusive, _) in rows[:PROFILE_ROWS]:
        filename = filename.rpartition("site-packages/")[2].removeprefix(f"{ROOT}/")
        name = f"{filename}:{line} {function}" if line else function
        print(f"  {own * 1000 / requests:>7.2f}{inclusive * 1000 / requests:>13.2f}  {name}")


# --- the figures ------------------------------------------------------------------------------------


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))] if ordered else float("nan")


@dataclass
class Rounds:
    """What the rounds on one set of app servers measured."""

    servers: AppServers
    bare_phases: list = field(default_factory=list)
    ballot_phases: list = field(default_factory=list)
    rows: list = field(default_factory=list)  # per round: bare/s, ballots/s, CPU ms per request, per ballot
    expected_rate: float | None = None


def measure_voters(options, database: str, sets: list[AppServers], vote_: Vote, voters: int) -> list[dict]:
    """Rounds of a bare and a ballot phase with `voters` clients, on each set of servers in turn within
    each round: other work on the machine weighs alike on every set, rather than on the one measured
    while it ran."""
    print(
        f"\n== {database}, {voters} voters: {options.rounds} rounds of "
        f"{options.warm_up:g} s warm-up + {options.seconds:g} s measured per phase, on =="
    )
    for servers in sets:
        print(f"  {len(servers.ports)}: {servers.describe()}")
    print(
        f"{'':<7}{'':>8}{'':>9}{'':>11}{'':>8}  server CPU, ms per   {'':>7}   client CPU, cores\n"
        f"{'round':<7}{'servers':>8}{'bare/s':>9}{'ballots/s':>11}{'ratio':>8}{'request':>10}{'ballot':>9}"
        f"{'ratio':>8}   bare, ballot"
    )
    measured = [Rounds(servers) for servers in sets]
    for round_ in range(1, options.rounds + 1):
        print("load average of the machine: " + ", ".join(f"{load:.1f}" for load in os.getloadavg()))
        for rounds in measured:
            measure_round(options, round_, rounds, vote_, voters)
    return [report(database, rounds, voters) for rounds in measured]


def measure_round(options, round_: int, rounds: Rounds, vote_: Vote, voters: int) -> None:
    server = rounds.servers
    nan = float("nan")
    bare = run_phase(options, voters, BareWork(server.ports), server)
    rounds.bare_phases.append(bare)
    bare_rate = bare.rate(BARE, 204)
    bare_cpu = bare.server_cpu * 1000 / max(1, bare.done(BARE))
    ballot_rate, ballot_cpu, ballot_cores = nan, nan, nan
    if not options.bare_only:
        # Enough codes for the phase: at most one ballot per bare request, then 1.5× what was seen.
        rounds.expected_rate = rounds.expected_rate or bare_rate
        vote_.top_up(int(rounds.expected_rate * (options.warm_up + options.seconds + 2)) + 2 * voters)
        ballot = run_phase(options, voters, BallotWork(server.ports, vote_), server)
        rounds.ballot_phases.append(ballot)
        ballot_rate, ballot_cores = ballot.rate("cast", 302), ballot.client_cores
        # A ballot's share of the window's CPU: its five requests, wherever each voter was.
        ballot_cpu = ballot.server_cpu * 1000 * len(KINDS) / max(1, sum(map(ballot.done, KINDS)))
        rounds.expected_rate = max(1.0, 1.5 * ballot_rate)
        if ballot.out_of_codes:
            print("  (the codes ran out in this phase: its figure is low)")
    rounds.rows.append((bare_rate, ballot_rate, bare_cpu, ballot_cpu))
    print(
        f"{round_:<7}{len(server.ports):>8}{bare_rate:>9.1f}{ballot_rate:>11.1f}"
        f"{ballot_rate / bare_rate:>8.2f}{bare_cpu:>10.1f}{ballot_cpu:>9.1f}{bare_cpu / ballot_cpu:>8.2f}"
        f"   {bare.client_cores:.2f}, {ballot_cores:.2f}"
    )


def report(database: str, rounds: Rounds, voters: int) -> dict:
    """The medians over the rounds on one set of servers, and what its requests saw."""
    server, rows = rounds.servers, rounds.rows
    bare_phases, ballot_phases = rounds.bare_phases, rounds.ballot_phases
    nan = float("nan")
    print(f"\n-- {database}, {voters} voters, {server.describe()}")
    print(
        f"{'':<7}{'servers':>8}{'bare/s':>9}{'ballots/s':>11}{'ratio':>8}{'request':>10}{'ballot':>9}"
        f"{'ratio':>8}"
    )
    medians = [statistics.median(row[column] for row in rows) for column in range(4)]
    bare_median, ballot_median, bare_cpu, ballot_cpu = medians
    ratio = statistics.median(row[1] / row[0] for row in rows)
    cpu_ratio = statistics.median(row[2] / row[3] for row in rows)
    print(
        f"{'median':<7}{len(server.ports):>8}{bare_median:>9.1f}{ballot_median:>11.1f}{ratio:>8.2f}"
        f"{bare_cpu:>10.1f}{ballot_cpu:>9.1f}{cpu_ratio:>8.2f}"
    )
    print(
        "(server CPU: the gunicorn workers' CPU time in the window, not the database server's; its ratio\n"
        " is what the ratio would be if the workers' CPU were all that limited them)"
    )

    measured = [s for phase in ballot_phases + bare_phases for s in phase.measured()]
    casts = sum(1 for s in measured if s.kind == "cast" and s.status == 302)
    ballot_requests = sum(1 for s in measured if s.kind in KINDS)
    if casts:
        print(f"requests per ballot: {ballot_requests / casts:.2f}")
    print("\nper request, in the measured windows (ms): as the client waited / as the server spent")
    print(f"  {'kind':<14}{'requests':>9}{'p50':>8}{'p99':>8}{'server p50':>12}{'server p99':>12}")
    for kind in (*KINDS, BARE):
        of_kind = [s for s in measured if s.kind == kind]
        if not of_kind:
            continue
        spent = [s.server_ms for s in of_kind if s.server_ms is not None]
        print(
            f"  {kind:<14}{len(of_kind):>9}{percentile([s.ms for s in of_kind], 0.5):>8.1f}"
            f"{percentile([s.ms for s in of_kind], 0.99):>8.1f}"
            f"{percentile(spent, 0.5):>12.1f}{percentile(spent, 0.99):>12.1f}"
        )
    phases = bare_phases + ballot_phases
    errors = [error for phase in phases for error in phase.errors]
    server_errors = sum(phase.server_errors() for phase in phases)
    waits = [phase.lock_waits for phase in phases if phase.lock_waits is not None]
    if waits:
        bare_waits = statistics.mean(phase.lock_waits for phase in bare_phases)
        ballot_waits = statistics.mean(phase.lock_waits for phase in ballot_phases) if ballot_phases else nan
        workers = server.options.workers * len(server.ports)
        print(
            f"sessions waiting for a lock, on average (of {workers} workers): "
            f"{bare_waits:.2f} in the bare phases, {ballot_waits:.2f} in the ballot phases"
        )
        waiters = sum((phase.waiters for phase in phases), collections.Counter())
        for statement, times in waiters.most_common(3):
            print(f"  {times / sum(waiters.values()):.0%} of the waits: {statement}")
    print(f"errors: {len(errors)} (5xx: {server_errors})")
    for error, times in collections.Counter(errors).most_common(5):
        print(f"  {times} × {error}")
    print(f"ratio ballots/s ÷ bare/s: {ratio:.2f}")
    cast_times = [s.ms for s in measured if s.kind == "cast"]
    return {
        "database": database,
        "servers": len(server.ports),
        "voters": voters,
        "bare": bare_median,
        "ballots": ballot_median,
        "ratio": ratio,
        "cpu_ratio": cpu_ratio,
        "cast_p99": percentile(cast_times, 0.99),
        "errors": len(errors),
        "server_errors": server_errors,
        "casts": sum(phase.count("cast", 302) for phase in ballot_phases),
        "bare_rows": sum(phase.count(BARE, 204) for phase in bare_phases),
    }


if __name__ == "__main__":
    main()
