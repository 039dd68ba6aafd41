"""The learning pages. A person's page is private to them and their current supervisors
(`access.learner_for`: anyone else, clinic admins included, gets "not found"); the competency
framework is the clinic admin's; ratings are made by a current supervisor or a clinic admin."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import Form
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from reattune.clinics.http import AuthedRequest, clinic_id_of, clinic_of
from reattune.clinics.models import User
from reattune.core.pagination import paginate
from reattune.learning import patterns, services
from reattune.learning.access import learner_for, ratee_for
from reattune.learning.forms import (
    CompetencyForm,
    GoalForm,
    GoalNoteForm,
    GoalStatusForm,
    RatingForm,
    ReflectionForm,
)
from reattune.learning.framework import framework_for
from reattune.learning.models import Competency, CompetencyRating, LearningGoal
from reattune.learning.page import (
    LEVEL_ANCHORS,
    goals_of,
    growth,
    learning_patterns,
    reflections_of,
)
from reattune.lib.validation import whole_number
from reattune.repairs.models import Repair
from reattune.reports.pdf import pdf_response
from reattune.supervision.models import Meeting

ADMIN_ONLY = services.ADMIN_ONLY
NO_SUCH_REPAIR = "That repair isn't one you can see, so this reflection stands on its own."


def _admin(request: AuthedRequest) -> None:
    clinic_id_of(request.user)
    if not request.user.is_clinic_admin:
        raise PermissionDenied(ADMIN_ONLY)


def _apply(form: Form, error: ValidationError) -> None:
    """A service's refusal shown on the form, against the field it names where it can."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _period(request: AuthedRequest) -> str:
    period, refused = patterns.parse_period(request.GET.get("period"))
    if refused:
        messages.warning(request, patterns.BAD_PERIOD)
    return period


def _learning_context(request: AuthedRequest, person: User) -> dict[str, Any]:
    return {
        "person": person,
        "is_self": person.pk == request.user.pk,
        "found": learning_patterns(person, _period(request)),
        "growth": growth(person),
        "reflections": paginate(
            request, reflections_of(person).order_by("-created_at", "-pk"), param="reflections"
        ),
        "goals": goals_of(person),
        "periods": patterns.PERIOD_LABELS,
        "caveat": patterns.SMALL_CAVEAT,
        "small": patterns.SMALL_NUMBERS,
        "anchors": LEVEL_ANCHORS,
    }


@login_required
def learning_home(request: AuthedRequest) -> HttpResponse:
    person = learner_for(request.user, request.user.pk)
    return render(request, "learning/home.html", _learning_context(request, person))


@login_required
def learning_person(request: AuthedRequest, person_id: int) -> HttpResponse:
    person = learner_for(request.user, person_id)
    return render(request, "learning/home.html", _learning_context(request, person))


@login_required
def learning_summary(request: AuthedRequest) -> HttpResponse:
    person = learner_for(request.user, request.user.pk)
    return render(request, "learning/summary.html", _learning_context(request, person))


@login_required
def learning_person_summary(request: AuthedRequest, person_id: int) -> HttpResponse:
    person = learner_for(request.user, person_id)
    return render(request, "learning/summary.html", _learning_context(request, person))


def _summary_pdf(request: AuthedRequest, person: User, printable_url: str) -> HttpResponse:
    context = _learning_context(request, person)
    return pdf_response(
        request,
        "learning/summary.html",
        context,
        f"learning-summary-{timezone.localdate():%Y-%m-%d}.pdf",
        printable_url=printable_url,
    )


@login_required
def learning_summary_pdf(request: AuthedRequest) -> HttpResponse:
    person = learner_for(request.user, request.user.pk)
    return _summary_pdf(request, person, reverse("learning_summary"))


@login_required
def learning_person_summary_pdf(request: AuthedRequest, person_id: int) -> HttpResponse:
    person = learner_for(request.user, person_id)
    return _summary_pdf(request, person, reverse("learning_person_summary", args=[person_id]))


@login_required
def competency_list(request: AuthedRequest) -> HttpResponse:
    _admin(request)
    competencies = framework_for(clinic_of(request.user), include_inactive=True)
    return render(
        request,
        "learning/competency_list.html",
        {"competencies": competencies, "anchors": LEVEL_ANCHORS},
    )


@login_required
def competency_new(request: AuthedRequest) -> HttpResponse:
    _admin(request)
    form = CompetencyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.competency_create(
                clinic=clinic_of(request.user),
                by=request.user,
                title=data["title"],
                description=data["description"],
            )
        except ValidationError as error:
            _apply(form, error)
        else:
            messages.success(request, "Competency added.")
            return redirect("competency_list")
    return render(request, "learning/competency_form.html", {"form": form, "competency": None})


@login_required
def competency_edit(request: AuthedRequest, competency_id: int) -> HttpResponse:
    competency = get_object_or_404(
        Competency, pk=competency_id, clinic_id=clinic_id_of(request.user)
    )
    _admin(request)
    initial = {"title": competency.title, "description": competency.description}
    form = CompetencyForm(request.POST or None, initial=initial | {"active": competency.active})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.competency_update(competency=competency, by=request.user, **data)
        except ValidationError as error:
            _apply(form, error)
        else:
            messages.success(request, "Competency saved. Its ratings are unchanged.")
            return redirect("competency_list")
    return render(
        request, "learning/competency_form.html", {"form": form, "competency": competency}
    )


def _corrects(request: AuthedRequest, person: User) -> CompetencyRating | None:
    raw = request.POST.get("corrects") or request.GET.get("corrects")
    if not raw:
        return None
    if (pk := whole_number(raw)) is None:
        return None
    return CompetencyRating.objects.filter(pk=pk, person=person).first()


@login_required
def rating_new(request: AuthedRequest, person_id: int) -> HttpResponse:
    person = ratee_for(request.user, person_id)
    assert person.clinic is not None
    framework_for(person.clinic)
    competencies = Competency.objects.filter(clinic=person.clinic, active=True)
    corrects = _corrects(request, person)
    initial = {"competency": corrects.competency_id} if corrects else {}
    form = RatingForm(request.POST or None, competencies=competencies, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.rating_record(person=person, rated_by=request.user, corrects=corrects, **data)
        except ValidationError as error:
            _apply(form, error)
        else:
            messages.success(request, f"Rating recorded for {person}.")
            return redirect("rating_new", person_id=person.pk)
    return render(
        request,
        "learning/rating_form.html",
        {"form": form, "person": person, "corrects": corrects, "growth": growth(person)},
    )


@login_required
def reflection_new(request: AuthedRequest) -> HttpResponse:
    # The repair first, as on the repair pages: an id outside the person's reach is a 404
    # for everyone, admins included, before the admin hears they keep no journal.
    repair = _repair_from(request)
    meeting = _meeting_from(request)
    learner_for(request.user, request.user.pk)
    form = ReflectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.reflection_create(
                person=request.user, repair=repair, meeting=meeting, **form.cleaned_data
            )
        except ValidationError as error:
            _apply(form, error)
        else:
            messages.success(request, "Reflection saved in your journal.")
            return redirect("learning_home")
    return render(
        request,
        "learning/reflection_form.html",
        {"form": form, "repair": repair, "meeting": meeting},
    )


def _meeting_from(request: AuthedRequest) -> Meeting | None:
    """The supervision meeting named in ?meeting=, if this person can see it (404 otherwise)."""
    raw = request.GET.get("meeting", "")
    if not raw:
        return None
    if (pk := whole_number(raw)) is None:
        raise Http404
    return get_object_or_404(Meeting.objects.for_user(request.user), pk=pk)


def _repair_from(request: AuthedRequest) -> Repair | None:
    """The repair named in ?repair=, if this person can see it; a 404 otherwise, as for any
    record outside their reach."""
    raw = request.GET.get("repair", "")
    if not raw:
        return None
    if (pk := whole_number(raw)) is None:
        messages.warning(request, NO_SUCH_REPAIR)
        return None
    return get_object_or_404(Repair.objects.for_user(request.user).select_related("client"), pk=pk)


@login_required
def goal_new(request: AuthedRequest) -> HttpResponse:
    learner_for(request.user, request.user.pk)
    form = GoalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            goal = services.goal_create(person=request.user, **form.cleaned_data)
        except ValidationError as error:
            _apply(form, error)
        else:
            messages.success(request, "Goal saved.")
            return redirect("goal_detail", goal_id=goal.pk)
    return render(request, "learning/goal_form.html", {"form": form})


def _goal(request: AuthedRequest, goal_id: int) -> LearningGoal:
    goal = get_object_or_404(LearningGoal, pk=goal_id, person__clinic_id=clinic_id_of(request.user))
    learner_for(request.user, goal.person_id)
    return goal


def _goal_page(
    request: AuthedRequest, goal: LearningGoal, note: Form | None = None, status: Form | None = None
) -> HttpResponse:
    return render(
        request,
        "learning/goal_detail.html",
        {
            "goal": goal,
            "is_self": goal.person_id == request.user.pk,
            "note_form": note or GoalNoteForm(),
            "status_form": status or GoalStatusForm(initial={"status": goal.status}),
        },
    )


@login_required
def goal_detail(request: AuthedRequest, goal_id: int) -> HttpResponse:
    return _goal_page(request, _goal(request, goal_id))


@login_required
@require_POST
def goal_note(request: AuthedRequest, goal_id: int) -> HttpResponse:
    goal = _goal(request, goal_id)
    form = GoalNoteForm(request.POST)
    if not form.is_valid():
        return _goal_page(request, goal, note=form)
    services.goal_note_add(goal=goal, by=request.user, text=form.cleaned_data["text"])
    messages.success(request, "Progress note added.")
    return redirect("goal_detail", goal_id=goal.pk)


@login_required
@require_POST
def goal_status(request: AuthedRequest, goal_id: int) -> HttpResponse:
    goal = _goal(request, goal_id)
    if goal.person_id != request.user.pk:
        raise PermissionDenied(services.NOT_YOUR_GOAL)
    form = GoalStatusForm(request.POST)
    if not form.is_valid():
        return _goal_page(request, goal, status=form)
    services.goal_status_set(goal=goal, by=request.user, **form.cleaned_data)
    messages.success(request, "Status saved.")
    return redirect("goal_detail", goal_id=goal.pk)
