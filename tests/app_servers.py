"""App servers for the tests that speak real HTTP: gunicorn on free ports of 127.0.0.1, and a browser made
of http.client (a cookie jar, Django's CSRF token, no redirect followed).

Used by the HTTP race of the ballot (tests/ratings/ballot/test_cast_race.py) and by the county's two app
servers (tests/portal/test_two_servers.py).
"""

import contextlib
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from http.client import HTTPConnection
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

from django.conf import settings

from ratings.ballot.terminals import TERMINAL_COOKIE

HOST = "127.0.0.1"
HTTP_TIMEOUT = 30
SERVER_START_SECONDS = 30


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def _answers(port: int, headers: dict) -> bool:
    """Whether something answers HTTP on the port (any status will do)."""
    connection = HTTPConnection(HOST, port, timeout=HTTP_TIMEOUT)
    try:
        connection.request("GET", "/", headers=headers)
        connection.getresponse().read()
        return True
    except OSError:
        return False
    finally:
        connection.close()


@contextlib.contextmanager
def served_many(
    environment: dict,
    logs: Sequence[Path],
    *,
    workers: int = 2,
    threads: int = 8,
    headers: dict | None = None,
) -> Iterator[list[int]]:
    """One gunicorn (portal.wsgi, gthread workers) per log file, each on a free port with `environment`
    and its output in its log; yields the ports once every one answers a GET of / (sent with `headers`).
    All are started before any is waited for, since most of a start is the workers importing Django.
    Stopped at the end, whatever happens."""
    processes: list[tuple[subprocess.Popen, Path]] = []
    ports = []
    try:
        for log in logs:
            port = free_port()
            with log.open("w") as output:
                process = subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "gunicorn",
                        "portal.wsgi:application",
                        f"--bind={HOST}:{port}",
                        f"--workers={workers}",
                        "--worker-class=gthread",
                        f"--threads={threads}",
                        "--timeout=60",
                        "--graceful-timeout=5",
                        "--log-level=warning",
                    ],
                    cwd=settings.BASE_DIR,
                    env=environment,
                    stdout=output,
                    stderr=subprocess.STDOUT,
                )
            processes.append((process, log))
            ports.append(port)
        deadline = time.monotonic() + SERVER_START_SECONDS
        for (process, log), port in zip(processes, ports, strict=True):
            while not _answers(port, headers or {}):
                assert process.poll() is None, "gunicorn stopped:\n" + log.read_text()
                assert time.monotonic() < deadline, "gunicorn did not start:\n" + log.read_text()
                time.sleep(0.1)
        yield ports
    finally:
        for process, _log in processes:
            process.terminate()
        for process, _log in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


@contextlib.contextmanager
def served(environment: dict, log: Path, **options) -> Iterator[int]:
    """One gunicorn, as served_many: yields its port."""
    with served_many(environment, [log], **options) as (port,):
        yield port


@dataclass
class Browser:
    """A browser, as much of one as the kiosk and the public forms need: cookies, the CSRF token (sent
    as Django's header), no redirect followed, a new connection for every request.

    `port` is one server, or several that the requests reach in turn, one after another, as a proxy in
    front of several app servers may send them; `ports_used` says where each request went. `headers` go
    with every request (what the proxy adds: Host, X-Forwarded-For...).
    """

    port: int | Sequence[int]
    terminal_token: str = ""
    headers: dict = field(default_factory=dict)
    cookies: dict = field(default_factory=dict)
    ports_used: list = field(default_factory=list)
    last_headers: object = field(default=None, repr=False)  # of the last response

    def __post_init__(self):
        if self.terminal_token:
            self.cookies[TERMINAL_COOKIE] = self.terminal_token

    def next_port(self) -> int:
        ports = [self.port] if isinstance(self.port, int) else list(self.port)
        return ports[len(self.ports_used) % len(ports)]

    def request(self, method: str, path: str, data: dict | list | None = None) -> tuple[int, str, str]:
        """(status, Location, body) of the response."""
        headers = {
            **self.headers,
            "Cookie": "; ".join(f"{name}={value}" for name, value in self.cookies.items()),
        }
        body = None
        if method == "POST":
            body = urlencode(data or {}, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["X-CSRFToken"] = self.cookies.get("csrftoken", "")
        port = self.next_port()
        self.ports_used.append(port)
        connection = HTTPConnection(HOST, port, timeout=HTTP_TIMEOUT)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode()
            for header in response.headers.get_all("Set-Cookie") or []:
                for name, morsel in SimpleCookie(header).items():
                    if morsel["max-age"] == "0" or not morsel.value:
                        self.cookies.pop(name, None)
                    else:
                        self.cookies[name] = morsel.coded_value
            self.last_headers = response.headers
            return response.status, response.headers.get("Location", ""), text
        finally:
            connection.close()

    def get(self, path: str) -> tuple[int, str, str]:
        return self.request("GET", path)

    def post(self, path: str, data) -> tuple[int, str, str]:
        return self.request("POST", path, data)
