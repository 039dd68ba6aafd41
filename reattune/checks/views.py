"""The clinician's side of the check: links, QR codes and emails for one session."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_POST

from reattune.cases.forms import AttendanceForm
from reattune.cases.models import Participant, TherapySession
from reattune.checks.models import CheckLink, Response
from reattune.checks.services import CannotIssueLink, check_link_create, current_link
from reattune.checks.tasks import email_check_link
from reattune.lib.qr import qr_svg
from reattune.worker.backend import QueueFull


@dataclass(frozen=True)
class ParticipantCheck:
    participant: Participant
    responses: list[Response]
    link: CheckLink | None
    url: str
    qr: SafeString


@login_required
def session_checks(request: HttpRequest, session_id: int) -> HttpResponse:
    session = get_object_or_404(
        TherapySession.objects.for_user(request.user).select_related("case"), pk=session_id
    )
    responses = list(Response.objects.filter(session=session))
    rows = []
    for participant in session.case.participants.select_related("client"):
        link = current_link(session, participant)
        url = request.build_absolute_uri(reverse("check_form", args=[link.token])) if link else ""
        title = f"Check link for {participant.client.code}, session {session.number}"
        rows.append(
            ParticipantCheck(
                participant=participant,
                responses=[r for r in responses if r.participant_id == participant.pk],
                link=link,
                url=url,
                qr=mark_safe(qr_svg(url, title=title)) if url else SafeString(""),
            )
        )
    return render(
        request,
        "checks/session_checks.html",
        {
            "session": session,
            "rows": rows,
            "attendance_form": AttendanceForm(initial={"attendance": session.attendance}),
        },
    )


@login_required
@require_POST
def link_create(request: HttpRequest, session_id: int, participant_id: int) -> HttpResponse:
    session = get_object_or_404(TherapySession.objects.for_user(request.user), pk=session_id)
    participant = get_object_or_404(Participant.objects.for_user(request.user), pk=participant_id)
    try:
        check_link_create(session=session, participant=participant, created_by=request.user)  # type: ignore[arg-type]
    except CannotIssueLink as e:
        messages.error(request, str(e))
    else:
        messages.success(request, f"A new check link for {participant.client.code} is ready.")
    return redirect("session_checks", session_id=session.pk)


@login_required
@require_POST
def link_email(request: HttpRequest, link_id: int) -> HttpResponse:
    link = get_object_or_404(
        CheckLink.objects.for_user(request.user).select_related("participant__client", "session"),
        pk=link_id,
    )
    client = link.participant.client
    if not client.email:
        messages.error(
            request, f"{client.code} has no email address on record. Add one, or show the QR code."
        )
    elif link.is_used or link.is_expired:
        messages.error(request, "That link can no longer be used. Create a new one first.")
    else:
        # Sent by the worker, so a slow or failing mail server never holds up the page; the
        # page shows "Emailed" with the time once it has gone (docs/worker.md).
        try:
            email_check_link.enqueue(
                link_id=link.pk, clinic_id=link.clinic_id, site=request.build_absolute_uri("/")
            )
        except QueueFull as e:
            messages.error(request, str(e))
        else:
            messages.success(request, f"The check link is being emailed to {client.code}.")
    return redirect("session_checks", session_id=link.session_id)
