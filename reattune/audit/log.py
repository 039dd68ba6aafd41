"""The one way to write an audit row: `record(...)` appends it to the hash chain or raises.

Each row carries `seq` (one more than the last), the previous row's hash, and its own hash over
every other field, so an edited, deleted or reordered row breaks the chain (see chain.py).
Appends are serialised: on SQLite, atomic() begins IMMEDIATE and so holds the write lock; on
PostgreSQL a transaction-scoped advisory lock is taken before the last row is read.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC
from typing import Any

from django.db import DatabaseError, connection, transaction
from django.http import HttpRequest
from django.utils import timezone

from reattune.audit.models import AuditEvent
from reattune.lib.addresses import client_address

logger = logging.getLogger(__name__)

GENESIS_HASH = "0" * 64
# Any constant will do, as long as nothing else in the application uses it.
ADVISORY_LOCK_KEY = 7_263_011_840_517
# The fields a row's hash covers, in the order they are serialised.
HASHED_FIELDS = (
    "seq",
    "at",
    "user_id",
    "user_label",
    "clinic_id",
    "client_id",
    "case_id",
    "category",
    "action",
    "outcome",
    "request_id",
    "target",
    "address",
    "flagged",
    "prev_hash",
)
TARGET_LENGTH = 200
LABEL_LENGTH = 254

# The request being handled in this thread, set by AuditMiddleware, so rows written from signals
# (a role change, a second factor added) carry the request id and who did it.
current_request: ContextVar[HttpRequest | None] = ContextVar("audit_request", default=None)


class AuditUnavailable(Exception):
    """An audit row could not be written. Whatever asked for it must not go ahead."""


def canonical(fields: dict[str, Any]) -> bytes:
    """The bytes a row's hash is taken over: every hashed field, in a fixed form."""
    at = fields["at"]
    values = {name: fields[name] for name in HASHED_FIELDS}
    values["at"] = at.astimezone(UTC).isoformat(timespec="microseconds")
    values["address"] = _address(fields["address"])
    values["flagged"] = bool(fields["flagged"])
    return json.dumps(values, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def hash_row(fields: dict[str, Any]) -> str:
    return hashlib.sha256(canonical(fields)).hexdigest()


def hash_of(event: AuditEvent) -> str:
    return hash_row({name: getattr(event, name) for name in HASHED_FIELDS})


def record(
    *,
    category: str,
    action: str,
    outcome: str = "ok",
    user: object = None,
    client_id: int | None = None,
    clinic_id: int | None = None,
    target: str = "",
    request: HttpRequest | None = None,
    flagged: bool = False,
    case_id: int | None = None,
    user_label: str = "",
) -> AuditEvent:
    """Append one row to the audit chain. Raises AuditUnavailable if it cannot be written.

    `user` is the person acting (a User, or None/anonymous); `user_label` overrides the label
    (a failed log-in names the email tried). Never pass anything a person typed as `target`:
    route names, event names and ids only."""
    request = request if request is not None else current_request.get()
    user_id, label, user_clinic = _who(user)
    fields: dict[str, Any] = {
        "at": timezone.now(),
        "user_id": user_id,
        "user_label": (user_label or label)[:LABEL_LENGTH],
        "clinic_id": clinic_id if clinic_id is not None else user_clinic,
        "client_id": client_id,
        "case_id": case_id,
        "category": category,
        "action": action,
        "outcome": outcome,
        "request_id": getattr(request, "request_id", "") if request is not None else "",
        "target": target[:TARGET_LENGTH],
        # The client's address, not a reverse proxy's (REATTUNE_TRUSTED_PROXIES).
        "address": _address(client_address(request)) if request is not None else None,
        "flagged": flagged,
    }
    try:
        with transaction.atomic(), _chain_lock():
            last = AuditEvent.objects.order_by("-seq").values_list("seq", "row_hash").first()
            seq, prev_hash = last if last else (0, GENESIS_HASH)
            fields["seq"], fields["prev_hash"] = seq + 1, prev_hash
            fields["row_hash"] = hash_row(fields)
            return AuditEvent.objects.create(**fields)
    except DatabaseError as error:
        logger.error("The audit row could not be written: %s", type(error).__name__)
        raise AuditUnavailable(str(error)) from error


@contextmanager
def _chain_lock() -> Iterator[None]:
    """Serialise appends. SQLite's IMMEDIATE transactions already hold the write lock; on
    PostgreSQL two requests would otherwise both read the same last row."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ADVISORY_LOCK_KEY])
    yield


def _who(user: object) -> tuple[int | None, str, int | None]:
    if user is None or not getattr(user, "is_authenticated", False):
        return None, "", None
    return (
        getattr(user, "pk", None),
        str(getattr(user, "email", "") or ""),
        getattr(user, "clinic_id", None),
    )


def _address(raw: object) -> str | None:
    """One spelling per address, so the hash is the same before and after a round trip
    through PostgreSQL's inet type."""
    if not raw:
        return None
    try:
        return str(ipaddress.ip_address(str(raw).split("%")[0]))
    except ValueError:
        return None


def flag_request(request: HttpRequest) -> None:
    """Mark this request's audit row as flagged (break-glass access, for one)."""
    request.audit_flagged = True  # type: ignore[attr-defined]
