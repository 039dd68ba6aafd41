"""Case review pages. Every fetch goes through `CaseReview.objects.for_user()` (or, to start
one, `Repair.objects.for_user()`), so another clinic's review, or a draft that is not yours, is
a 404; changing a review needs its author or a clinic admin (403 otherwise)."""

from __future__ import annotations

from typing import TypeVar, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import HttpResponse, HttpResponseBadRequest, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from reattune.clinics.http import AuthedRequest
from reattune.core.pagination import paginate
from reattune.lib.validation import whole_number
from reattune.repairs.models import Repair
from reattune.reviews import services
from reattune.reviews.deidentify import redact
from reattune.reviews.drafting import case_identifiers, draft_from
from reattune.reviews.forms import JUST_CULTURE, AmendForm, ReviewForm
from reattune.reviews.models import SECTIONS, TITLE, CaseReview, ReviewStatus, ReviewVersion

F = TypeVar("F", bound=ReviewForm)
START_FROM = "Start a case review from a repair record."
DRAFT_EXISTS = "You already have a draft review of this repair. Here it is."


def _review(request: AuthedRequest, review_id: int) -> CaseReview:
    return get_object_or_404(
        CaseReview.objects.for_user(request.user).select_related("repair"), pk=review_id
    )


def _changer(request: AuthedRequest, review: CaseReview) -> None:
    if not services.may_change(request.user, review):
        raise PermissionDenied(services.AUTHOR_OR_ADMIN)


def _refused(form: ReviewForm, error: services.IdentifiersRemain) -> None:
    form.add_error(None, error.message)
    for where in error.where:
        form.add_error(None, where)


def _stale(form: ReviewForm, field: str, current: int) -> None:
    """Nothing was saved; the typed words stay, and the form now carries the current
    revision, so saving again after looking is deliberate."""
    form.add_error(None, services.STALE)
    data = cast(QueryDict, form.data).copy()
    data[field] = str(current)
    form.data = data


def _redacted(form: F, review_repair: Repair) -> F:
    """The form again with "[client]"/"[clinician]" put in place of every hit. Nothing is
    saved: the author reads the result, then saves."""
    content = form.content()
    sections = {TITLE: content["title"]} | {h: content[f] for f, h in SECTIONS.items()}
    clean = redact(sections, case_identifiers(review_repair))
    data = cast(QueryDict, form.data).copy()
    data["title"] = clean[TITLE]
    for field, heading in SECTIONS.items():
        data[field] = clean[heading]
    return type(form)(data)


@login_required
def review_list(request: AuthedRequest) -> HttpResponse:
    """Shared reviews and drafts, each list paged on its own; each review's newest version
    (its title) comes in one query for the page, not one per review."""
    newest_first = Prefetch(
        "versions", queryset=ReviewVersion.objects.order_by("-number"), to_attr="newest_first"
    )
    reviews = CaseReview.objects.for_user(request.user).prefetch_related(newest_first)
    drafts = reviews.filter(status=ReviewStatus.DRAFT).select_related("author")
    return render(
        request,
        "reviews/review_list.html",
        {
            "shared": paginate(request, reviews.shared().order_by("-shared_at", "-pk")),
            "drafts": paginate(request, drafts.order_by("-created_at", "-pk"), param="drafts"),
            "reviewable": services.reviewable_repairs(request.user).order_by("-opened_at")[:20],
        },
    )


@login_required
def review_new(request: AuthedRequest) -> HttpResponse:
    """A draft prefilled from the repair in ?repair= (posted back as a hidden field)."""
    repair_id = request.POST.get("repair") or request.GET.get("repair") or ""
    if (pk := whole_number(repair_id)) is None:
        return HttpResponseBadRequest(START_FROM)
    repair = get_object_or_404(Repair.objects.for_user(request.user), pk=pk)
    if not services.may_start_review(request.user, repair):
        raise PermissionDenied(services.SUPERVISOR_OR_ADMIN)
    form = ReviewForm(request.POST or None, initial=draft_from(repair, request.user))
    if request.method == "POST" and "redact" in request.POST and form.is_valid():
        form = _redacted(form, repair)
    elif request.method == "POST" and form.is_valid():
        try:
            review = services.review_create(repair=repair, by=request.user, content=form.content())
        except services.DraftExists as e:
            messages.info(request, DRAFT_EXISTS)
            return redirect("review_detail", review_id=e.review.pk)
        except ValidationError as e:
            form.add_error(None, e)
        else:
            messages.success(request, "Draft saved. Only you and the clinic admins can see it.")
            return redirect("review_detail", review_id=review.pk)
    context = {"form": form, "repair": repair, "just_culture": JUST_CULTURE}
    return render(request, "reviews/review_form.html", context | {"mode": "new"})


@login_required
def review_detail(request: AuthedRequest, review_id: int) -> HttpResponse:
    review = _review(request, review_id)
    hits = [] if review.is_shared else services.check_review(review)
    # The link back to the record is for the draft's author and admins only, and only if
    # they can still see the repair; the shared page never carries it.
    repair_visible = (
        not review.is_shared
        and Repair.objects.for_user(request.user).filter(pk=review.repair_id).exists()
    )
    context = {
        "review": review,
        "version": review.current(),
        "earlier": list(review.versions.order_by("-number"))[1:],
        "hits": hits,
        "may_change": services.may_change(request.user, review),
        "repair_visible": repair_visible,
    }
    return render(request, "reviews/review_detail.html", context)


@login_required
def review_edit(request: AuthedRequest, review_id: int) -> HttpResponse:
    review = _review(request, review_id)
    _changer(request, review)
    if review.is_shared:
        messages.info(request, services.NOT_A_DRAFT)
        return redirect("review_amend", review_id=review.pk)
    initial = review.current().content() | {"revision": review.revision}
    form = ReviewForm(request.POST or None, initial=initial)
    if request.method == "POST" and "redact" in request.POST and form.is_valid():
        form = _redacted(form, review.repair)
    elif request.method == "POST" and form.is_valid():
        try:
            services.review_save_draft(
                review=review,
                by=request.user,
                content=form.content(),
                expected_revision=form.cleaned_data["revision"],
            )
        except services.StaleReview:
            _stale(form, "revision", CaseReview.objects.get(pk=review.pk).revision)
        except ValidationError as e:
            form.add_error(None, e)
        else:
            messages.success(request, "Draft saved.")
            return redirect("review_detail", review_id=review.pk)
    context = {"form": form, "review": review, "repair": review.repair}
    return render(
        request,
        "reviews/review_form.html",
        context | {"mode": "edit", "just_culture": JUST_CULTURE},
    )


@login_required
@require_POST
def review_share(request: AuthedRequest, review_id: int) -> HttpResponse:
    review = _review(request, review_id)
    _changer(request, review)
    revision = request.POST.get("revision", "")
    try:
        services.review_share(
            review=review,
            by=request.user,
            expected_revision=whole_number(revision),
        )
    except services.IdentifiersRemain as e:
        messages.error(request, e.message)
        for where in e.where:
            messages.error(request, where)
    except services.StaleReview:
        messages.error(request, services.STALE)
    except ValidationError as e:
        for message in e.messages:
            messages.error(request, f"Not shared: {message}")
    else:
        messages.success(request, "Shared with everyone in the clinic.")
    return redirect("review_detail", review_id=review.pk)


@login_required
def review_amend(request: AuthedRequest, review_id: int) -> HttpResponse:
    review = _review(request, review_id)
    _changer(request, review)
    if not review.is_shared:
        messages.info(request, services.NOT_SHARED)
        return redirect("review_edit", review_id=review.pk)
    current = review.current()
    form = AmendForm(request.POST or None, initial=current.content() | {"version": current.number})
    if request.method == "POST" and "redact" in request.POST and form.is_valid():
        form = _redacted(form, review.repair)
    elif request.method == "POST" and form.is_valid():
        try:
            services.review_amend(
                review=review,
                by=request.user,
                content=form.content(),
                reason=form.cleaned_data["amendment_reason"],
                expected_number=form.cleaned_data["version"],
            )
        except services.IdentifiersRemain as e:
            _refused(form, e)
        except services.StaleReview:
            _stale(form, "version", review.current().number)
        except ValidationError as e:
            form.add_error(None, e)
        else:
            messages.success(request, "Amended. The earlier version stays on the review.")
            return redirect("review_detail", review_id=review.pk)
    context = {"form": form, "review": review, "repair": review.repair}
    return render(
        request,
        "reviews/review_form.html",
        context | {"mode": "amend", "just_culture": JUST_CULTURE},
    )
