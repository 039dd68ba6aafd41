"""The client's check form. No login: the signed, single-use link is the key."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from reattune.audit.subjects import Subject
from reattune.checks.form_view_model import form_measures
from reattune.checks.models import Response
from reattune.checks.services import (
    LINK_INVALID,
    LinkProblem,
    check_answers_clean,
    check_response_submit,
    open_link_with_definitions,
)
from reattune.measures.definitions import AnswerError
from reattune.measures.registry import get_definition

MAX_TOKEN_LENGTH = 200


# The signed, single-use link is the key to this form, so a forged cross-site post would need
# the token itself. CSRF protection adds nothing here, and a phone whose CSRF cookie has gone
# (form left open, cookies cleared, an in-app browser) must not lose a client's answers.
@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def check_form(request: HttpRequest, token: str) -> HttpResponse:
    try:
        if len(token) > MAX_TOKEN_LENGTH:
            raise LinkProblem(LINK_INVALID, status=404)
        link, definitions = open_link_with_definitions(token)
    except LinkProblem as problem:
        return _problem(request, problem)
    # The audit row names the link's client and case (reattune/audit/middleware.py); they are
    # loaded here already.
    request.audit_link_subject = Subject(  # type: ignore[attr-defined]
        client_id=link.participant.client_id, case_id=link.session.case_id, clinic_id=link.clinic_id
    )
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            cleaned = check_answers_clean(link, request.POST, definitions)
            responses = check_response_submit(link=link, cleaned=cleaned)
        except AnswerError as e:
            errors = e.errors
        except LinkProblem as problem:
            return _problem(request, problem)
        else:
            # Rendered here rather than redirected: the client needs no session, and a
            # refresh that re-posts only meets the kind "we already have your answers".
            safety = any(_raised_safety(r) for r in responses)
            return render(request, "checks/check_thanks.html", {"safety": safety})
    return render(
        request,
        "checks/check_form.html",
        {
            "link": link,
            "measures": form_measures(definitions, request.POST, errors),
            "errors": errors,
        },
        status=400 if errors else 200,
    )


def _raised_safety(response: Response) -> bool:
    definition = get_definition(response.measure_id)
    return any(item.is_safety for item, _ in definition.alerts_raised(response.answers))


def _problem(request: HttpRequest, problem: LinkProblem) -> HttpResponse:
    return render(
        request, "checks/check_problem.html", {"message": problem.message}, status=problem.status
    )
