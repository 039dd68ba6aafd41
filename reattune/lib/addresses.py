"""The address a request came from, as lockout and the audit log both need it.

Behind a reverse proxy every request arrives from the proxy's address. REATTUNE_TRUSTED_PROXIES
says how many proxies you run; the client's address is then read from X-Forwarded-For, that many
entries from the right (the entries further left were written by whoever sent the request and
can be forged).
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str | None:
    remote: str | None = request.META.get("REMOTE_ADDR")
    hops = settings.TRUSTED_PROXIES
    if hops == 0:
        return remote
    header = str(request.META.get("HTTP_X_FORWARDED_FOR", ""))
    forwarded = [a.strip() for a in header.split(",") if a.strip()]
    if len(forwarded) < hops:
        return remote
    return forwarded[-hops]
