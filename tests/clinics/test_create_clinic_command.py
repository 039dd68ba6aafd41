"""`reattune create_clinic` and `reattune invite`: the first admin on a new server."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError

from reattune.clinics.models import Clinic, Role, User

pytestmark = pytest.mark.django_db

ARGS = ["--name", "Example Clinic", "--slug", "example"]
ADMIN = ["--admin-email", "alex@example.org", "--admin-name", "Alex Admin"]


def test_it_creates_the_clinic_and_its_admin_and_emails_the_invitation(settings, capsys):
    settings.BASE_URL = "https://reattune.example.org"
    call_command("create_clinic", *ARGS, *ADMIN)
    clinic = Clinic.objects.get(slug="example")
    admin = User.objects.get(email="alex@example.org")
    assert clinic.name == "Example Clinic"
    assert (admin.clinic_id, admin.role, admin.has_usable_password()) == (
        clinic.pk,
        Role.ADMIN,
        False,
    )
    assert clinic.measure_schedule.exists()
    [invitation] = mail.outbox
    assert invitation.to == ["alex@example.org"]
    assert "https://reattune.example.org/" in invitation.body
    assert "Created clinic 'Example Clinic' (example)" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--name", "X", "--slug", "bad slug", *ADMIN], "slug"),
        ([*ARGS, "--admin-email", "not-an-email", "--admin-name", "Alex"], "email"),
        ([*ARGS, "--admin-email", "alex@example.org", "--admin-name", "  "], "--admin-name"),
        (["--name", "", "--slug", "example", *ADMIN], "name"),
    ],
)
def test_bad_input_creates_nothing(args, says):
    with pytest.raises(CommandError) as refused:
        call_command("create_clinic", *args)
    assert says in str(refused.value)
    assert not Clinic.objects.exists()
    assert not User.objects.exists()
    assert not mail.outbox


def test_a_taken_slug_or_email_creates_nothing():
    call_command("create_clinic", *ARGS, *ADMIN)
    with pytest.raises(CommandError, match="already a clinic with the slug 'example'"):
        call_command("create_clinic", *ARGS, "--admin-email", "b@example.org", "--admin-name", "B")
    with pytest.raises(CommandError, match="already has an account"):
        call_command(
            "create_clinic", "--name", "Other", "--slug", "other", "--admin-email",
            "ALEX@example.org", "--admin-name", "Someone",
        )  # fmt: skip
    assert list(Clinic.objects.values_list("slug", flat=True)) == ["example"]
    assert User.objects.count() == 1


def test_invite_sends_a_fresh_invitation_and_refuses_strangers(capsys):
    call_command("create_clinic", *ARGS, *ADMIN)
    mail.outbox.clear()
    call_command("invite", "Alex@Example.org")
    assert [m.to for m in mail.outbox] == [["alex@example.org"]]
    with pytest.raises(CommandError, match="Nobody on this installation"):
        call_command("invite", "nobody@example.org")
