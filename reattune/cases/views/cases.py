from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from reattune.cases.forms import AttendanceForm, CaseCloseForm, CaseForm, SessionForm
from reattune.cases.models import Case, Client, Participant, TherapySession
from reattune.cases.services import case_create, session_attendance_set, session_record
from reattune.checks.models import Response
from reattune.clinics.models import User
from reattune.core.pagination import paginate
from reattune.lib.charts import Series, line_chart


@login_required
def case_create_view(request: HttpRequest, client_id: int | None = None) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    initial = {}
    if client_id is not None:
        client = get_object_or_404(Client.objects.for_user(user), pk=client_id)
        initial = {"clients": [client.pk]}
    form = CaseForm(request.POST or None, user=user, initial=initial)
    if request.method == "POST" and form.is_valid():
        clinicians = list(form.cleaned_data["clinicians"]) or [user]
        try:
            case = case_create(
                clinic=user.clinic,  # type: ignore[arg-type]
                kind=form.cleaned_data["kind"],
                title=form.cleaned_data["title"],
                clients=list(form.cleaned_data["clients"]),
                clinicians=clinicians,
            )
        except ValidationError as e:
            form.add_error(None, e)
        else:
            messages.success(request, "Case opened. Add its first session below.")
            if not case.clinicians.filter(pk=user.pk).exists() and not user.is_clinic_admin:
                return redirect("home")
            return redirect("case_detail", case_id=case.pk)
    return render(request, "cases/case_form.html", {"form": form})


@login_required
def case_detail(request: HttpRequest, case_id: int) -> HttpResponse:
    case = get_object_or_404(Case.objects.for_user(request.user), pk=case_id)
    participants = list(case.participants.select_related("client"))
    sessions = paginate(request, case.sessions.order_by("-number"), param="sessions")
    return render(
        request,
        "cases/case_detail.html",
        {
            "case": case,
            "participants": participants,
            "clinicians": case.clinicians.all(),
            "sessions": sessions,
            "alliance_chart": _alliance_by_participant(case, participants),
            "close_form": CaseCloseForm(initial={"closed_on": timezone.localdate()}),
            "session_form": SessionForm(
                initial={"attendance": "attended", "date": timezone.localdate()}
            ),
        },
    )


def _alliance_by_participant(case: Case, participants: list[Participant]) -> str:
    """In a joint case each person's alliance gets its own line, so a split shows at once."""
    rows = Response.objects.filter(session__case=case, measure_id="alliance").values_list(
        "participant_id", "session__number", "total"
    )
    points: dict[int, list[tuple[int, float]]] = {p.pk: [] for p in participants}
    for participant_id, number, total in rows:
        points.setdefault(participant_id, []).append((number, float(total)))
    if not any(points.values()):
        return ""
    series = [
        Series(label=p.label or p.client.code, points=sorted(points[p.pk])) for p in participants
    ]
    return line_chart(
        title="Alliance check by participant (0–40, higher is better)",
        series=series,
        y_min=0,
        y_max=40,
        y_label="Alliance",
    )


@login_required
@require_POST
def session_create(request: HttpRequest, case_id: int) -> HttpResponse:
    case = get_object_or_404(Case.objects.for_user(request.user), pk=case_id)
    form = SessionForm(request.POST)
    if form.is_valid():
        try:
            session = session_record(
                case=case,
                date=form.cleaned_data["date"],
                attendance=form.cleaned_data["attendance"],
                number=form.cleaned_data["number"],
            )
        except ValidationError as e:
            for text in e.messages:
                messages.error(request, text)
        else:
            messages.success(request, f"Session {session.number} added to the log.")
            return redirect("session_checks", session_id=session.pk)
    else:
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            for error in errors:
                messages.error(request, f"{label}: {error}" if label else str(error))
    return redirect("case_detail", case_id=case.pk)


@login_required
@require_POST
def case_close(request: HttpRequest, case_id: int) -> HttpResponse:
    """Close a case; closed cases calibrate the clinic's expected-response bands."""
    case = get_object_or_404(Case.objects.for_user(request.user), pk=case_id)
    form = CaseCloseForm(request.POST)
    if case.closed_on is not None:
        messages.error(request, f"This case was already closed on {case.closed_on:%d %b %Y}.")
    elif not form.is_valid():
        for error in form.errors.get("closed_on", []):
            messages.error(request, str(error))
    elif form.cleaned_data["closed_on"] < case.opened_on:
        messages.error(request, "A case cannot close before it opened.")
    elif form.cleaned_data["closed_on"] > timezone.localdate():
        messages.error(request, "A case cannot close on a date still to come.")
    else:
        case.closed_on = form.cleaned_data["closed_on"]
        case.save(update_fields=["closed_on"])
        messages.success(request, "Case closed. Its record stays as it is.")
    return redirect("case_detail", case_id=case.pk)


@login_required
@require_POST
def session_attendance(request: HttpRequest, session_id: int) -> HttpResponse:
    session = get_object_or_404(TherapySession.objects.for_user(request.user), pk=session_id)
    form = AttendanceForm(request.POST)
    if form.is_valid():
        session_attendance_set(session=session, attendance=form.cleaned_data["attendance"])
        messages.success(
            request, f"Session {session.number} marked {session.get_attendance_display().lower()}."
        )
    else:
        messages.error(request, "Please choose attended, cancelled, did not attend or scheduled.")
    return redirect("session_checks", session_id=session.pk)
