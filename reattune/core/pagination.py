"""One way to split a list page into pages, for every list page.

`paginate(request, rows)` reads `?page=` leniently: a value that is not a whole number of at least
1 (empty, words, negative, a NUL, absurdly long) shows page 1, and a page past the end shows the
last page. Never a 500 and never a 404: a bookmarked or shared "page 7" of a list that has
since shrunk should still open something useful, which is also Django's own
`Paginator.get_page` convention (ListView's strict 404 is the other one).

The total is counted with a plain COUNT over `count_rows` when given: a list ordered by
annotations (open alerts per client, say) need not be aggregated whole just to be counted.

The template side is `{% include "_pagination.html" %}` with `page` in the context; its links
keep the page's other query parameters (filters), which `paginate` puts on the page.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, QueryDict
from django.utils.functional import cached_property

PAGE_SIZE = 50
# More digits than any real page number; longer values are not parsed at all.
_MAX_DIGITS = 9


class Sliceable(Protocol):
    """Rows a Paginator can page through without being a list or a QuerySet: a total, and
    the rows of one window (reattune.cases.queries.Caseload)."""

    def count(self) -> int: ...

    def __len__(self) -> int: ...

    def __getitem__(self, window: slice) -> list[Any]: ...


class _CountedPaginator(Paginator):  # type: ignore[type-arg]
    """A Paginator whose total comes from a cheaper query than the list itself."""

    def __init__(self, rows: Any, per_page: int, count_rows: QuerySet[Any] | None) -> None:
        super().__init__(rows, per_page)
        self._count_rows = count_rows

    @cached_property
    def count(self) -> int:
        if self._count_rows is not None:
            return self._count_rows.order_by().count()
        return super().count


def page_number(raw: str | None) -> int:
    """The page asked for, or 1 for anything that is not a whole number of at least 1."""
    value = (raw or "").strip()
    if not value.isdigit() or not value.isascii() or len(value) > _MAX_DIGITS:
        return 1
    return max(int(value), 1)


def paginate(
    request: HttpRequest,
    rows: QuerySet[Any] | Sequence[Any] | Sliceable,
    *,
    per_page: int | None = None,
    count_rows: QuerySet[Any] | None = None,
    param: str = "page",
) -> Page:  # type: ignore[type-arg]
    """The page of `rows` that `?page=` asks for (see the module docstring for bad values),
    `per_page` rows a page (PAGE_SIZE unless given).
    `rows` must be ordered, so every page holds the same rows each time it is opened."""
    paginator = _CountedPaginator(rows, per_page or PAGE_SIZE, count_rows)
    number = min(page_number(request.GET.get(param)), paginator.num_pages)
    page = paginator.page(number)
    # What the links of _pagination.html keep: the page's filters, without the page number.
    page.other_query = page_query(request, param)  # type: ignore[attr-defined]
    page.param = param  # type: ignore[attr-defined]
    return page


def page_query(request: HttpRequest, param: str = "page") -> str:
    """The query string without the page number, for the page links to keep filters."""
    query: QueryDict = request.GET.copy()
    query.pop(param, None)
    return query.urlencode()
