"""The interactive API documentation (Swagger UI) runs under the site's Content-Security-
Policy: in a real Chromium it shows every operation with no policy violation."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from reattune.api.urls import api
from tests.browser.test_csp import REPORT

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_docs_page_shows_every_operation_without_a_csp_violation(
    live_server,  # type: ignore[no-untyped-def]
    page: Page,
) -> None:
    violations: list[str] = []
    page.context.expose_binding("reportCspViolation", lambda _s, text: violations.append(text))
    page.context.add_init_script(REPORT)
    page.on(
        "console",
        lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None,
    )
    response = page.goto(f"{live_server.url}/api/v1/docs")
    assert response is not None and response.status == 200
    assert "script-src 'self' 'nonce-" in response.headers["content-security-policy"]
    operations = sum(len(item) for item in api.get_openapi_schema()["paths"].values())
    page.locator(".opblock").nth(operations - 1).wait_for()
    assert page.locator(".opblock").count() == operations
    assert violations == []
