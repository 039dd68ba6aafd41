"""The shared pagination: lenient page numbers, a count that can come from a cheaper query, and
page links that are accessible and keep the list's filters."""

from __future__ import annotations

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reattune.cases.models import Client
from reattune.core.pagination import PAGE_SIZE, page_number, paginate
from tests.factories import make_client

ROWS = list(range(1, 121))  # three pages of 50, the last with 20


def _get(query: str = ""):
    return RequestFactory().get(f"/list/?{query}")


@pytest.mark.parametrize(
    "raw, number",
    [
        (None, 1),
        ("", 1),
        ("2", 2),
        (" 3 ", 3),
        ("0", 1),
        ("-2", 1),
        ("two", 1),
        ("1.5", 1),
        ("2\x00", 1),
        ("\x00", 1),
        ("٣", 1),  # an Arabic-Indic digit: a digit to Python, not a page number here
        ("9" * 5000, 1),
    ],
)
def test_it_reads_the_page_number_leniently(raw, number):
    assert page_number(raw) == number


@pytest.mark.parametrize(
    "query, number", [("page=2", 2), ("page=", 1), ("page=-1", 1), ("page=x", 1), ("page=999", 3)]
)
def test_a_bad_or_past_the_end_page_shows_the_first_or_the_last(query, number):
    page = paginate(_get(query), ROWS)
    assert page.number == number
    assert list(page) == ROWS[(number - 1) * PAGE_SIZE : number * PAGE_SIZE]


def test_an_empty_list_is_one_empty_page():
    page = paginate(_get("page=4"), [])
    assert (page.number, list(page), page.has_other_pages()) == (1, [], False)


@pytest.mark.django_db
def test_the_total_comes_from_the_count_query_given(world):
    for _ in range(3):
        make_client(world.clinic)
    rows = Client.objects.filter(clinic=world.clinic).order_by("code")
    with CaptureQueriesContext(connection) as queries:
        page = paginate(_get(), rows, per_page=2, count_rows=rows.filter(code__startswith="C"))
        assert page.paginator.count == rows.count() - 1 + 1
    counted = [q["sql"] for q in queries if "COUNT" in q["sql"].upper()]
    assert any("LIKE" in sql.upper() for sql in counted), counted


def test_the_links_keep_filters_and_mark_the_current_page():
    request = _get("show=all&who=me&page=2")
    html = render_to_string("_pagination.html", {"page": paginate(request, ROWS)})
    assert 'aria-label="Pages"' in html
    assert 'href="?show=all&amp;who=me&amp;page=2" aria-current="page"' in html
    assert 'href="?show=all&amp;who=me&amp;page=1" rel="prev"' in html
    assert 'href="?show=all&amp;who=me&amp;page=3" rel="next"' in html
    assert "Page 2 of 3" in html


def test_the_links_are_escaped():
    html = render_to_string("_pagination.html", {"page": paginate(_get("q=<b>&page=2"), ROWS)})
    assert "<b>" not in html


def test_one_page_shows_no_links():
    assert render_to_string("_pagination.html", {"page": paginate(_get(), ROWS[:10])}).strip() == ""


@pytest.mark.django_db
@pytest.mark.parametrize("raw", ["", "abc", "-5", "0", "99999999", "1%00", "9" * 400])
def test_a_list_page_never_fails_on_a_bad_page_number(client, login, world, raw):
    for _ in range(PAGE_SIZE + 1):
        make_client(world.clinic)
    login(world.admin)
    for name in ("client_list", "home", "repair_list", "review_list", "people", "audit_log"):
        response = client.get(f"{reverse(name)}?page={raw}")
        assert response.status_code == 200, (name, raw)


def _codes_on(http, url: str) -> list[str]:
    page = http.get(url).context["page"]
    return [client.code for client in page.object_list]


@pytest.mark.django_db
def test_the_caseload_pages_through_alerted_clients_first_then_by_code(client, login, world):
    """Clients with an open alert lead page 1 (urgent first); the others follow by code, with
    none shown twice or skipped across the pages."""
    from tests.test_access import answered_world

    _, alert = answered_world(world)  # an urgent alert on the main case's client
    quiet = [make_client(world.clinic, code=f"Q{n:03d}") for n in range(PAGE_SIZE + 5)]
    login(world.admin)
    first, second = (
        _codes_on(client, reverse("home")),
        _codes_on(client, f"{reverse('home')}?page=2"),
    )
    everyone = Client.objects.filter(clinic=world.clinic)
    assert first[0] == alert.client.code
    assert len(first) == PAGE_SIZE and len(first) + len(second) == everyone.count()
    rest = sorted(c.code for c in everyone if c.pk != alert.client_id)
    assert first[1:] + second == rest
    assert {c.code for c in quiet} <= set(second) | set(first)
    assert client.get(reverse("home")).context["page"].paginator.count == everyone.count()


def _people(world, n):
    from reattune.clinics.models import Role
    from tests.factories import make_person

    for _ in range(n):
        make_person(world.clinic, Role.CLINICIAN)


def _imports(world, n):
    from reattune.imports.models import ImportJob

    for _ in range(n):
        ImportJob.objects.create(
            clinic=world.clinic, created_by=world.admin, file_name="a.csv", status="checked"
        )


def _tokens(world, n):
    from reattune.api.services import token_create

    for i in range(n):
        token_create(admin=world.admin, name=f"Token {i}", scopes=["read"])


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name, make, key",
    [
        ("people", _people, "people"),
        ("import_list", _imports, "jobs"),
        ("api_token_list", _tokens, "page"),
    ],
)
def test_a_long_admin_list_is_split_into_pages(client, login, world, name, make, key):
    make(world, PAGE_SIZE + 3)
    login(world.admin)
    first = client.get(reverse(name))
    last = client.get(f"{reverse(name)}?page=2")
    assert len(first.context[key].object_list) == PAGE_SIZE
    assert 0 < len(last.context[key].object_list) <= 10
    assert b'aria-current="page"' in first.content and b"Page 1 of 2" in first.content


@pytest.mark.django_db
def test_the_repair_list_pages_keep_its_filter(client, login, world):
    from tests.repairs.helpers import open_by_hand, session

    for number in range(1, 4):
        open_by_hand(world.case, world.clinician, at=session(world.case, number))
    login(world.clinician)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("reattune.core.pagination.PAGE_SIZE", 2)
        response = client.get(f"{reverse('repair_list')}?show=all")
    assert len(response.context["repairs"].object_list) == 2
    assert b'href="?show=all&amp;page=2" rel="next"' in response.content
