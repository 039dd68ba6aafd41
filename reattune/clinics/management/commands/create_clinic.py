"""Create a clinic and its first admin, and email the admin an invitation.

    reattune create_clinic --name "Example Clinic" --slug example \\
        --admin-email admin@example.org --admin-name "Alex Admin"

The first step on a new server (docs/deploy.md): everyone else is then added by that admin on
the People page. The clinic and the admin are created together or not at all; the invitation
goes after they are committed, so a mail failure loses nothing and `reattune invite` resends it.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from reattune.clinics.models import Clinic, Role
from reattune.clinics.services import clinic_create, invitation_send, person_add


def validation_text(error: ValidationError) -> str:
    """One line per problem, each naming its field, for a terminal."""
    if hasattr(error, "error_dict"):
        return "; ".join(
            f"{field}: {' '.join(messages)}" for field, messages in error.message_dict.items()
        )
    return " ".join(error.messages)


def invitation_report(sent: bool, email: str) -> str:
    if sent:
        where = "sent to" if settings.EMAIL_HOST else "printed above (no REATTUNE_EMAIL_HOST) for"
        return f"Invitation {where} {email}."
    return (
        f"The invitation to {email} could not be sent (see the log above). Fix the email "
        f"settings, then: reattune invite {email}"
    )


class Command(BaseCommand):
    help = "Create a clinic and its first clinic admin, and email the admin an invitation."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--name", required=True, help="The clinic's name, as people see it.")
        parser.add_argument(
            "--slug", required=True, help="A short name for commands: letters, digits, - and _."
        )
        parser.add_argument("--admin-email", required=True)
        parser.add_argument("--admin-name", required=True, help="The admin's full name.")

    def handle(self, *args: Any, **options: Any) -> None:
        name, slug = options["name"].strip(), options["slug"].strip()
        email, full_name = options["admin_email"].strip(), options["admin_name"].strip()
        if Clinic.objects.filter(slug=slug).exists():
            raise CommandError(f"There is already a clinic with the slug {slug!r}.")
        if not full_name:
            raise CommandError("--admin-name must not be empty.")
        try:
            with transaction.atomic():
                clinic = clinic_create(name=name, slug=slug)
                admin = person_add(clinic=clinic, email=email, full_name=full_name, role=Role.ADMIN)
                admin.full_clean(exclude=["password"])
        except ValidationError as e:
            raise CommandError(f"Nothing was created. {validation_text(e)}") from None
        self.stdout.write(f"Created clinic {clinic.name!r} ({clinic.slug}) with admin {email}.")
        sent = invitation_send(person=admin, site_url=settings.BASE_URL)
        self.stdout.write(invitation_report(sent, email))
        if not sent:
            raise CommandError("The clinic exists; only the invitation is missing.")
