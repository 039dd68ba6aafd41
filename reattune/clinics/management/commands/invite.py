"""Email a person a new invitation (a link to set their password).

    reattune invite admin@example.org

For when the first one failed or expired; an admin can also do this on the People page.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from reattune.clinics.management.commands.create_clinic import invitation_report
from reattune.clinics.models import User
from reattune.clinics.services import invitation_send


class Command(BaseCommand):
    help = "Email a person an invitation to set their password."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email")

    def handle(self, *args: Any, **options: Any) -> None:
        email = options["email"].strip()
        person = User.objects.filter(email__iexact=email).first()
        if person is None:
            raise CommandError(f"Nobody on this installation has the email address {email!r}.")
        if not person.is_active:
            raise CommandError(f"{email} is deactivated; a clinic admin can reactivate them.")
        sent = invitation_send(person=person, site_url=settings.BASE_URL)
        self.stdout.write(invitation_report(sent, person.email))
        if not sent:
            raise CommandError("The invitation was not sent.")
