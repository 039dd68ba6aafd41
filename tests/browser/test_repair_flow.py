"""End to end in a real Chromium, in the synthetic demo clinic: a clinician starts a repair from
a rupture alert, plans it, records the conversation, and the client's next check, answered on
a phone, says it held. And an amendment keeps the earlier version on the record.

Screenshots of the repair page, at desktop and phone widths, go to /tmp/shots/.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from reattune.alerts.models import Alert, AlertStatus
from reattune.cases.models import Case, CaseKind
from reattune.clinics.models import Clinic, User
from reattune.demo.people import DEMO_PASSWORD
from reattune.demo.seed import demo_seed
from reattune.repairs.models import Repair, RepairStatus, Source

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots")  # noqa: S108 - screenshots for review, outside the repository
RUPTURE = "Possible rupture in the alliance"


@pytest.fixture
def demo(transactional_db: None) -> Clinic:
    return demo_seed()


@pytest.fixture
def shots() -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    return SHOTS


def log_in(page: Page, base: str, user: User) -> None:
    page.goto(f"{base}/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Your caseload")).to_be_visible()


def a_rupture_to_repair(clinic: Clinic) -> Alert:
    """An open rupture alert in an individual case with no repair yet and no recovery since,
    whose client answered the latest session's check: the next session's check will judge it."""
    for alert in (
        Alert.objects.filter(
            clinic=clinic,
            signal="alliance_rupture",
            status=AlertStatus.OPEN,
            case__kind=CaseKind.INDIVIDUAL,
            repair__isnull=True,
        )
        .select_related("case", "session", "client")
        .order_by("pk")
    ):
        latest = alert.case.sessions.order_by("-number").first()
        recovered = alert.case.alerts.filter(
            signal="repair_held", session__number__gt=alert.session.number
        ).exists()
        if latest and latest.responses.filter(measure_id="alliance").exists() and not recovered:
            return alert
    raise AssertionError("the demo has no open rupture alert a repair can start from")


def answer_the_check_warmly(phone: Page, url: str) -> None:
    """Every alliance item 10 out of 10, nothing felt off, no symptoms."""
    phone.goto(url)
    expect(phone.get_by_role("heading", name="A minute about your session")).to_be_visible()
    for item in ("I felt respected", "We agreed on what", "What we did in", "I'd feel able to say"):
        phone.get_by_role("group", name=re.compile(item)).get_by_label(re.compile(r"^10\b")).check()
    phone.get_by_role("group", name=re.compile("feel off")).get_by_label("No").check()
    for group in phone.get_by_role("group", name=re.compile(r"^\d+\. ")).all():
        if group.get_by_label("Not at all", exact=True).count():
            group.get_by_label("Not at all", exact=True).check()
    phone.get_by_role("button", name="Send my answers").click()
    expect(phone.get_by_role("heading", name="Thank you")).to_be_visible()


def start_the_repair(page: Page, alert: Alert) -> None:
    row = page.locator("li.alert-row").filter(has_text=RUPTURE).filter(has_text=alert.client.code)
    expect(row).to_have_count(1)
    row.get_by_role("link", name="Start a repair").click()

    expect(page.get_by_role("heading", name="Start a repair")).to_be_visible()
    what = page.get_by_label("What happened, in your words")
    expect(what).to_have_value(
        re.compile(re.escape(f"{alert.title} after session {alert.session.number}"))
    )
    expect(page.get_by_label("The session it happened in")).to_have_value(str(alert.session_id))
    kinds = page.get_by_role("group", name="What kind of mistake")
    expect(kinds.get_by_label("Alliance rupture")).to_be_checked()

    what.fill(
        "I pressed on with my plan for the session when the client wanted to talk about work."
    )
    page.get_by_role("group", name="For an alliance rupture").get_by_label("Withdrawal").check()
    page.get_by_role("group", name="Harm", exact=True).get_by_label(
        "Reached the client, no harm"
    ).check()
    page.get_by_role("button", name="Open the repair").click()


def plan_the_repair(page: Page) -> None:
    expect(page.get_by_role("heading", name="Plan the repair")).to_be_visible()
    page.get_by_role("group", name=re.compile("^Explain your intention")).get_by_label(
        "Include this step"
    ).uncheck()
    page.get_by_role("group", name="Name what happened").get_by_label("What you might say").fill(
        "Last week I kept us on my plan when you wanted to talk about work."
    )
    page.get_by_role("button", name="Save the plan").click()
    plan = page.locator("section", has=page.get_by_role("heading", name="The repair"))
    expect(plan).to_contain_text("Last week I kept us on my plan")
    expect(plan).not_to_contain_text("Explain your intention")


def record_the_conversation(page: Page) -> None:
    page.get_by_role("link", name="Record how it went").click()
    expect(page.get_by_role("heading", name="How the repair conversation went")).to_be_visible()
    page.get_by_label("How it went").fill(
        "I named it and said sorry; they said work is what keeps them up at night."
    )
    page.get_by_label("What the client said they needed").fill("Room to bring work first.")
    page.get_by_label("The next step you agreed").fill("They choose where we start.")
    page.get_by_role("button", name="Record it").click()
    verdict = page.locator("section", has=page.get_by_role("heading", name="Did it hold?"))
    expect(verdict).to_contain_text("Waiting for the client. Their checks after session")


def send_the_next_check(page: Page, base: str, case: Case) -> str:
    """Add the next session on the case page and create its check link; return the link."""
    page.goto(f"{base}{reverse('case_detail', args=[case.pk])}")
    add = page.locator("section", has=page.get_by_role("heading", name="Add a session"))
    add.get_by_label("Date").fill(timezone.localdate().isoformat())
    add.get_by_label("Attendance").select_option("attended")
    add.get_by_role("button", name="Add to the log").click()
    page.get_by_role("button", name="Create a check link").click()
    return page.locator("input[data-check-url]").input_value()


def test_a_repair_from_a_rupture_alert_is_held_by_the_clients_next_check(
    live_server, demo, page, phone_page, shots
):
    problems: list[str] = []
    for p in (page, phone_page):
        p.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    alert = a_rupture_to_repair(demo)
    clinician = alert.case.clinicians.get()
    log_in(page, live_server.url, clinician)

    start_the_repair(page, alert)
    plan_the_repair(page)
    repair = Repair.objects.get(alert=alert)
    assert (repair.source, repair.kind, repair.harm) == (
        Source.ALERT,
        "alliance_rupture",
        "no_harm",
    )
    assert repair.current().marker == "withdrawal"
    record_the_conversation(page)

    answer_the_check_warmly(phone_page, send_the_next_check(page, live_server.url, alert.case))

    repair.refresh_from_db()
    assert repair.status == RepairStatus.HELD
    assert repair.before_total is not None and repair.after_total is not None
    assert repair.before_total < repair.after_total == 40
    page.goto(f"{live_server.url}{reverse('repair_detail', args=[repair.pk])}")
    verdict = page.locator("section", has=page.get_by_role("heading", name="Did it hold?"))
    expect(page.locator(".badge", has_text="Held")).to_be_visible()
    expect(verdict).to_contain_text(
        f"{repair.before_total:.0f} before, {repair.after_total:.0f} after"
    )
    expect(verdict.locator("figure.chart svg")).to_be_visible()
    page.screenshot(path=shots / "repair-held-desktop.png", full_page=True)

    log_in(phone_page, live_server.url, clinician)
    phone_page.goto(f"{live_server.url}{reverse('repair_detail', args=[repair.pk])}")
    expect(phone_page.locator("figure.chart svg")).to_be_visible()
    phone_page.screenshot(path=shots / "repair-held-phone.png", full_page=True)
    overflow = phone_page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"the repair page is {overflow}px wider than the phone"
    assert problems == [], problems


def test_amending_the_record_keeps_the_earlier_version_visible(live_server, demo, page, shots):
    repair = Repair.objects.get(clinic=demo, source=Source.ALERT)
    first = repair.current().what_happened
    log_in(page, live_server.url, repair.case.clinicians.get())
    page.goto(f"{live_server.url}{reverse('repair_detail', args=[repair.pk])}")

    what = page.locator("section", has=page.get_by_role("heading", name="What happened"))
    what.get_by_role("link", name="Amend", exact=True).click()
    expect(page.get_by_role("heading", name="Amend what happened")).to_be_visible()
    expect(page.get_by_label("What happened, in your words")).to_have_value(first)
    page.get_by_label("What happened, in your words").fill(
        "I steered us back to my own formulation three times; I had noted only once."
    )
    page.get_by_label("Why are you changing it?").fill("Rereading my notes, it happened more.")
    page.get_by_role("button", name="Save as a new version").click()

    expect(what).to_contain_text("three times")
    expect(what.locator(".badge", has_text="Amended")).to_be_visible()
    expect(what).to_contain_text("Rereading my notes, it happened more.")
    earlier = what.locator("details", has_text="Earlier versions (1)")
    earlier.locator("summary").click()
    expect(earlier).to_contain_text(first[:60])
    page.screenshot(path=shots / "repair-amended-desktop.png", full_page=True)
    assert repair.versions.count() == 2
