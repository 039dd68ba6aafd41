from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import ConsoleMessage, Error, Page, expect

pytestmark = pytest.mark.browser


def test_it_shows_the_login_page_on_a_phone_without_console_errors(
    live_server, phone_page: Page, results_dir: Path
) -> None:
    # Chromium reports Content Security Policy violations as console errors, so watching the
    # console catches a blocked script or style as well as a broken one.
    problems: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            problems.append(f"{message.text} ({message.location['url']})")

    def on_page_error(error: Error) -> None:
        problems.append(f"uncaught: {error}")

    phone_page.on("console", on_console)
    phone_page.on("pageerror", on_page_error)

    response = phone_page.goto(f"{live_server.url}/login/", wait_until="networkidle")

    assert response is not None and response.status == 200
    assert "script-src" in response.headers["content-security-policy"]
    expect(phone_page.get_by_role("heading", name="Log in")).to_be_visible()
    expect(phone_page.get_by_label("Email")).to_be_visible()
    phone_page.screenshot(path=results_dir / "login-phone.png", full_page=True)
    assert not problems, "\n".join(problems)
