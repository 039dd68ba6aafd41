"""Background work for alerts (run through django-tasks)."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django_tasks import task

from reattune.alerts.models import Alert
from reattune.alerts.services import alert_recipients


@task()
def email_urgent_alert(alert_id: int) -> int:
    """Email the clinicians and supervisors about an urgent alert. The email says only that
    there is an urgent alert and where to see it: no client details leave the system by email."""
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
