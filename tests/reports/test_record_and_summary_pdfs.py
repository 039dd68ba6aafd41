"""The supervision meeting record and the learning summary come as PDFs too, from the same
templates as their printable pages, and only to the people who may read them."""

from __future__ import annotations

import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from reattune.supervision.services import meeting_create, topic_add
from tests.reports.helpers import needs_weasyprint

pytestmark = pytest.mark.django_db


def meeting(world):  # type: ignore[no-untyped-def]
    found, _ = meeting_create(
        supervisor=world.supervisor,
        supervisee=world.trainee,
        held_on=timezone.localdate(),
        item_keys=[],
        form_key=uuid.uuid4(),
    )
    topic_add(meeting=found, by=world.supervisor, title="Pacing at endings")
    return found


def test_the_meeting_record_downloads_as_a_pdf_for_the_supervisor_and_the_supervisee(world, login):
    needs_weasyprint()
    url = reverse("meeting_record_pdf", args=[meeting(world).pk])
    for person in (world.supervisor, world.trainee):
        response = login(person).get(url)
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF-")
        assert "supervision-record-" in response["Content-Disposition"]


def test_the_meeting_record_pdf_is_not_found_for_anyone_else(world, other_world, login):
    url = reverse("meeting_record_pdf", args=[meeting(world).pk])
    for person in (world.colleague, world.clinician, other_world.supervisor):
        assert login(person).get(url).status_code == 404


def test_the_printable_record_offers_the_pdf(world, login):
    found = meeting(world)
    page = login(world.supervisor).get(reverse("meeting_record", args=[found.pk]))
    assert reverse("meeting_record_pdf", args=[found.pk]) in page.content.decode()
    assert "Pacing at endings" in page.content.decode()


def test_the_learning_summary_downloads_as_a_pdf_for_oneself_and_a_current_supervisor(world, login):
    needs_weasyprint()
    own = login(world.trainee).get(reverse("learning_summary_pdf"))
    assert own.status_code == 200 and own.content.startswith(b"%PDF-")
    url = reverse("learning_person_summary_pdf", args=[world.trainee.pk])
    assert login(world.supervisor).get(url).content.startswith(b"%PDF-")


def test_the_learning_summary_pdf_is_private_from_admins_and_colleagues(world, login):
    url = reverse("learning_person_summary_pdf", args=[world.trainee.pk])
    for person in (world.admin, world.colleague, world.clinician):
        assert login(person).get(url).status_code == 404
