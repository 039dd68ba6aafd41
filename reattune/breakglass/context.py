"""The banner on every page while the person holds emergency access (base.html includes
breakglass/_banner.html)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from reattune.breakglass.models import Grant


def break_glass(request: HttpRequest) -> dict[str, Any]:
    """`break_glass_grants`: the person's active grants, looked up only if a page shows them."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def active() -> list[Grant]:
        grants = Grant.objects.active().filter(person_id=user.pk, clinic_id=user.clinic_id)
        return list(grants.select_related("client").order_by("expires_at"))

    return {"break_glass_grants": SimpleLazyObject(active)}
