from __future__ import annotations

from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import timezone

from reattune.checks.models import CheckLink


def check_link_email(*, link: CheckLink, url: str) -> None:
    """Send the client their link. The email names no clinic details beyond the clinic's
    name, and nothing about why they are in therapy."""
    client = link.participant.client
    body = render_to_string(
        "checks/email_link.txt", {"link": link, "url": url, "clinic": link.clinic}
    )
    send_mail(
        subject=f"A one-minute check after your session at {link.clinic.name}",
        message=body,
        from_email=None,
        recipient_list=[client.email],
    )
    link.emailed_to = client.email
    link.emailed_at = timezone.now()
    link.save(update_fields=["emailed_to", "emailed_at"])
