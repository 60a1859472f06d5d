"""Browser tests: Playwright's sync API driving Debian's Chromium against a live server.

No browser is downloaded: Playwright launches the system's `/usr/bin/chromium` (override with
FREEHOLD_CHROMIUM). Without it, e2e tests fail under CI (CI=true), where .ci/run installs it,
and are skipped elsewhere with the reason.

`live_server` is pytest-django's session-wide threaded server; requesting it makes the test
transactional (the server thread must see the test's rows), and the in-memory SQLite test
database is shared with the server thread, so the same tests run on SQLite and PostgreSQL.

Every page fails its test when the browser logs an error (a Content-Security-Policy
violation, a failed script, a 404 asset; not the browser's own /favicon.ico request);
`@pytest.mark.allow_console_errors` opts out.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser, ConsoleMessage, Error, Page

CHROMIUM = Path(os.environ.get("FREEHOLD_CHROMIUM", "/usr/bin/chromium"))
# The machine's network is closed except loopback: Chromium's background services would only
# produce refused connections and slow starts.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DEFAULT_TIMEOUT_MS = 15_000

# "localhost" may resolve to ::1 first; the server binds one address, so name it.
os.environ.setdefault("DJANGO_LIVE_TEST_SERVER_ADDRESS", "127.0.0.1")


def _running_in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not os.access(CHROMIUM, os.X_OK):
        reason = f"e2e tests need Chromium at {CHROMIUM} (apt-get install chromium)"
        if _running_in_ci():
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    # Playwright's sync API runs an asyncio loop in this thread; Django's guard against ORM
    # calls from async code would otherwise refuse the test's own database set-up.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def page(request: pytest.FixtureRequest, browser: Browser, live_server) -> Iterator[Page]:
    """A fresh browser context (no cookies) whose relative URLs go to the live server."""
    context = browser.new_context(base_url=live_server.url, locale="en-GB")
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    new_page = context.new_page()
    errors: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        url = message.location.get("url", "")
        # Chromium asks for /favicon.ico on its own, whatever the page declares.
        if message.type == "error" and not url.endswith("/favicon.ico"):
            errors.append(f"console: {message.text} ({url})")

    def on_page_error(error: Error) -> None:
        errors.append(f"page error: {error}")

    new_page.on("console", on_console)
    new_page.on("pageerror", on_page_error)
    try:
        yield new_page
    finally:
        context.close()
    if errors and request.node.get_closest_marker("allow_console_errors") is None:
        pytest.fail("the browser logged errors:\n" + "\n".join(errors), pytrace=False)


@pytest.fixture
def dashboard_page(page: Page, transactional_db) -> Page:
    """The browser signed in to the dashboard as the store's owner (through the login form)."""
    from tests.dashboard.conftest import PASSWORD, make_staff

    owner = make_staff("owner@example.com")
    page.goto("/dashboard/")
    page.get_by_label("E-mail").fill(owner.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/dashboard/")
    return page
