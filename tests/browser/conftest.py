"""Playwright (sync API) driving Debian's Chromium against pytest-django's live server.

The browser is Debian's package, never a build downloaded by `playwright install`: one browser per
test session, a fresh context (no cookies, no cache) per test.
"""

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Request,
    Response,
    sync_playwright,
)

# The sync API runs an event loop in the test's thread, which Django takes for async code and would
# refuse ORM calls from (SynchronousOnlyOperation). The fixtures and tests here are plain sync code.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",  # CI runs as root
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOCAL_HOSTS = {"127.0.0.1", "localhost"}


@pytest.fixture(scope="session")
def browser() -> Browser:
    if not CHROMIUM.exists():
        message = f"Debian's chromium is not installed ({CHROMIUM} is missing): apt-get install chromium"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)  # CI installs it: a skipped browser test there would hide a broken setup
        pytest.skip(message)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def locale() -> str:
    """The browser's language (sent as Accept-Language); parametrize `locale` to change it."""
    return "zh-Hans"


@pytest.fixture
def context(browser: Browser, locale: str) -> BrowserContext:
    context = browser.new_context(locale=locale)
    context.set_default_timeout(10_000)
    yield context
    context.close()


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


@pytest.fixture
def traffic(caplog: pytest.LogCaptureFixture) -> Traffic:
    return Traffic(server_log=caplog)


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


@pytest.fixture
def page(context: BrowserContext, traffic: Traffic) -> Page:
    page = record_traffic(context.new_page(), traffic)
    yield page
    page.close()
