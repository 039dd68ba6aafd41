"""The emails a client gets: their check link, at most one reminder of it, and a reminder the
day before a scheduled session (with their last check link, if it is still open).

All are sent by the worker (reattune/checks/tasks.py), never inside a clinician's request, and
none says more than the clinic's name and the session's date: nothing about why the person is
in therapy."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import dateformat, timezone

from reattune.cases.models import Participant, TherapySession
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


def session_reminder_email(
    *, session: TherapySession, participant: Participant, link: CheckLink | None, url: str
) -> None:
    """The one reminder of a session scheduled for tomorrow. With an open link from an earlier
    session, it asks for that check too."""
    body = render_to_string(
        "checks/email_session_reminder.txt",
        {"session": session, "link": link, "url": url, "clinic": session.clinic},
    )
    when = dateformat.format(session.date, "l j F")
    send_mail(
        subject=f"A reminder: your session at {session.clinic.name} on {when}",
        message=body,
        from_email=None,
        recipient_list=[participant.client.email],
    )
