"""The browser: the distribution's Chromium, headless, driven by Playwright (one per test run of
this folder); each test gets a fresh page, and may keep screenshots in test-artifacts/browser/.

Playwright cannot download its own browsers on these machines: ``make test`` installs Debian's
``chromium`` where it is missing (as root), and the tests launch it by its path. Without one they
skip, saying how to install it; where ``CI`` is set they fail instead, so CI never passes silently.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Request, sync_playwright

from local.template import ROOT
from tests.browser.stack import SHOP
from tests.support.openapi_check import check_browser_response

ARTIFACTS = ROOT / "test-artifacts" / "browser"
# Those FACTS.md lists for Debian's Chromium in a container without a display or a GPU.
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
MISSING = (
    "no Chromium for the browser tests: `make test` installs it as root on Debian "
    "(apt-get install chromium); elsewhere install chromium, or set CHROMIUM to its path"
)


def chromium_path() -> str | None:
    """``CHROMIUM`` if set, else the distribution's binary on PATH."""
    return os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    path = chromium_path()
    if path is None:
        if os.environ.get("CI"):
            pytest.fail(MISSING)
        pytest.skip(MISSING)
    shutil.rmtree(ARTIFACTS, ignore_errors=True)  # this run's screenshots only
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh tab (its own storage) at a laptop's size; a script error on the page fails the test,
    and so does an answer of the API the OpenAPI document does not describe (as for every test)."""
    context = browser.new_context(viewport={"width": 1100, "height": 800})
    context.set_default_timeout(10_000)
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    finished: list[Request] = []
    opened.on("requestfinished", lambda request: finished.append(request))
    yield opened
    for request in finished:  # while the browser still holds their bodies
        check_browser_response(request)
    context.close()
    assert errors == [], f"the page threw: {errors}"


@pytest.fixture
def browser_requests(page: Page) -> list[Request]:
    """Every request the page sends, in order."""
    sent: list[Request] = []
    page.on("request", lambda request: sent.append(request))
    return sent


@pytest.fixture(autouse=True)
def _fresh_shop() -> Iterator[None]:
    SHOP.orders.clear()
    SHOP.stock_hold = None
    yield
    if SHOP.stock_hold is not None:
        SHOP.stock_hold.release()
    SHOP.stock_hold = None


Screenshot = Callable[[str], Path]


@pytest.fixture
def screenshot(page: Page, request: pytest.FixtureRequest) -> Screenshot:
    """``screenshot(label)`` writes test-artifacts/browser/<test>-<label>.png and returns its path."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def take(label: str) -> Path:
        path = ARTIFACTS / f"{request.node.name}-{label}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if ARTIFACTS.is_dir() and any(ARTIFACTS.glob("*.png")):
        terminalreporter.write_line(f"browser screenshots: {ARTIFACTS.relative_to(ROOT)}/")
