"""The repair record's pages. Every fetch goes through a `for_user()` queryset, so a record
outside the person's caseload or clinic is a 404; changing a record needs a caseload
(clinicians, trainees, supervisors), except that anyone who can see an obligation may mark
it done (admins carry some of them, such as a breach notification)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import Form
from django.http import HttpResponse, HttpResponseBadRequest, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from reattune.clinics.http import AuthedRequest
from reattune.clinics.models import User
from reattune.core.pagination import paginate
from reattune.repairs import disclosures, obligations, recording, services
from reattune.repairs.forms import (
    AmendForm,
    CloseForm,
    ConversationForm,
    DisclosureForm,
    ObligationDoneForm,
    PlanForm,
    RepairOpenForm,
)
from reattune.repairs.models import Disclosure, Obligation, Repair
from reattune.repairs.presenters import RepairPage
from reattune.repairs.starting import start_from
from reattune.repairs.steps import MARKER_HINTS, default_plan
from reattune.reviews.services import may_start_review

CASELOAD_ONLY = (
    "Only the clinicians on this case and their supervisors can change a repair record. "
    "A clinic admin can read it and mark obligations done."
)
STALE = (
    "Someone changed this record while you had the form open, so nothing was saved. "
    "Your words are still in the form below; the record as it is now is on the repair's page."
)
START_FROM = "Start a repair from an alert, a client's comment or a case."


def _editor(request: AuthedRequest) -> User:
    """The person changing a record: 403 for a clinic admin. Called after the record is
    fetched, so an id outside the person's reach is a 404 for everyone, admins included."""
    if not request.user.holds_caseload:
        raise PermissionDenied(CASELOAD_ONLY)
    return request.user


def _repair(request: AuthedRequest, repair_id: int) -> Repair:
    return get_object_or_404(
        Repair.objects.for_user(request.user).select_related("client", "case", "participant"),
        pk=repair_id,
    )


def _stale(form: Form, current: int) -> None:
    """Nothing was saved and the typed words stay in the form. The form now carries the
    version the record is at, so saving again, having looked, is a deliberate new version
    (which overwrites nothing either)."""
    form.add_error(None, STALE)
    data = cast(QueryDict, form.data).copy()
    data["version"] = str(current)
    form.data = data


def _saved(form: Form, save: Callable[[], object]) -> bool:
    """Run `save`. A stale record or a refusal lands on the form with the typed words kept,
    and nothing is saved."""
    try:
        save()
    except recording.StaleRecord as e:
        _stale(form, e.current)
    except ValidationError as e:
        form.add_error(None, e)
    else:
        return True
    return False


@login_required
def repair_list(request: AuthedRequest) -> HttpResponse:
    repairs = Repair.objects.for_user(request.user).select_related("client", "verified_session")
    show = request.GET.get("show", "open")
    if show != "all":
        repairs = repairs.still_open()
    return render(
        request,
        "repairs/repair_list.html",
        {"repairs": paginate(request, repairs.order_by("-opened_at", "-pk")), "show": show},
    )


@login_required
def repair_new(request: AuthedRequest) -> HttpResponse:
    """A repair form with the facts of where it started carried over: ?alert=, ?response= or
    ?case= (the clinician's own "I think I got something wrong")."""
    # The form posts its starting point back as a hidden field; the query string serves too.
    params = request.GET.copy()
    if request.method == "POST":
        params.update(request.POST)
    start = start_from(request.user, params)
    if start is None:
        return HttpResponseBadRequest(START_FROM)
    if start.alert and (existing := Repair.objects.filter(alert=start.alert).first()):
        messages.info(request, recording.OPEN_FOR_THIS_ALERT)
        return redirect("repair_detail", repair_id=existing.pk)
    user = _editor(request)
    form = RepairOpenForm(request.POST or None, case=start.case, initial=start.initial)
    if request.method == "POST" and form.is_valid():
        try:
            repair = services.repair_open(
                by=user,
                case=start.case,
                source=start.source,
                alert=start.alert,
                response=start.response,
                **form.cleaned_data,
            )
        except recording.RepairExists as e:
            messages.info(request, e.message)
            return redirect("repair_detail", repair_id=e.repair.pk)
        except ValidationError as e:
            form.add_error(None, e)
        else:
            messages.success(request, "Repair opened. Next: choose the steps of the repair.")
            return redirect("repair_plan", repair_id=repair.pk)
    context = {"form": form, "case": start.case, "alert": start.alert}
    context |= {"response": start.response, "source": start.source}
    return render(request, "repairs/repair_new.html", context)


@login_required
def repair_detail(request: AuthedRequest, repair_id: int) -> HttpResponse:
    repair = _repair(request, repair_id)
    return render(
        request,
        "repairs/repair_detail.html",
        {"page": RepairPage.build(repair), "may_review": may_start_review(request.user, repair)},
    )


@login_required
def repair_amend(request: AuthedRequest, repair_id: int) -> HttpResponse:
    repair = _repair(request, repair_id)
    user = _editor(request)
    current = repair.current()
    initial = {
        "version": current.number,
        "session": current.session_id,
        "kind": current.kind,
        "marker": current.marker,
        "harm": current.harm,
        "what_happened": current.what_happened,
        "contribution": current.contribution,
    }
    form = AmendForm(request.POST or None, case=repair.case, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        saved = _saved(
            form,
            lambda: services.repair_amend(
                repair=repair,
                by=user,
                expected_number=data.pop("version"),
                reason=data.pop("amendment_reason"),
                **data,
            ),
        )
        if saved:
            messages.success(request, "Amended. The earlier version is kept in the history.")
            return redirect("repair_detail", repair_id=repair.pk)
    return render(request, "repairs/repair_amend.html", {"form": form, "repair": repair})


@login_required
def repair_plan(request: AuthedRequest, repair_id: int) -> HttpResponse:
    repair = _repair(request, repair_id)
    user = _editor(request)
    plan = repair.current_plan()
    current = plan.steps if plan else default_plan()
    form = PlanForm(
        request.POST or None, current=current, initial={"version": plan.number if plan else 0}
    )
    if request.method == "POST" and form.is_valid():
        saved = _saved(
            form,
            lambda: services.plan_save(
                repair=repair,
                by=user,
                steps=form.steps(),
                expected_number=form.cleaned_data["version"],
            ),
        )
        if saved:
            messages.success(request, "Plan saved. After the conversation, record how it went.")
            return redirect("repair_detail", repair_id=repair.pk)
    return render(
        request,
        "repairs/repair_plan.html",
        {"form": form, "repair": repair, "marker_hint": MARKER_HINTS.get(repair.current().marker)},
    )


@login_required
def repair_conversation(request: AuthedRequest, repair_id: int) -> HttpResponse:
    repair = _repair(request, repair_id)
    user = _editor(request)
    current = repair.current_conversation()
    plan = repair.current_plan()
    if current:
        initial: dict[str, Any] = {
            "version": current.number,
            "session": current.session_id,
            "steps_taken": current.steps_taken,
            "how_it_went": current.how_it_went,
            "client_response": current.client_response,
            "next_step": current.next_step,
        }
    else:
        latest = (
            repair.case.sessions.filter(date__lte=timezone.localdate()).order_by("-number").first()
        )
        initial = {
            "version": 0,
            "session": latest.pk if latest else None,
            "steps_taken": [s["key"] for s in plan.steps] if plan else [],
        }
    form = ConversationForm(
        request.POST or None, case=repair.case, amending=current is not None, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        saved = _saved(
            form,
            lambda: services.conversation_record(
                repair=repair,
                by=user,
                expected_number=data.pop("version"),
                reason=data.pop("amendment_reason", ""),
                **data,
            ),
        )
        if saved:
            messages.success(
                request,
                "Recorded. The client's next checks will say whether the repair held.",
            )
            return redirect("repair_detail", repair_id=repair.pk)
    return render(
        request,
        "repairs/repair_conversation.html",
        {"form": form, "repair": repair, "amending": current is not None, "plan": plan},
    )


@login_required
def disclosure_new(request: AuthedRequest, repair_id: int) -> HttpResponse:
    repair = _repair(request, repair_id)
    user = _editor(request)
    form = DisclosureForm(
        request.POST or None,
        clinic_id=repair.clinic_id,
        amending=False,
        initial={"told_on": timezone.localdate(), "told_by": user.pk, "method": "in_person"},
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data.pop("version", None)
        try:
            disclosures.disclosure_record(repair=repair, by=user, **data)
        except ValidationError as e:
            form.add_error(None, e)
        else:
            messages.success(request, "Disclosure recorded.")
            return redirect("repair_detail", repair_id=repair.pk)
    return render(
        request, "repairs/disclosure_form.html", {"form": form, "repair": repair, "amending": False}
    )


@login_required
def disclosure_amend(request: AuthedRequest, disclosure_id: int) -> HttpResponse:
    disclosure = get_object_or_404(
        Disclosure.objects.filter(repair__in=Repair.objects.for_user(request.user)),
        pk=disclosure_id,
    )
    repair = _repair(request, disclosure.repair_id)
    user = _editor(request)
    current = repair.disclosures.filter(thread=disclosure.thread).order_by("-number").first()
    assert current is not None
    initial = {
        "version": current.number,
        "told_on": current.told_on,
        "told_by": current.told_by_id,
        "method": current.method,
        "what_was_said": current.what_was_said,
        "apology_given": current.apology_given,
        "follow_up_due_on": current.follow_up_due_on,
        "followed_up_on": current.followed_up_on,
    }
    form = DisclosureForm(
        request.POST or None, clinic_id=repair.clinic_id, amending=True, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        saved = _saved(
            form,
            lambda: disclosures.disclosure_amend(
                disclosure=current,
                by=user,
                expected_number=data.pop("version"),
                reason=data.pop("amendment_reason"),
                **data,
            ),
        )
        if saved:
            messages.success(request, "Disclosure amended. The earlier version is kept.")
            return redirect("repair_detail", repair_id=repair.pk)
    return render(
        request,
        "repairs/disclosure_form.html",
        {"form": form, "repair": repair, "amending": True, "disclosure": current},
    )


@login_required
@require_POST
def obligation_done(request: AuthedRequest, obligation_id: int) -> HttpResponse:
    obligation = get_object_or_404(
        Obligation.objects.for_user(request.user).select_related("repair"), pk=obligation_id
    )
    form = ObligationDoneForm(request.POST)
    if form.is_valid():
        obligation = obligations.obligation_complete(
            obligation=obligation, by=request.user, note=form.cleaned_data["note"]
        )
    elif not request.htmx:
        messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
    if request.htmx:
        return render(
            request,
            "repairs/_obligation.html",
            {"obligation": obligation, "today": timezone.localdate(), "form": form},
        )
    return redirect("repair_detail", repair_id=obligation.repair_id)


@login_required
def repair_close(request: AuthedRequest, repair_id: int) -> HttpResponse:
    repair = _repair(request, repair_id)
    user = _editor(request)
    if not repair.is_open:
        messages.info(request, "This repair is already closed.")
        return redirect("repair_detail", repair_id=repair.pk)
    outstanding = list(repair.obligations.outstanding())
    form = CloseForm(request.POST or None, outstanding=outstanding)
    if request.method == "POST" and form.is_valid():
        try:
            services.repair_close(repair=repair, by=user, reason=form.cleaned_data["reason"])
        except ValidationError as e:
            form.add_error(None, e)
        else:
            messages.success(request, "Repair closed. The reason is on the record.")
            return redirect("repair_detail", repair_id=repair.pk)
    return render(
        request,
        "repairs/repair_close.html",
        {"form": form, "repair": repair, "outstanding": outstanding},
    )
