"""Background work for alerts, run by `reattune worker` (docs/worker.md)."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django_tasks import task

from reattune.alerts.models import Alert
from reattune.alerts.services import alert_recipients
from reattune.worker.backend import URGENT_PRIORITY


# Urgent: it runs before any other waiting task, and a full queue never refuses it.
@task(priority=URGENT_PRIORITY)
def email_urgent_alert(alert_id: int, clinic_id: int | None = None) -> int:
    """Email the clinicians and supervisors about an urgent alert. The email says only that
    there is an urgent alert and where to see it: no client details leave the system by email.
    `clinic_id` shows a failure to that clinic's admin (docs/worker.md)."""
    alert = Alert.objects.select_related("case", "client", "clinic").get(pk=alert_id)
    recipients = [u.email for u in alert_recipients(alert)]
    if not recipients:
        return 0
    link = settings.BASE_URL.rstrip("/") + reverse("alert_detail", args=[alert.pk])
    body = render_to_string("alerts/email_urgent.txt", {"alert": alert, "link": link})
    return send_mail(
        subject=f"[Reattune] Urgent alert for client {alert.client.code}",
        message=body,
        from_email=None,
        recipient_list=recipients,
    )


# Urgent too: what it finds may be a safety signal, whose own email then follows at once.
@task(priority=URGENT_PRIORITY)
def raise_alerts_for_session(session_id: int, clinic_id: int | None = None) -> int:
    """Run detection for a session whose answers have just arrived and store its alerts (once:
    a re-run after a retry raises nothing twice). Queued in the same transaction as the
    answers (reattune/checks/services.py `alerts_raise_after`)."""
    from reattune.alerts.services import alerts_raise_for_session
    from reattune.cases.models import TherapySession

    session = TherapySession.objects.select_related("case").get(pk=session_id)
    return len(alerts_raise_for_session(session=session))
