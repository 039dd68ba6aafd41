"""The client's check form when their answers could not be recorded: nothing was stored, so
the form comes back with every answer still filled in and a plain request to send it again."""

from __future__ import annotations

from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

NOT_SAVED = (
    "Your answers could not be saved just now. Nothing is lost: they are all still filled in "
    "below. Please press “Send my answers” again in a moment."
)


def check_form_not_saved(request: HttpRequest, token: object) -> HttpResponse | None:
    """The form again with the client's answers kept, or None if the link cannot be opened
    (the caller then shows the plain 503 page)."""
    from reattune.checks.form_view_model import form_measures
    from reattune.checks.services import LinkProblem, link_definitions, open_link

    if not isinstance(token, str):
        return None
    try:
        link = open_link(token)
        measures = form_measures(link_definitions(link), request.POST, {})
    except (LinkProblem, DatabaseError):
        return None
    context = {"link": link, "measures": measures, "errors": {}, "not_saved": NOT_SAVED}
    response = render(request, "audit/check_not_saved.html", context, status=503)
    response["Cache-Control"] = "no-store"
    response["Retry-After"] = "5"
    return response
