"""Supervision meetings: created from the queue, written while a draft, signed off by the
supervisor, amended (never edited) after. Every fetch goes through `Meeting.objects.for_user`,
so another person's meeting is a 404; who may write or sign is decided in the services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch, QuerySet
from django.http import HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from reattune.clinics.http import AuthedRequest
from reattune.clinics.models import User
from reattune.core.pagination import paginate
from reattune.lib.validation import whole_number
from reattune.reports.pdf import pdf_response
from reattune.supervision import services
from reattune.supervision.forms import (
    ActionForm,
    AgendaNotesForm,
    AmendForm,
    MeetingNewForm,
    TopicForm,
)
from reattune.supervision.models import ActionItem, AgendaItem, Amendment, Meeting
from reattune.supervision.queue import queue_for, supervisee_ids

SUPERVISORS_ONLY = "Only supervisors hold supervision meetings."
NOTES_SAVED = "Notes saved."
ACTION_ADDED = "Action added."


def _meeting(request: AuthedRequest, meeting_id: int) -> Meeting:
    return get_object_or_404(
        Meeting.objects.for_user(request.user).select_related("supervisor", "supervisee"),
        pk=meeting_id,
    )


def _item(request: AuthedRequest, item_id: int) -> AgendaItem:
    return get_object_or_404(
        AgendaItem.objects.filter(meeting__in=Meeting.objects.for_user(request.user)),
        pk=item_id,
    )


def _for_display(items: QuerySet[AgendaItem]) -> QuerySet[AgendaItem]:
    """Agenda items with their amendments and actions, as the pages show them."""
    return items.prefetch_related(
        Prefetch("amendments", queryset=Amendment.objects.select_related("recorded_by")),
        Prefetch("actions", queryset=ActionItem.objects.select_related("owner", "done_by")),
    ).select_related("carried_action__owner", "carried_action__done_by")


def _loose_actions(meeting: Meeting) -> list[ActionItem]:
    return list(meeting.actions.filter(agenda_item__isnull=True).select_related("owner", "done_by"))


def _full(meeting: Meeting) -> Meeting:
    """The meeting with its agenda, each item's amendments and actions, for display."""
    meeting.agenda = list(_for_display(meeting.items.all()))  # type: ignore[attr-defined]
    meeting.loose_actions = _loose_actions(meeting)  # type: ignore[attr-defined]
    return meeting


def _notes_form(item: AgendaItem, data: QueryDict | None = None) -> AgendaNotesForm:
    """One item's notes form; each has its own ids, as a page holds one per item."""
    initial = {"revision": item.revision, "notes": item.notes, "guidance": item.guidance}
    return AgendaNotesForm(data, initial=initial, auto_id=f"id_item{item.pk}_%s")


def _agenda_item(
    request: AuthedRequest, item: AgendaItem, form: AgendaNotesForm, status: str = ""
) -> HttpResponse:
    """The htmx answer to a notes form: that item alone, so text typed in the others stays.
    Always a 200: htmx swaps nothing on a 4xx, and a refused form must come back with its
    words and the reason."""
    shown = _for_display(AgendaItem.objects.filter(pk=item.pk).select_related("meeting")).get()
    context = {
        "item": shown,
        "meeting": shown.meeting,
        "form": form,
        "writer": True,
        "status": status,
        "today": timezone.localdate(),
    }
    return render(request, "supervision/_agenda_item.html", context)


@login_required
def meeting_list(request: AuthedRequest) -> HttpResponse:
    meetings = Meeting.objects.for_user(request.user).select_related("supervisor", "supervisee")
    page = paginate(request, meetings.order_by("-held_on", "-pk"))
    return render(request, "supervision/meeting_list.html", {"meetings": page})


@login_required
def meeting_new(request: AuthedRequest) -> HttpResponse:
    """A meeting from the queue: ?supervisee= chooses whose items are offered."""
    if not request.user.is_supervisor:
        raise PermissionDenied(SUPERVISORS_ONLY)
    supervisees = User.objects.filter(pk__in=supervisee_ids(request.user)).order_by("full_name")
    data = request.POST or None
    chosen = (data or request.GET).get("supervisee", "")
    person = supervisees.filter(pk=pk).first() if (pk := whole_number(chosen)) else None
    queue = queue_for(request.user, supervisee=person) if person else []
    form = MeetingNewForm(
        data,
        supervisees=supervisees,
        item_choices=[(item.key, f"{item.label}: {item.title}") for item in queue],
        initial={"supervisee": person.pk if person else None},
    )
    if request.method == "POST" and form.is_valid():
        try:
            meeting, created = services.meeting_create(
                supervisor=request.user,
                supervisee=form.cleaned_data["supervisee"],
                held_on=form.cleaned_data["held_on"],
                item_keys=form.cleaned_data["items"],
                form_key=form.cleaned_data["form_key"],
            )
        except ValidationError as e:
            form.add_error(None, e)
        else:
            if created:
                messages.success(request, "Meeting created. Record notes, guidance and actions.")
            return redirect("meeting_detail", meeting_id=meeting.pk)
    context = {"form": form, "person": person, "queue": queue}
    return render(request, "supervision/meeting_new.html", context)


@login_required
def meeting_detail(request: AuthedRequest, meeting_id: int) -> HttpResponse:
    meeting = _full(_meeting(request, meeting_id))
    writer = request.user.pk == meeting.supervisor_id
    editable = writer and not meeting.is_signed
    context = {
        "meeting": meeting,
        "writer": writer,
        "agenda": [
            (item, _notes_form(item) if editable else None)
            for item in meeting.agenda  # type: ignore[attr-defined]
        ],
        "loose_actions": meeting.loose_actions,  # type: ignore[attr-defined]
        "action_form": ActionForm(meeting=meeting),
        "topic_form": TopicForm(),
        "today": timezone.localdate(),
    }
    return render(request, "supervision/meeting_detail.html", context)


@login_required
def meeting_record(request: AuthedRequest, meeting_id: int) -> HttpResponse:
    """The printable record: the agenda, notes and guidance as they stand with every
    amendment, and the actions."""
    meeting = _full(_meeting(request, meeting_id))
    return render(request, "supervision/meeting_record.html", {"meeting": meeting})


@login_required
def meeting_record_pdf(request: AuthedRequest, meeting_id: int) -> HttpResponse:
    """The same record as a PDF, rendered offline (reattune.reports.pdf)."""
    meeting = _full(_meeting(request, meeting_id))
    return pdf_response(
        request,
        "supervision/meeting_record.html",
        {"meeting": meeting},
        f"supervision-record-{meeting.held_on:%Y-%m-%d}.pdf",
        printable_url=reverse("meeting_record", args=[meeting.pk]),
    )


@login_required
@require_POST
def meeting_item_save(request: AuthedRequest, item_id: int) -> HttpResponse:
    item = _item(request, item_id)
    services.meeting_writer_check(item.meeting, request.user)
    form = _notes_form(item, request.POST)
    if form.is_valid():
        try:
            item = services.agenda_item_save(item=item, by=request.user, **form.cleaned_data)
        except services.Stale as e:
            form.add_error(None, str(e))
        except ValidationError as e:
            form.add_error(None, e)
        else:
            if request.htmx:
                return _agenda_item(request, item, _notes_form(item), status=NOTES_SAVED)
            messages.success(request, NOTES_SAVED)
            return redirect(reverse("meeting_detail", args=[item.meeting_id]) + f"#item-{item.pk}")
    if request.htmx:
        return _agenda_item(request, item, form)
    context = {"form": form, "item": item, "meeting": item.meeting}
    return render(request, "supervision/item_form.html", context, status=400)


@login_required
@require_POST
def meeting_topic(request: AuthedRequest, meeting_id: int) -> HttpResponse:
    meeting = _meeting(request, meeting_id)
    services.meeting_writer_check(meeting, request.user)  # before the form: a 403, not a message
    form = TopicForm(request.POST)
    if form.is_valid():
        try:
            services.topic_add(meeting=meeting, by=request.user, title=form.cleaned_data["title"])
        except ValidationError as e:
            messages.error(request, " ".join(e.messages))
    else:
        messages.error(request, "Please give the topic a short title (up to 300 characters).")
    return redirect("meeting_detail", meeting_id=meeting.pk)


@login_required
@require_POST
def action_add(request: AuthedRequest, meeting_id: int) -> HttpResponse:
    meeting = _meeting(request, meeting_id)
    services.meeting_writer_check(meeting, request.user)  # before the form: a 403, not a message
    form = ActionForm(request.POST, meeting=meeting)
    item_id = request.POST.get("agenda_item", "")
    item = meeting.items.filter(pk=pk).first() if (pk := whole_number(item_id)) else None
    if form.is_valid():
        try:
            services.action_add(
                meeting=meeting, by=request.user, agenda_item=item, **form.cleaned_data
            )
        except ValidationError as e:
            form.add_error(None, e)
        else:
            if request.htmx:
                return _action_added(request, meeting, item)
            messages.success(request, ACTION_ADDED)
            return redirect("meeting_detail", meeting_id=meeting.pk)
    if request.htmx:  # a 200, so htmx shows the typed action with its errors
        context = {"form": form, "meeting": meeting, "about": item}
        return render(request, "supervision/_action_add.html", context)
    context = {"form": form, "meeting": meeting, "item": item}
    return render(request, "supervision/action_form.html", context, status=400)


def _action_added(
    request: AuthedRequest, meeting: Meeting, item: AgendaItem | None
) -> HttpResponse:
    """A fresh "Add an action" form, and out of band the list the new action joined; the
    agenda's notes forms are not redrawn, so nothing typed in them is lost."""
    context = {
        "form": ActionForm(meeting=meeting),
        "meeting": meeting,
        "status": ACTION_ADDED,
        "item": _for_display(AgendaItem.objects.filter(pk=item.pk)).get() if item else None,
        "loose_actions": [] if item else _loose_actions(meeting),
        "today": timezone.localdate(),
    }
    return render(request, "supervision/_action_added.html", context)


@login_required
@require_POST
def action_done(request: AuthedRequest, action_id: int) -> HttpResponse:
    action = get_object_or_404(
        ActionItem.objects.filter(meeting__in=Meeting.objects.for_user(request.user)),
        pk=action_id,
    )
    action = services.action_done(action=action, by=request.user)
    if request.htmx:  # just this action: notes typed elsewhere on the page stay
        return render(request, "supervision/_action.html", {"action": action})
    messages.success(request, "Action marked done.")
    back = request.POST.get("next_meeting", "")
    return redirect("meeting_detail", meeting_id=whole_number(back) or action.meeting_id)


@login_required
@require_POST
def meeting_sign(request: AuthedRequest, meeting_id: int) -> HttpResponse:
    meeting = _meeting(request, meeting_id)
    try:
        _, signed = services.meeting_sign(meeting=meeting, by=request.user)
    except ValidationError as e:
        messages.error(request, " ".join(e.messages))
    else:
        if signed:
            messages.success(request, "Signed off. From now on the record is amended, not edited.")
        else:
            messages.info(request, "This meeting was already signed off.")
    return redirect("meeting_detail", meeting_id=meeting.pk)


@login_required
def meeting_amend(request: AuthedRequest, item_id: int) -> HttpResponse:
    item = _item(request, item_id)
    meeting = item.meeting
    services.meeting_writer_check(meeting, request.user)
    notes, guidance = item.current()
    number = item.amendments.count() + 1
    initial = {"number": number, "notes": notes, "guidance": guidance}
    form = AmendForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.agenda_item_amend(item=item, by=request.user, **form.cleaned_data)
        except services.Stale as e:
            form.add_error(None, str(e))
        except ValidationError as e:
            form.add_error(None, e)
        else:
            messages.success(request, "Amendment added. The signed text stays on the record.")
            return redirect("meeting_detail", meeting_id=meeting.pk)
    return render(request, "supervision/meeting_amend.html", {"form": form, "item": item})
