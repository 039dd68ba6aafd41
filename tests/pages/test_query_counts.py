"""Every page runs the same number of SQL queries however much data its clinic holds.

Each page reachable by GET (tests/test_access.py's walk, with its ids) is opened by every role
that may open it, in a small clinic, and again after the clinic has grown several times over
(more clients, cases, sessions, answers, alerts, repairs, meetings, goals, reviews, people,
tokens, imports, grants), with another clinic growing alongside. A count that changes is an
N+1 or a page that reads more than it shows. Run with `-s` to see the counts.

The inventory of list pages and how each is paginated is in tests/pages/README.md.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import ClinicWorld
from tests.pages.world import grow
from tests.test_access import PUBLIC, QUERY_IDS, all_patterns, ids_for

pytestmark = pytest.mark.django_db

ROLES = ("clinician", "trainee", "supervisor", "admin", "colleague")
# Pages that are not pages: a download of every row is meant to grow with the data.
DOWNLOADS = {"audit_export", "export_clinic_csv", "export_clinic_fhir", "export_client_package"}
# Pages whose count must be measured, so a test that quietly measures nothing fails.
MUST_MEASURE = {
    "home",
    "client_list",
    "client_detail",
    "case_detail",
    "session_checks",
    "alert_detail",
    "repair_list",
    "repair_detail",
    "supervision_queue",
    "meeting_list",
    "meeting_detail",
    "learning_home",
    "learning_person",
    "review_list",
    "review_detail",
    "audit_log",
    "people",
    "api_token_list",
    "import_list",
    "breakglass_grants",
    "client_report",
}


def _sign_in(http, user) -> None:
    http.force_login(user)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    device = device or TOTPDevice.objects.create(user=user, name="Test app", confirmed=True)
    session = http.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


Page = tuple[str, str]  # (name, url)
Key = tuple[str, str]  # (page name, role)


def _urls(ids: dict[str, int | str]) -> list[Page]:
    urls: list[Page] = []
    for pattern in all_patterns():
        name = pattern.name or ""
        if name in PUBLIC or name in DOWNLOADS or name == "logout":
            continue
        converters: dict[str, object] = pattern.pattern.converters  # type: ignore[attr-defined]
        if not set(converters) <= set(ids):
            # A page test_access does not know yet (its test says so); nothing to open it with.
            print(f"not measured, no id for it: {name}")
            continue
        urls.append((name, reverse(name, kwargs={k: ids[k] for k in converters})))
    for name, params in QUERY_IDS.items():
        for param, key in params.items():
            urls.append((f"{name}?{param}", f"{reverse(name)}?{param}={ids[key]}"))
    return sorted(urls)


def _count(http, url: str) -> tuple[int, int]:
    # The connection keeps only the last 9000 queries, and CaptureQueriesContext counts by
    # the log's length: start each page from an empty log so no count is cut short.
    connection.queries_log.clear()
    with CaptureQueriesContext(connection) as queries:
        response = http.get(url)
    return response.status_code, len(queries)


def _opened(http, world: ClinicWorld, urls: list[Page]) -> dict[str, list[Page]]:
    """role -> the pages that role opens (200). The first visit may also set things up (a
    clinic's competency framework), which is why counting starts on the second."""
    opened: dict[str, list[Page]] = {}
    for role in ROLES:
        _sign_in(http, getattr(world, role))
        opened[role] = [(name, url) for name, url in urls if http.get(url).status_code == 200]
    return opened


def _measure(http, world: ClinicWorld, opened: dict[str, list[Page]]) -> dict[Key, int | None]:
    """{(page, role): queries}, None where the page no longer opens with a 200."""
    counts: dict[Key, int | None] = {}
    for role, pages in opened.items():
        _sign_in(http, getattr(world, role))
        for name, url in pages:
            status, queries = _count(http, url)
            counts[(name, role)] = queries if status == 200 else None
    return counts


def test_no_page_runs_more_queries_when_the_clinic_grows(client, world, other_world):
    ids = ids_for(world)
    ids_for(other_world)
    # The small clinic already has some of everything, so "none" against "some" (a list that
    # renders only when it has rows) is not mistaken for growth.
    grow(world, 1)
    grow(other_world, 1)
    opened = _opened(client, world, _urls(ids))
    small = _measure(client, world, opened)
    grow(world, 3)
    grow(other_world, 2)
    large = _measure(client, world, opened)

    print("\npage, role: queries small -> large")
    for key in sorted(small):
        print(f"  {key[0]}, {key[1]}: {small[key]} -> {large.get(key)}")
    assert {name for name, _ in small} >= MUST_MEASURE, "pages not measured"
    assert None not in small.values(), "a page opened once and then no longer"
    grew = {k: (small[k], large[k]) for k in small if small[k] != large[k]}
    assert grew == {}, f"query counts changed with the data (small, large): {grew}"
