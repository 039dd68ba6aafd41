"""The emails a client gets about their check link: the link itself, and at most one reminder.

Both are sent by the worker (reattune/checks/tasks.py), never inside a clinician's request."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from reattune.checks.models import CheckLink

# Only when REATTUNE_BASE_URL is unset (a developer's machine): production refuses to start
# without it.
LOCAL_SITE = "http://127.0.0.1:8000"


def check_link_url(link: CheckLink, *, site: str = "") -> str:
    base = settings.BASE_URL or site or LOCAL_SITE
    return base.rstrip("/") + reverse("check_form", args=[link.token])


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


def check_link_reminder_email(*, link: CheckLink, url: str) -> None:
    """The one reminder for a link emailed earlier and not yet answered."""
    body = render_to_string(
        "checks/email_link_reminder.txt", {"link": link, "url": url, "clinic": link.clinic}
    )
    send_mail(
        subject=f"A reminder: your one-minute check for {link.clinic.name}",
        message=body,
        from_email=None,
        recipient_list=[link.participant.client.email],
    )
