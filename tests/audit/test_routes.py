"""Requirement 12: every page is classified for the audit, so each read, create, change, export
or print of client, response, repair, supervision or report data writes its row with the right
category and action. A page added later without a classification fails here, by name."""

from __future__ import annotations

from collections.abc import Iterator

from django.urls import URLPattern, URLResolver, get_resolver

from reattune.audit.models import Action, Category
from reattune.audit.routes import NOT_CLIENT_DATA, ROUTES, UNLISTED, route_for


def walk(patterns: list[URLPattern | URLResolver]) -> Iterator[URLPattern]:
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from walk(p.url_patterns)
        else:
            yield p


def url_names() -> set[str]:
    names = set()
    for pattern in walk(get_resolver().url_patterns):
        assert pattern.name, f"{pattern.pattern} has no name: the audit cannot classify it"
        names.add(pattern.name)
    return names


def test_every_url_is_classified_for_the_audit_or_listed_as_holding_no_client_data():
    unclassified = sorted(url_names() - set(ROUTES) - set(NOT_CLIENT_DATA))
    assert not unclassified, f"add to reattune/audit/routes.py: {', '.join(unclassified)}"


def test_the_route_table_names_only_pages_that_exist():
    stale = sorted((set(ROUTES) | set(NOT_CLIENT_DATA)) - url_names())
    assert not stale, f"no such URL name: {', '.join(stale)}"


def test_no_page_is_both_audited_and_listed_as_holding_no_client_data():
    assert not set(ROUTES) & set(NOT_CLIENT_DATA)


def test_pdfs_are_prints_and_csvs_are_exports():
    for pattern in walk(get_resolver().url_patterns):
        route = ROUTES.get(pattern.name or "")
        if str(pattern.pattern).endswith((".pdf", "pdf/")):
            assert route is not None and route.get == Action.PRINT, pattern.name
        if str(pattern.pattern).endswith(".csv"):
            assert route is not None and route.get == Action.EXPORT, pattern.name


def test_a_page_missing_from_the_table_is_still_audited_as_system():
    assert route_for("some_page_added_later") == UNLISTED
    assert UNLISTED.category == Category.SYSTEM
    assert route_for("login") is None
