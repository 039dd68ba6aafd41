"""The clinic admin's API token pages (make, list, revoke), and the API's own 404."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from reattune.api.errors import NO_SUCH_PATH, error_body
from reattune.api.forms import TokenForm
from reattune.api.models import ApiToken
from reattune.api.services import ADMINS_ONLY, token_create, token_revoke
from reattune.clinics.http import AuthedRequest, admin_clinic_of, clinic_id_of
from reattune.core.pagination import paginate

REVOKED = 'Token "{name}" is revoked: any request that uses it is refused from now on.'


@login_required
@require_http_methods(["GET", "POST"])
def token_list(request: AuthedRequest) -> HttpResponse:
    """The clinic's tokens, and the form for a new one. A new token's secret is shown on the
    page that answers the form, once, and is not kept anywhere it could be shown again."""
    clinic_id = admin_clinic_of(request.user, ADMINS_ONLY).pk
    form = TokenForm(request.POST or None)
    secret, created = "", None
    if request.method == "POST" and form.is_valid():
        try:
            created, secret = token_create(
                admin=request.user,
                name=form.cleaned_data["name"],
                scopes=form.cleaned_data["scopes"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            form = TokenForm()
    rows = ApiToken.objects.for_clinic(clinic_id).select_related("created_by", "revoked_by")
    page = paginate(request, rows)
    context = {"form": form, "page": page, "created": created, "secret": secret}
    return render(request, "api/tokens.html", context, status=201 if created else 200)


@login_required
@require_POST
def token_revoke_view(request: AuthedRequest, token_id: int) -> HttpResponse:
    token = get_object_or_404(ApiToken.objects.for_clinic(clinic_id_of(request.user)), pk=token_id)
    admin_clinic_of(request.user, ADMINS_ONLY)
    token_revoke(token=token, admin=request.user)
    messages.success(request, REVOKED.format(name=token.name))
    return redirect("api_token_list")


@csrf_exempt
def api_not_found(request: HttpRequest) -> HttpResponse:
    return JsonResponse(error_body("not_found", NO_SUCH_PATH), status=404)


@csrf_exempt
def api_root(request: HttpRequest, **kwargs: object) -> HttpResponse:
    """api/v1/ itself: where the description is, for someone finding their way."""
    return JsonResponse(
        {
            "name": "Reattune API",
            "version": "1",
            "openapi": request.build_absolute_uri(reverse("api-v1:openapi-json")),
            "authentication": "Authorization: Bearer <token>",
        }
    )
