"""Helpers for browser tests: the browser the lab uses, a signed-in page per role, screenshots.

Plain functions, so a test can open as many users as its story needs; the fixtures in conftest.py
wrap them and close what they open.
"""

import os
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from deploy.local.launcher import DEMO_USERS
from kernel.settings import ROOT
from tests.support.api import DEMO_PASSWORD

# Debian's chromium: Playwright cannot download its own browser on the lab's machines, and
# `.ci/run` installs this one. LIMS_CHROMIUM points elsewhere (another machine, another build).
DEFAULT_CHROMIUM = "/usr/bin/chromium"
# The issue asks for a screenshot of each main page as a test artifact; the folder is gitignored.
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
# The lab's browsers: French, Moroccan time, so dates and numbers render as users see them.
LOCALE = "fr-FR"
TIMEZONE = "Africa/Casablanca"


def chromium_path() -> str:
    """The Chromium executable to drive; fails the test run (never skips) when it is missing."""
    path = os.environ.get("LIMS_CHROMIUM", DEFAULT_CHROMIUM)
    if not os.access(path, os.X_OK):
        pytest.fail(
            f"no Chromium executable at {path}: install Debian's chromium "
            "(`apt-get install chromium`, as .ci/run does) or set LIMS_CHROMIUM to its path",
            pytrace=False,
        )
    return path


def launch(playwright: Playwright) -> Browser:
    """Headless Chromium from `chromium_path()` (never a browser Playwright downloads)."""
    return playwright.chromium.launch(executable_path=chromium_path(), headless=True)


def new_context(browser: Browser, base_url: str) -> BrowserContext:
    """A fresh browser profile (no cookies) as the lab's users have it; `page.goto("/x")` works."""
    return browser.new_context(base_url=base_url, locale=LOCALE, timezone_id=TIMEZONE)


def login(browser: Browser, base_url: str, role: str) -> Page:
    """A page of a new context, signed in through the sign-in form as the demo user `role`.

    Each role gets its own context, so two users never share a session cookie. On failure the
    page is saved as a screenshot and the test fails saying where the browser ended up."""
    if role not in DEMO_USERS:
        raise ValueError(f"unknown demo user {role!r}; one of {', '.join(DEMO_USERS)}")
    context = new_context(browser, base_url)
    page = context.new_page()
    page.goto("/login")
    page.fill("input[name=username]", role)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    try:
        page.wait_for_url(lambda url: urlsplit(url).path == "/", timeout=15_000)
    except PlaywrightTimeoutError:
        shot = screenshot(page, f"login-failed-{role}")
        pytest.fail(f"{role} was not signed in: the browser stayed at {page.url} (see {shot})")
    return page


def screenshot(page: Page, name: str) -> Path:
    """Saves the whole page as test-artifacts/screenshots/<name>.png; returns the file."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-") or "page"
    path = SCREENSHOTS / f"{safe}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
