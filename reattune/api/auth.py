"""Bearer-token authentication for the API: `auth=read_auth` on a read endpoint,
`auth=write_auth` on one that changes something.

Each request looks its token up afresh (no cache), so a revoked token fails on the very next
request. A token found is also counted against the per-minute rate limit, and the request body
is held to the size limit before anything parses it, and its query string to the keys the
operation declares (reattune/api/query.py).
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import connection
from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer

from reattune.api.errors import MISSING_SCOPE, RATE_LIMITED, TOO_LARGE, ApiError
from reattune.api.models import ApiToken, RateWindow, Scope, hash_secret
from reattune.api.query import check_query

# Settings API_RATE_PER_MINUTE and API_MAX_BODY_BYTES, from the environment variables
# REATTUNE_API_RATE_PER_MINUTE and REATTUNE_API_MAX_BODY_BYTES (docs/api.md); these defaults
# hold until settings.py reads them.
# last_used_at is written at most this often per token: it is for an admin's eye, not a log.
LAST_USED_GRAIN = dt.timedelta(minutes=1)


def rate_per_minute() -> int:
    return settings.API_RATE_PER_MINUTE


def max_body_bytes() -> int:
    return settings.API_MAX_BODY_BYTES


class TokenAuth(HttpBearer):
    """A live token of this clinic that holds `scope`; `request.auth` becomes the ApiToken."""

    def __init__(self, scope: str) -> None:
        super().__init__()
        self.scope = scope

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        found = (
            ApiToken.objects.live()
            .select_related("clinic")
            .filter(secret_hash=hash_secret(token))
            .first()
        )
        if found is None:
            return None
        # Named before any refusal, so the audit row of a refused request names the token.
        request.api_token = found  # type: ignore[attr-defined]
        count_request(found)
        check_body_size(request)
        if not found.has_scope(self.scope):
            raise ApiError(403, "missing_scope", MISSING_SCOPE.format(scope=self.scope))
        check_query(request)
        _touch(found)
        return found


read_auth = TokenAuth(Scope.READ)
write_auth = TokenAuth(Scope.WRITE)


def count_request(token: ApiToken, now: float | None = None) -> None:
    """Add one to this token's count for the current minute; refuse with 429 past the limit.

    One INSERT … ON CONFLICT DO UPDATE … RETURNING, which SQLite (3.35+) and PostgreSQL both
    run atomically, so concurrent requests from several processes never lose a count."""
    now = time.time() if now is None else now
    minute = int(now // 60)
    table = connection.ops.quote_name(RateWindow._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (clinic_id, token_id, minute, count) "  # noqa: S608
            "VALUES (%s, %s, %s, 1) "
            f"ON CONFLICT (clinic_id, token_id, minute) DO UPDATE SET count = {table}.count + 1 "
            "RETURNING count",
            [token.clinic_id, token.pk, minute],
        )
        row = cursor.fetchone()
    count = int(row[0]) if row else 0
    if count == 1:
        # The first request of a minute clears the token's older windows.
        RateWindow.objects.filter(token=token, minute__lt=minute).delete()
    limit = rate_per_minute()
    if count > limit:
        wait = max(1, 60 - int(now % 60))
        raise ApiError(
            429,
            "rate_limited",
            RATE_LIMITED.format(limit=limit, wait=wait),
            headers={"Retry-After": str(wait)},
        )


def check_body_size(request: HttpRequest) -> None:
    """413 for a body over the limit: by its declared length first, so nothing is read."""
    limit = max_body_bytes()
    too_large = ApiError(413, "payload_too_large", TOO_LARGE.format(limit=limit))
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        raise too_large
    try:
        if len(request.body) > limit:
            raise too_large
    except RequestDataTooBig as error:
        raise too_large from error


def _touch(token: ApiToken) -> None:
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_GRAIN:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now


def token_of(request: Any) -> ApiToken:
    """The request's token, for a view behind read_auth or write_auth."""
    token = request.auth
    assert isinstance(token, ApiToken)
    return token


def token_named(request: HttpRequest) -> ApiToken | None:
    """The token a request's bearer header names, revoked or not: the audit row of a refused
    request names it, so a clinic admin sees a revoked token still being tried."""
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        return None
    return ApiToken.objects.filter(secret_hash=hash_secret(secret.strip())).first()
