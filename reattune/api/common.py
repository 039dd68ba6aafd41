"""Small pieces every endpoint module uses."""

from __future__ import annotations

from django.http import HttpRequest

from reattune.api.schemas import ErrorOut

# The error statuses an endpoint may answer with, all in the one error shape (errors.py):
# 400 malformed JSON, 401 no valid token, 403 missing scope, 404 not in this clinic, 409 a
# conflict with what is stored, 413 body too large, 415 a body that is not JSON, 422 invalid,
# 429 rate limit.
ERROR_STATUSES = frozenset({400, 401, 403, 404, 409, 413, 415, 422, 429})
ERRORS = {ERROR_STATUSES: ErrorOut}


def about(request: HttpRequest, **ids: int | None) -> None:
    """Name the record(s) a request was about, for its audit row (client_id=, case_id=, …).
    The audit still looks each id up inside the token's clinic before naming it."""
    named: dict[str, int] = getattr(request, "audit_ids", {})
    named.update({key: value for key, value in ids.items() if value is not None})
    request.audit_ids = named  # type: ignore[attr-defined]
