"""End to end in a real Chromium: a clinician hands a client the check link, the client answers
on a phone with the self-harm item above 0, and the urgent alert is on the clinician's home."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from reattune.alerts.models import Alert
from reattune.checks.models import Response
from tests.factories import PASSWORD, ClinicWorld, make_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def live_world(transactional_db: None) -> ClinicWorld:
    return make_world("Browser test clinic (synthetic)")


def log_in(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Your caseload")).to_be_visible()


def answer_check(phone: Page, url: str, *, self_harm: str) -> None:
    phone.goto(url)
    expect(phone.get_by_role("heading", name="A minute about your session")).to_be_visible()
    for item in ("I felt respected", "We agreed on what", "What we did in", "I'd feel able to say"):
        phone.get_by_role("group", name=re.compile(item)).get_by_label("8", exact=True).check()
    phone.get_by_role("group", name=re.compile("feel off")).get_by_label("No").check()
    for group in phone.get_by_role("group", name=re.compile(r"^\d+\. ")).all():
        legend = group.locator("legend").inner_text()
        if "better off dead" in legend:
            group.get_by_label(self_harm).check()
        elif group.get_by_label("Not at all", exact=True).count():
            group.get_by_label("Not at all", exact=True).check()
    phone.get_by_role("button", name="Send my answers").click()


def test_a_clients_self_harm_answer_reaches_the_clinicians_home(
    live_server, live_world, page, phone_page, results_dir
):
    csp_errors: list[str] = []
    for p in (page, phone_page):
        p.on("console", lambda m: csp_errors.append(m.text) if m.type == "error" else None)
    log_in(page, live_server.url, live_world.clinician.email)

    code = live_world.case.participants.get().client.code
    page.get_by_role("link", name=code).first.click()
    page.get_by_role("link", name=re.compile("Check links")).first.click()
    page.get_by_role("button", name="Create a check link").click()
    expect(page.locator(".qr svg")).to_be_visible()
    page.screenshot(path=results_dir / "session-checks.png", full_page=True)
    link = page.locator("input[data-check-url]").input_value()

    answer_check(phone_page, link, self_harm="Several days")
    expect(phone_page.get_by_role("heading", name="Thank you")).to_be_visible()
    expect(phone_page.get_by_text("You mentioned thoughts of harming yourself")).to_be_visible()
    phone_page.screenshot(path=results_dir / "check-thanks-phone.png", full_page=True)

    page.goto(f"{live_server.url}/")
    urgent = page.locator(".alert-urgent").first
    expect(urgent).to_contain_text("Safety: PHQ-9 self-harm item answered")
    expect(urgent).to_contain_text(code)
    page.screenshot(path=results_dir / "home-urgent-alert.png", full_page=True)

    assert Response.objects.filter(measure_id="phq9").get().answers["q9"] == 1
    assert Response.objects.filter(measure_id="alliance").get().total == 32
    assert Alert.objects.get().severity == "urgent"
    assert csp_errors == [], csp_errors


def test_the_phone_form_names_a_missing_answer_and_keeps_the_rest(
    live_server, live_world, phone_page, results_dir
):
    from reattune.checks.services import check_link_create

    participant = live_world.case.participants.get()
    link = check_link_create(
        session=live_world.session, participant=participant, created_by=live_world.clinician
    )
    phone_page.goto(f"{live_server.url}/c/{link.token}/")
    phone_page.get_by_role("group", name=re.compile("I felt respected")).get_by_label(
        "9", exact=True
    ).check()
    phone_page.get_by_label("One thing I'd change").fill("A bit slower, please")
    phone_page.get_by_role("button", name="Send my answers").click()
    expect(phone_page.get_by_text("Some answers need another look")).to_be_visible()
    expect(phone_page.get_by_label("One thing I'd change")).to_have_value("A bit slower, please")
    expect(
        phone_page.get_by_role("group", name=re.compile("I felt respected")).get_by_label(
            "9", exact=True
        )
    ).to_be_checked()
    phone_page.screenshot(path=results_dir / "check-errors-phone.png")
    assert Response.objects.count() == 0
