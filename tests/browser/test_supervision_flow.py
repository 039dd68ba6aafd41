"""End to end in a real Chromium, in the synthetic demo clinic: Dr Helen Okafor finds Nia's repair
that did not hold and an overdue obligation in her supervision queue, holds a meeting about them,
records notes, guidance and an action for Nia, signs it off (after which the record is amended,
not edited), and the open action comes back on the agenda of her next meeting with Nia.

Screenshots of the queue (desktop and phone) and the meetings go to /tmp/shots/.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Locator, Page, expect

from reattune.clinics.models import Clinic, User
from reattune.demo.people import DEMO_PASSWORD
from reattune.demo.seed import demo_seed
from reattune.repairs.models import Obligation, Repair, RepairStatus
from reattune.supervision.models import ActionItem, Meeting, MeetingStatus

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots")  # noqa: S108 - screenshots for review, outside the repository
NIA = "Nia Campbell"
ACTION = "Write to the client offering a review session, and bring her answer next time."
OTHER_NOTES = "Nia knows the notice is late; she will send it this week."


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


def open_the_queue(page: Page) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Supervision").click()
    expect(page.get_by_role("heading", name="Supervision queue", level=1)).to_be_visible()


def queue_item(section: Locator, label: str, title: str) -> Locator:
    """The queue item with this badge and title, in one supervisee's section."""
    return (
        section.locator("li.queue-item")
        .filter(has=section.page.locator(".badge", has_text=label))
        .filter(has_text=title)
    )


def agenda_item(page: Page, title: str) -> Locator:
    return page.locator("li.agenda-item").filter(
        has=page.get_by_role("heading", name=title, level=2)
    )


def nias_section(page: Page) -> Locator:
    return page.locator("section.card").filter(
        has=page.get_by_role("heading", name=re.compile(f"^{NIA}"))
    )


def start_a_meeting(page: Page, chosen: list[str], held_on: dt.date) -> None:
    """In Nia's section of the queue, tick only the `chosen` items and start the meeting."""
    section = nias_section(page)
    for box in section.get_by_role("checkbox").all():
        box.uncheck()
    for title in chosen:
        section.get_by_role("checkbox", name=title, exact=True).check()
    section.get_by_label("Meeting date").fill(held_on.isoformat())
    section.get_by_role("button", name=f"Start a meeting with {NIA}").click()


def the_queue_on_a_phone(phone: Page, base: str, supervisor: User, shots: Path) -> int:
    """Screenshot the full queue at 390px; return how far it is wider than the screen."""
    log_in(phone, base, supervisor)
    phone.goto(f"{base}{reverse('supervision_queue')}")
    expect(phone.get_by_role("heading", name="Supervision queue")).to_be_visible()
    phone.screenshot(path=shots / "supervision-queue-phone.png", full_page=True)
    width: int = phone.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    return width


def test_a_supervisor_holds_signs_and_follows_up_a_meeting_from_the_queue(
    live_server, demo, page, phone_page, shots
):
    problems: list[str] = []
    for p in (page, phone_page):
        p.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        p.on("pageerror", lambda e: problems.append(str(e)))
    helen = User.objects.get(clinic=demo, email="helen@demo.example")
    nia = User.objects.get(clinic=demo, full_name=NIA)
    today = timezone.localdate()
    # What the demo seeded in Nia's cases (reattune/demo/repairs.py): a repair that did not hold,
    # and ethics and legal obligations past their due date; the earliest due is chosen.
    repair = Repair.objects.get(clinic=demo, status=RepairStatus.NOT_HELD, case__clinicians=nia)
    not_held = f"{repair.get_kind_display()}: {repair.client.code}"
    obligation = (
        Obligation.objects.filter(repair__case__clinicians=nia)
        .overdue(today)
        .select_related("repair__client")
        .order_by("due_on", "pk")
        .first()
    )
    assert obligation is not None, "the demo has no overdue obligation in Nia's cases"
    overdue = f"{obligation.label}: {obligation.repair.client.code}"
    seeded_action = ActionItem.objects.get(meeting__supervisee=nia, done_at__isnull=True)

    # 1. The queue holds both, with why they are there.
    log_in(page, live_server.url, helen)
    open_the_queue(page)
    section = nias_section(page)
    repair_row = queue_item(section, "Repair did not hold", not_held)
    expect(repair_row).to_have_count(1)
    expect(repair_row).to_contain_text("not back to their usual level by session")
    overdue_row = queue_item(section, "Overdue obligation", overdue)
    expect(overdue_row).to_have_count(1)
    expect(overdue_row).to_contain_text(f"Due on {obligation.due_on:%-d %b %Y} and not done")
    page.screenshot(path=shots / "supervision-queue-desktop.png", full_page=True)
    # Measured while the queue is full, asserted at the end so the whole flow still runs.
    overflow = the_queue_on_a_phone(phone_page, live_server.url, helen, shots)

    # 2. A meeting with Nia, with those two on the agenda; her open action comes back by itself.
    start_a_meeting(page, [not_held, overdue], today)
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Supervision: {helen} with {NIA}, {today:%-d %b %Y}"
    )
    expect(page.locator(".badge", has_text="Draft")).to_be_visible()
    expect(page.locator("li.agenda-item")).to_have_count(3)
    expect(agenda_item(page, not_held)).to_be_visible()
    expect(agenda_item(page, overdue)).to_be_visible()
    expect(agenda_item(page, f"Action carried over: {seeded_action.text}")).to_be_visible()

    # 3. Notes and guidance on the repair, and an action for Nia. Words typed into another item
    # and not saved yet are still there after the repair's notes are saved (htmx swaps one item).
    item = agenda_item(page, not_held)
    other = agenda_item(page, overdue)
    other.get_by_label("Notes", exact=True).fill(OTHER_NOTES)
    item.get_by_label("Notes", exact=True).fill(
        "Nia named the rupture before the client left; the client has not come back since."
    )
    item.get_by_label("Guidance", exact=True).fill(
        "Write, don't wait: offer one session to review it."
    )
    item.get_by_role("button", name=re.compile("^Save notes")).click()
    expect(item.get_by_role("status")).to_contain_text("Notes saved.")
    expect(other.get_by_label("Notes", exact=True)).to_have_value(OTHER_NOTES)
    expect(other.get_by_role("status")).to_have_count(0)
    add = page.locator("section", has=page.get_by_role("heading", name="Add an action"))
    add.get_by_label("About").select_option(label=not_held)
    add.get_by_label("Action").fill(ACTION)
    expect(add.get_by_label("Whose")).to_have_value(str(nia.pk))
    due = today + dt.timedelta(days=7)
    add.get_by_label("Due").fill(due.isoformat())
    add.get_by_role("button", name="Add the action").click()
    expect(add.get_by_role("status")).to_contain_text("Action added.")
    expect(item.locator("li.action")).to_contain_text(f"{ACTION} · {NIA} · due {due:%-d %b %Y}")
    expect(other.get_by_label("Notes", exact=True)).to_have_value(OTHER_NOTES)
    other.get_by_role("button", name=re.compile("^Save notes")).click()
    expect(other.get_by_role("status")).to_contain_text("Notes saved.")
    page.screenshot(path=shots / "supervision-meeting-draft.png", full_page=True)

    # 4. Signed off: the page says so, and a change is now an amendment.
    page.get_by_role("button", name="Sign off this meeting").click()
    expect(page.locator(".badge", has_text=f"Signed off by {helen}")).to_be_visible()
    expect(page.get_by_text("This record is amended, not edited.")).to_be_visible()
    expect(item).to_contain_text("Write, don't wait")
    expect(agenda_item(page, overdue)).to_contain_text(OTHER_NOTES)
    expect(page.get_by_role("button", name=re.compile("^Save notes"))).to_have_count(0)
    expect(page.get_by_role("button", name="Sign off this meeting")).to_have_count(0)
    expect(page.get_by_role("heading", name="Add an action")).to_have_count(0)
    page.screenshot(path=shots / "supervision-meeting-signed.png", full_page=True)
    meeting = Meeting.objects.get(supervisor=helen, supervisee=nia, held_on=today)
    assert meeting.status == MeetingStatus.SIGNED
    item.get_by_role("link", name=re.compile("^Amend")).click()
    expect(page.get_by_role("heading", name=f"Amend: {not_held}")).to_be_visible()
    expect(page.get_by_label("Why this amendment")).to_be_visible()
    expect(page.get_by_label("Notes", exact=True)).to_have_value(
        re.compile("^Nia named the rupture")
    )
    page.get_by_role("link", name="← The meeting").click()

    # 5. Both left the queue, discussed; the next meeting brings Nia's new action back.
    open_the_queue(page)
    expect(queue_item(nias_section(page), "Repair did not hold", not_held)).to_have_count(0)
    expect(queue_item(nias_section(page), "Overdue obligation", overdue)).to_have_count(0)
    left = page.locator("section", has=page.get_by_role("heading", name="Recently left"))
    expect(left.get_by_role("listitem").filter(has_text=not_held)).to_have_count(1)
    next_week = today + dt.timedelta(days=7)
    start_a_meeting(page, [], next_week)
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"{next_week:%-d %b %Y}")
    carried = agenda_item(page, f"Action carried over: {ACTION}")
    expect(carried).to_be_visible()
    expect(carried).to_contain_text(
        f"Agreed at the meeting of {today:%-d %b %Y} for {NIA}, due {due:%-d %b %Y}, not done yet."
    )
    expect(carried.get_by_role("button", name=re.compile("^Mark done"))).to_be_visible()
    page.screenshot(path=shots / "supervision-meeting-next.png", full_page=True)

    assert problems == [], problems
    assert overflow <= 0, f"the supervision queue is {overflow}px wider than a 390px phone"
