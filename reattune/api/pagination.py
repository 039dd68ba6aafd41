"""Limit/offset pages with a count and links to the next and previous page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.db.models import Model, QuerySet
from django.http import HttpRequest

from reattune.api.schemas import PageQuery

M = TypeVar("M", bound=Model)


def paginate(
    request: HttpRequest,
    queryset: QuerySet[M],
    page: PageQuery,
    render: Callable[[M], Any],
) -> dict[str, Any]:
    count = queryset.count()
    rows = list(queryset[page.offset : page.offset + page.limit])
    after = page.offset + page.limit
    before = max(0, page.offset - page.limit)
    return {
        "count": count,
        "next": _link(request, page.limit, after) if after < count else None,
        "previous": _link(request, page.limit, before) if page.offset > 0 else None,
        "items": [render(row) for row in rows],
    }


def _link(request: HttpRequest, limit: int, offset: int) -> str:
    query = request.GET.copy()
    query["limit"] = str(limit)
    query["offset"] = str(offset)
    return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")
