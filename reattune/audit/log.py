"""The one way to write an audit row. (Skeleton: the audit helper fills this in.)"""

from __future__ import annotations

from django.http import HttpRequest

from reattune.audit.models import AuditEvent


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
) -> AuditEvent | None:
    """Append one row to the audit chain. Raises if it cannot be written (fail-closed)."""
    return None
