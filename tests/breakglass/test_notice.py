"""Requirement 4: a notice to the clinic admin: who, which client code, until when, and a link
to the grants page. Never the client's name, nor the reason (it may hold clinical detail)."""

from __future__ import annotations

from django.core import mail
from django.urls import reverse

from reattune.breakglass.models import Grant
from reattune.cases.models import Client
from reattune.clinics.models import Role
from tests.breakglass.helpers import REASON, URL, client_of, form
from tests.factories import ClinicWorld, make_person


def named(client: Client) -> Client:
    client.name = "Alexandra Quill"
    client.save()
    return client


def test_the_clinic_admins_are_emailed_with_the_code_and_never_the_name_or_reason(
    world: ClinicWorld, other_world: ClinicWorld, login, django_capture_on_commit_callbacks
) -> None:
    """Requirement 4: the notice to the clinic admin."""
    second_admin = make_person(world.clinic, Role.ADMIN)
    target = named(client_of(world.colleague_case))
    with django_capture_on_commit_callbacks(execute=True):
        assert login(world.clinician).post(URL, form(target)).status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert sorted(message.to) == sorted([world.admin.email, second_admin.email])
    assert other_world.admin.email not in message.to
    text = f"{message.subject} {message.body}"
    assert target.code in message.body
    assert str(world.clinician) in message.body
    assert "http://testserver" + reverse("breakglass_grants") in message.body
    assert "Alexandra" not in text and "Quill" not in text
    assert REASON[:20] not in text
    assert "gave a reason" in message.body
    assert Grant.objects.get().notice_sent is True


def test_no_email_is_sent_for_a_refused_request(
    world: ClinicWorld, login, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        login(world.clinician).post(URL, form(client_of(world.colleague_case), password="wrong"))
    assert mail.outbox == []


def test_a_failed_email_leaves_the_grant_and_shows_on_the_grants_page(
    world: ClinicWorld, login, settings, django_capture_on_commit_callbacks, monkeypatch
) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise OSError("mail server unreachable")

    monkeypatch.setattr("reattune.breakglass.services.send_mail", refuse)
    with django_capture_on_commit_callbacks(execute=True):
        assert (
            login(world.clinician).post(URL, form(client_of(world.colleague_case))).status_code
            == 302
        )
    assert Grant.objects.get().notice_sent is False
    assert (
        "Email to admins not sent"
        in login(world.admin).get(reverse("breakglass_grants")).content.decode()
    )
