"""Browser tests: one Chromium for the session, a fresh context (cookies, storage) per page.

Debian's chromium is driven by Playwright's sync API against pytest-django's `live_server`.
"""

import os
import re
import tempfile
from pathlib import Path

import pytest

# Playwright's sync API keeps an asyncio loop in the main thread; Django would otherwise refuse
# the ORM calls the tests make (factories, assertions) with SynchronousOnlyOperation.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from playwright.sync_api import Page, expect, sync_playwright  # noqa: E402

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Screenshots and sample files for review: out of the working tree (the suite writes nothing
# there), in TEST_ARTIFACTS when set (a CI keeping them), else in the temporary directory.
ARTIFACTS = Path(
    os.environ.get("TEST_ARTIFACTS") or Path(tempfile.gettempdir()) / "occe-test-artifacts"
)
TIMEOUT_MS = 10_000

expect.set_options(timeout=TIMEOUT_MS)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the item, so `new_page` knows whether the test failed."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def browser():
    playwright = sync_playwright().start()
    browser = playwright.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
    )
    try:
        yield browser
    finally:
        browser.close()
        playwright.stop()


@pytest.fixture
def csp_violations() -> list[str]:
    """What the browser refused under the Content-Security-Policy, as its console said."""
    return []


@pytest.fixture
def new_page(browser, live_server, request, csp_violations):
    """`new_page()` opens a page in its own context: two users can be logged in side by side.

    On failure, every page of the test is saved as a screenshot in ARTIFACTS. A page that
    breaks the Content-Security-Policy (the browser says so in its console) fails the test.
    """
    contexts = []

    def watch_console(message):
        if message.type == "error" and "Content Security Policy" in message.text:
            csp_violations.append(f"{message.location.get('url')}: {message.text}")

    def _new_page() -> Page:
        context = browser.new_context(
            base_url=live_server.url,
            locale="fr-FR",
            timezone_id="Europe/Paris",
            viewport={"width": 1280, "height": 900},
            accept_downloads=True,
        )
        context.set_default_timeout(TIMEOUT_MS)
        context.on("console", watch_console)
        contexts.append(context)
        return context.new_page()

    yield _new_page

    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", request.node.name)
        for n, context in enumerate(contexts):
            for m, page in enumerate(context.pages):
                page.screenshot(path=ARTIFACTS / f"echec-{name}-{n}{m}.png", full_page=True)
    for context in contexts:
        context.close()
    assert not csp_violations, "Content-Security-Policy enfreinte :\n" + "\n".join(csp_violations)


@pytest.fixture
def page(new_page) -> Page:
    return new_page()
