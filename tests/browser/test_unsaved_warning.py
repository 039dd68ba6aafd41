"""Typed but unsaved meeting notes are not dropped without a word: leaving the page (signing
off, following a link) first asks, and staying keeps the words. Saved notes ask nothing."""

from __future__ import annotations

import uuid

import pytest
from django.utils import timezone
from playwright.sync_api import Dialog, Page, expect

from reattune.supervision.services import meeting_create, topic_add
from tests.factories import PASSWORD, make_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
WORDS = "She asked to slow down; I will check in at the halfway point."


def a_meeting_page(page: Page, base: str) -> None:
    world = make_world("Unsaved Words Clinic (synthetic)")
    meeting, _ = meeting_create(
        supervisor=world.supervisor,
        supervisee=world.trainee,
        held_on=timezone.localdate(),
        item_keys=[],
        form_key=uuid.uuid4(),
    )
    topic_add(meeting=meeting, by=world.supervisor, title="Pacing at endings")
    page.goto(f"{base}/login/")
    page.get_by_label("Email").fill(world.supervisor.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{base}/supervision/meetings/{meeting.pk}/")
    expect(page.get_by_role("heading", name="Pacing at endings")).to_be_visible()


def test_leaving_with_unsaved_notes_asks_first_and_staying_keeps_them(live_server, page):
    a_meeting_page(page, live_server.url)
    asked: list[str] = []

    def stay(dialog: Dialog) -> None:
        asked.append(dialog.type)
        dialog.dismiss()

    page.on("dialog", stay)
    notes = page.get_by_label("Notes", exact=True)
    notes.fill(WORDS)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Caseload").click()
    page.wait_for_timeout(500)
    assert asked == ["beforeunload"]
    expect(notes).to_have_value(WORDS)


def test_saved_notes_leave_without_a_question(live_server, page):
    a_meeting_page(page, live_server.url)
    asked: list[str] = []

    def leave(dialog: Dialog) -> None:
        asked.append(dialog.type)
        dialog.accept()

    page.on("dialog", leave)
    page.get_by_label("Notes", exact=True).fill(WORDS)
    page.get_by_role("button", name="Save notes").click()
    expect(page.get_by_role("status").filter(has_text="Notes saved.")).to_be_visible()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Caseload").click()
    expect(page.get_by_role("heading", name="Your caseload")).to_be_visible()
    assert asked == []
