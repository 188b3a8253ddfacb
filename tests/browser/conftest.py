"""One real stack on SQLite and one headless Chromium for all browser tests, and pages per role.

The stack and the browser live for the whole tests/browser package (scope "package": started by
its first test, stopped after its last), which keeps the suite fast. Not "session": while a sync
Playwright is open it marks its own asyncio loop as running in the main thread, and the async
tests collected after this package (pytest-asyncio) could not start theirs. For the same reason
tests in this package are plain functions, never async.
"""

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from deploy.local.launcher import Stack, StackConfig, running
from tests.browser.support import launch, login, new_context

HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Marks every test under tests/browser `browser` (`-m "not browser"` leaves them out)."""
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="package")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The whole system on SQLite, as `python3 dev.py run` starts it, on free ports."""
    var_dir = tmp_path_factory.mktemp("var-browser")
    config = StackConfig.on_free_ports(var_dir)
    try:
        with running(config, timeout=90) as started:
            yield started
    finally:
        # On failure the logs say why; keep them with the test output.
        for log in sorted((var_dir / "logs").glob("*.log")):
            tail = log.read_text(errors="replace").splitlines()[-15:]
            if any("Traceback" in line or "ERROR" in line for line in tail):
                print(f"--- {log.name} (last lines) ---", *tail, sep="\n")


@pytest.fixture(scope="package")
def gateway_url(stack: Stack) -> str:
    """Base URL of the stack's gateway, e.g. http://127.0.0.1:41234 (no trailing slash)."""
    return stack.config.gateway_url


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    """Headless Debian Chromium (LIMS_CHROMIUM overrides the path); fails if it is missing."""
    with sync_playwright() as playwright:
        chromium = launch(playwright)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser: Browser, gateway_url: str) -> Iterator[Page]:
    """A page nobody is signed in on, in a fresh French context (Casablanca time)."""
    context = new_context(browser, gateway_url)
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture
def login_as(browser: Browser, gateway_url: str) -> Iterator[Callable[[str], Page]]:
    """`login_as("reviewer")`: a page signed in as that demo user, in a context of its own.

    Call it once per role the test needs; every context is closed when the test ends."""
    contexts: list[BrowserContext] = []

    def open_as(role: str) -> Page:
        signed_in = login(browser, gateway_url, role)
        contexts.append(signed_in.context)
        return signed_in

    try:
        yield open_as
    finally:
        for context in contexts:
            context.close()
