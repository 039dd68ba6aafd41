"""Requirement 11: a browser run over the main flows records zero Content-Security-Policy
violations.

In a real Chromium, in the synthetic demo clinic: log in, the caseload, a client's page, an
alert taken to a repair, a check link sent and answered on a phone, supervision, learning, the
client's report and its PDF, and the people and audit pages as the clinic admin. An init script
in every page reports each `securitypolicyviolation` event, and console messages that mention
the Content Security Policy are kept too; at the end both lists must be empty, and every page
must have had a policy to break.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from reattune.clinics.models import Clinic, Role, User
from reattune.demo.people import DEMO_PASSWORD
from tests.browser.test_repair_flow import (
    a_rupture_to_repair,
    answer_the_check_warmly,
    demo,  # noqa: F401 - the demo clinic fixture
    log_in,
    send_the_next_check,
    start_the_repair,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REPORT = """
document.addEventListener("securitypolicyviolation", (e) => {
  window.reportCspViolation(
    `${e.violatedDirective} blocked ${e.blockedURI || "inline"} on ${document.location.pathname}`
  );
});
"""


def watch(page: Page, violations: list[str]) -> Callable[[], None]:
    """Record every CSP violation and CSP console message in this page's browser context; the
    returned check asserts the page in view was served with a policy at all."""
    page.context.expose_binding("reportCspViolation", lambda _source, text: violations.append(text))
    page.context.add_init_script(REPORT)
    page.on(
        "console",
        lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None,
    )
    policies: dict[str, str] = {}

    def remember(response: Any) -> None:
        if response.request.resource_type == "document":
            policies[response.url] = response.headers.get("content-security-policy", "")

    page.on("response", remember)

    def every_page_had_a_policy() -> None:
        assert policies, "no page was opened"
        for url, header in policies.items():
            assert "'nonce-" in header and "frame-ancestors 'none'" in header, url

    return every_page_had_a_policy


def test_the_main_flows_break_no_content_security_policy(live_server, demo, page, phone_page):  # noqa: F811
    violations: list[str] = []
    checks = [watch(page, violations), watch(phone_page, violations)]
    base = live_server.url
    alert = a_rupture_to_repair(demo)
    clinician = alert.case.clinicians.get()

    log_in(page, base, clinician)  # the caseload
    page.goto(f"{base}{reverse('client_detail', args=[alert.client_id])}")
    expect(page.locator("h1")).to_contain_text(alert.client.code)
    page.goto(f"{base}{reverse('home')}")
    start_the_repair(page, alert)
    expect(page.get_by_role("heading", name="Plan the repair")).to_be_visible()

    answer_the_check_warmly(phone_page, send_the_next_check(page, base, alert.case))

    for name in ("supervision_queue", "learning_home", "repair_list", "client_list"):
        page.goto(f"{base}{reverse(name)}")
        expect(page.locator("h1")).to_be_visible()
    page.get_by_label("Find a client by code or name").fill(alert.client.code)
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("link", name=alert.client.code)).to_be_visible()

    page.goto(f"{base}{reverse('client_report', args=[alert.client_id])}")
    expect(page.locator("h1")).to_be_visible()
    pdf = page.request.get(f"{base}{reverse('client_report_pdf', args=[alert.client_id])}")
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"

    page.context.clear_cookies()
    admin_logs_in(page, base, admin_of(demo))
    page.goto(f"{base}{reverse('people')}")
    expect(page.get_by_role("heading", name="People")).to_be_visible()
    page.goto(f"{base}/audit/")
    page.goto(f"{base}/no-such-page/")  # the error page is a page too

    for check in checks:
        check()
    assert violations == [], violations


def admin_logs_in(page: Page, base: str, admin: User) -> None:
    """As log_in does, but an admin's start page has no caseload of their own."""
    page.goto(f"{base}/login/")
    page.get_by_label("Email").fill(admin.email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("link", name="People")).to_be_visible()


def admin_of(clinic: Clinic) -> User:
    admin = User.objects.filter(clinic=clinic, role=Role.ADMIN, is_active=True).first()
    assert admin is not None, "the demo clinic has an admin"
    return admin


def test_the_watch_does_see_a_violation(live_server, transactional_db, page):
    """So the zero above means something: an inline script added to a page is reported."""
    violations: list[str] = []
    watch(page, violations)
    page.goto(f"{live_server.url}/login/")
    page.evaluate(
        "() => { const s = document.createElement('script');"
        " s.textContent = 'window.ran = true'; document.body.append(s); }"
    )
    page.wait_for_timeout(300)
    assert page.evaluate("() => window.ran === undefined")
    assert any("script-src" in v for v in violations), violations
