"""Playwright (sync API) driving Debian's Chromium against pytest-django's live server.

The browser is Debian's package, never a build downloaded by `playwright install`: one browser and one
live server per test session, a fresh context (no cookies, no cache) per test.
"""

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from tests.browser.traffic import Traffic, record_traffic

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


@pytest.fixture
def traffic(caplog: pytest.LogCaptureFixture) -> Traffic:
    return Traffic(server_log=caplog)


@pytest.fixture
def page(context: BrowserContext, traffic: Traffic) -> Page:
    page = record_traffic(context.new_page(), traffic)
    yield page
    page.close()


PASSWORD = "correct horse battery staple"  # tests.factories.UserFactory


@pytest.fixture
def staff(browser: Browser, live_server, traffic: Traffic) -> Iterator[Callable[[str], Page]]:
    """Log in as a staff account in a context of its own, in English; the contexts close afterwards."""
    contexts = []

    def log_in(username: str) -> Page:
        context = browser.new_context(locale="en")
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = record_traffic(context.new_page(), traffic)
        page.goto(live_server.url + reverse("login"))
        page.fill("#id_username", username)
        page.fill("#id_password", PASSWORD)
        page.locator("main button[type=submit]").click()
        expect(page).to_have_url(live_server.url + reverse("staff:dashboard"))
        return page

    yield log_in
    for context in contexts:
        context.close()
