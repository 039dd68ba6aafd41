"""Browser fixtures: Debian's Chromium, driven by Playwright's sync API, against `live_server`.

Use `page` (desktop) or `phone_page` (390 x 844, touch) with pytest-django's `live_server`, and
mark the test `@pytest.mark.browser`. Playwright's own browser download is not used: the tests
need Chromium at /usr/bin/chromium (`apt-get install chromium`), and skip without it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from unittest import mock

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",  # CI runs as root, where Chromium's sandbox will not start
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
RESULTS_DIR = Path(__file__).resolve().parents[2] / "test-results"


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.skip(f"Chromium not found at {CHROMIUM}; install it with apt-get install chromium")
    # While Playwright's sync API is started, an asyncio loop counts as running in this thread,
    # and Django refuses ORM calls from it (SynchronousOnlyOperation), in this test and every
    # later one. The calls are still plain synchronous ones, so lift the check while it runs.
    with (
        mock.patch.dict(os.environ, {"DJANGO_ALLOW_ASYNC_UNSAFE": "true"}),
        sync_playwright() as playwright,
    ):
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    yield context.new_page()
    context.close()


@pytest.fixture
def phone_page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        device_scale_factor=3,
        is_mobile=True,
        has_touch=True,
    )
    yield context.new_page()
    context.close()


@pytest.fixture
def results_dir() -> Path:
    """Where screenshots go: test-results/ at the repository root (not committed)."""
    RESULTS_DIR.mkdir(exist_ok=True)
    return RESULTS_DIR
