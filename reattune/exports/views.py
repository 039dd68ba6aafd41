"""The clinic admin's export pages: the clinic's data as CSV or a FHIR bundle, one client's data
for their access request, and erasing one client's data.

Clinic admins only (everyone else 403); a client is looked up inside the admin's own clinic, so
another clinic's client is a 404. Every page is audited by the middleware (the downloads as
exports, the erasure as a delete); the erasure also writes its own row naming the client, since
after it the middleware can no longer look them up.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from reattune.cases.models import Client
from reattune.clinics.http import AuthedRequest, admin_clinic_of
from reattune.clinics.models import Clinic, User
from reattune.core.pagination import paginate
from reattune.exports.access import access_package
from reattune.exports.erasure import (
    ErasureRefused,
    client_erase,
    erasure_plan,
    erasures_matching,
    rows_text,
)
from reattune.exports.forms import ErasedCodeForm, ErasureForm
from reattune.exports.measurements import clinic_rows, csv_lines
from reattune.exports.mentions import mentions_of
from reattune.exports.models import Erasure
from reattune.fhir.bundle import clinic_bundle_chunks

ADMINS_ONLY = "Only a clinic admin can export the clinic's data or erase a client's."
ERASED = "Client {code}'s data is erased: {rows}. The erasure record below keeps the fact."
ALREADY_ERASED = (
    "This client's data was erased on {date} (erasure record #{erasure}); there is nothing "
    "left to export or erase."
)
NO_ERASURE = "No client with that code has been erased in this clinic."
NO_STORE = "no-store, private"


class AlreadyErased(Exception):
    """The client was in the admin's clinic and has been erased (a second erasure, a page
    opened before the first): say so, instead of the 404 for a client of another caseload."""

    def __init__(self, erasure: Erasure) -> None:
        self.erasure = erasure
        super().__init__(f"client {erasure.client_pk} erased")


def get_client_for_admin(user: User, client_id: int) -> Client:
    """A client of the admin's own clinic: 403 for non-admins, 404 for another clinic's,
    AlreadyErased for one of the admin's clinic whose data was erased."""
    clinic = admin_clinic_of(user, ADMINS_ONLY)
    client = Client.objects.filter(clinic=clinic, pk=client_id).first()
    if client is None:
        erasure = Erasure.objects.filter(clinic=clinic, client_pk=client_id).first()
        if erasure is not None:
            raise AlreadyErased(erasure)
        raise Http404("No client with that id in this clinic.")
    return client


def _erased_page(request: AuthedRequest, erased: AlreadyErased) -> HttpResponse:
    erasure = erased.erasure
    message = ALREADY_ERASED.format(date=f"{erasure.erased_at:%Y-%m-%d}", erasure=erasure.pk)
    return render(request, "exports/erased.html", {"message": message}, status=410)


def _for_client(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The view, or the page saying the client was erased."""

    @wraps(view)
    def wrapped(request: AuthedRequest, client_id: int) -> HttpResponse:
        try:
            return view(request, client_id)
        except AlreadyErased as erased:
            return _erased_page(request, erased)

    return wrapped


def _filename(clinic: Clinic, what: str, extension: str) -> str:
    return f"{clinic.slug}-{what}-{timezone.now():%Y-%m-%d-%H%M}.{extension}"


def _download(response: HttpResponse | StreamingHttpResponse, name: str) -> None:
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = NO_STORE


@login_required
@require_http_methods(["GET", "POST"])
def export_home(request: AuthedRequest) -> HttpResponse:
    clinic = admin_clinic_of(request.user, ADMINS_ONLY)
    lookup = ErasedCodeForm(request.POST or None)
    matches = None
    if request.method == "POST" and lookup.is_valid():
        matches = list(erasures_matching(clinic_id=clinic.pk, code=lookup.cleaned_data["code"]))
    context = {
        "lookup": lookup,
        "matches": matches,
        "no_erasure": NO_ERASURE,
        "erasures": paginate(
            request,
            Erasure.objects.filter(clinic=clinic)
            .select_related("erased_by")
            .order_by("-erased_at", "-pk"),
        ),
    }
    return render(request, "exports/home.html", context)


@login_required
@require_safe
def export_clinic_csv(request: AuthedRequest) -> StreamingHttpResponse:
    clinic = admin_clinic_of(request.user, ADMINS_ONLY)
    response = StreamingHttpResponse(
        csv_lines(clinic_rows(clinic)), content_type="text/csv; charset=utf-8"
    )
    _download(response, _filename(clinic, "answers", "csv"))
    return response


@login_required
@require_safe
def export_clinic_fhir(request: AuthedRequest) -> StreamingHttpResponse:
    clinic = admin_clinic_of(request.user, ADMINS_ONLY)
    response = StreamingHttpResponse(
        clinic_bundle_chunks(clinic), content_type="application/fhir+json"
    )
    _download(response, _filename(clinic, "fhir-bundle", "json"))
    return response


@login_required
@require_safe
@_for_client
def export_client(request: AuthedRequest, client_id: int) -> HttpResponse:
    client = get_client_for_admin(request.user, client_id)
    return render(request, "exports/client.html", {"client": client})


@login_required
@require_safe
@_for_client
def export_client_package(request: AuthedRequest, client_id: int) -> HttpResponse:
    client = get_client_for_admin(request.user, client_id)
    data = access_package(client, by=request.user.email)
    response = HttpResponse(data, content_type="application/zip")
    _download(response, _filename(client.clinic, f"client-{client.pk}", "zip"))
    return response


@login_required
@require_http_methods(["GET", "POST"])
@_for_client
def client_erase_view(request: AuthedRequest, client_id: int) -> HttpResponse:
    client = get_client_for_admin(request.user, client_id)
    form = ErasureForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            erasure = client_erase(
                client=client,
                by=request.user,
                code_typed=form.cleaned_data["code"],
                reason=form.cleaned_data["reason"],
            )
        except ErasureRefused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, ERASED.format(code=client.code, rows=rows_text(erasure.rows)))
            return redirect("export_home")
    plan = erasure_plan(client)
    context = {
        "client": client,
        "form": form,
        "going": plan.described(),
        "plan": plan,
        "mentions": mentions_of(client, deleted=plan.row_ids()),
    }
    return render(request, "exports/erase.html", context, status=400 if form.errors else 200)
