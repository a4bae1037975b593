"""What a browser page asked for and complained about: recorded by the `page` fixture
(tests/browser/conftest.py), read by the tests."""

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import ConsoleMessage, Page, Request, Response

LOCAL_HOSTS = {"127.0.0.1", "localhost"}


@dataclass
class Traffic:
    """What a page asked for and complained about, and what the server logged meanwhile."""

    server_log: pytest.LogCaptureFixture
    requests: list[str] = field(default_factory=list)
    responses: dict[str, int] = field(default_factory=dict)  # URL → last status
    failures: list[str] = field(default_factory=list)  # responses >= 400 and requests that failed
    console_errors: list[str] = field(default_factory=list)

    def external_requests(self) -> list[str]:
        """Requests to anything but this machine; data: and blob: URLs never leave the page."""
        return [
            url
            for url in self.requests
            if urlsplit(url).scheme not in {"data", "blob"} and urlsplit(url).hostname not in LOCAL_HOSTS
        ]

    def server_warnings(self) -> list[str]:
        """Django's warnings and errors for requests, including those the page does not see, such as
        the favicon Chromium asks for on its own."""
        return [
            record.getMessage()
            for record in self.server_log.records
            if record.name.startswith("django.") and record.levelno >= logging.WARNING
        ]

    def statuses(self, fragment: str) -> list[int]:
        """The statuses of the responses whose URL contains fragment."""
        return [status for url, status in self.responses.items() if fragment in url]


def record_traffic(page: Page, traffic: Traffic) -> Page:
    """Record in `traffic` what the page requests, what fails, and what the console reports."""

    def on_response(response: Response) -> None:
        traffic.responses[response.url] = response.status
        if response.status >= 400:
            traffic.failures.append(f"{response.status} {response.url}")

    def on_request_failed(request: Request) -> None:
        # A resource still loading when the page moves on (a submitted form, a followed link) is
        # cancelled by the browser: that is no failure of the site. A missing file is a 404 above.
        if request.failure == "net::ERR_ABORTED" and not request.is_navigation_request():
            return
        traffic.failures.append(f"{request.failure} {request.url}")

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            traffic.console_errors.append(f"{message.text} ({message.location.get('url', '')})")

    page.on("request", lambda request: traffic.requests.append(request.url))
    page.on("response", on_response)
    page.on("requestfailed", on_request_failed)
    page.on("console", on_console)
    page.on("pageerror", lambda error: traffic.console_errors.append(f"uncaught: {error}"))
    return page


@dataclass(frozen=True)
class Received:
    """A request as the live server received and answered it."""

    method: str
    path: str
    status: int
    # Sent with If-None-Match or If-Modified-Since: the browser asks whether its cached copy is current.
    conditional: bool


@contextmanager
def received_by(live_server) -> Iterator[list[Received]]:
    """Every request the live server handles meanwhile, static files included: what the browser really
    asked of the server, as against what it took from its own cache."""
    server = live_server.thread.httpd
    application = server.get_app()
    received: list[Received] = []

    def recording(environ, start_response):
        def noting(status, headers, *args):
            validators = ("HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE")
            received.append(
                Received(
                    method=environ["REQUEST_METHOD"],
                    path=environ["PATH_INFO"],
                    status=int(status.split()[0]),
                    conditional=any(environ.get(name) for name in validators),
                )
            )
            return start_response(status, headers, *args)

        return application(environ, noting)

    server.set_app(recording)
    try:
        yield received
    finally:
        server.set_app(application)
