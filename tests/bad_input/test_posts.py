"""Requirement 22: junk posted to every URL that takes a POST never gives a server error.

Every URL pattern (and each page that takes its object from the query string) is posted to by
the person who owns its object, with ids from the same world as tests/test_access.py: each
field the page's own form shows gets generated junk mixed with the values the page offers,
plus keys no form asks for. The test client re-raises a view's exception, so a crash fails the
test; a 500 answer fails it too. Each round runs in a savepoint that is rolled back, so what
one round changes (a role, a closed case) does not steer the next.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.bad_input.pages import form_fields
from tests.bad_input.strategies import junk, posted
from tests.factories import ClinicWorld
from tests.test_access import ADMIN_ONLY, OWNER, all_patterns, ids_for, query_urls

pytestmark = pytest.mark.django_db

NO_SUCH_ID = 999_999_999
# Posted to elsewhere: logging out ends the session the walk runs in; the check link has its
# own test (test_check_link.py) and the login page its own lockout rules.
ELSEWHERE = {"logout", "check_form", "login", "password_reset_confirm"}


def targets(world: ClinicWorld) -> list[tuple[str, str, str]]:
    """(url name, url, who posts) for every page a POST can reach."""
    ids = ids_for(world)
    found = []
    for pattern in all_patterns():
        if pattern.name in ELSEWHERE:
            continue
        params = {k: ids.get(k, NO_SUCH_ID) for k in pattern.pattern.converters}  # type: ignore[attr-defined]
        default = "admin" if pattern.name in ADMIN_ONLY else "clinician"
        who = OWNER.get(pattern.name or "", default)
        found.append((pattern.name or "", reverse(pattern.name, kwargs=params), who))
    for name, url in query_urls(ids):
        found.append((name, url, OWNER.get(name, "clinician")))
    return found


def test_junk_posted_to_every_page_never_gives_a_server_error(world):
    browser = Client()
    pages: list[tuple[str, str, str, dict[str, list[str]]]] = []
    for name, url, who in targets(world):
        browser.force_login(getattr(world, who))
        shown = browser.get(url)
        html = shown.content.decode() if "html" in shown.get("Content-Type", "") else ""
        pages.append((name, url, who, form_fields(html)))
    assert len(pages) > 80

    @settings(
        max_examples=4,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(data=st.data())
    def check(data: st.DataObject) -> None:
        for name, url, who, fields in pages:
            values: dict[str, Any] = {k: data.draw(posted(v), label=k) for k, v in fields.items()}
            values |= data.draw(
                st.dictionaries(st.text(max_size=12), st.lists(junk(), max_size=2), max_size=2),
                label="extra",
            )
            with transaction.atomic():
                browser.force_login(getattr(world, who))
                response = browser.post(url, values)
                transaction.set_rollback(True)
            assert response.status_code != 500, f"{name}: POST {url}"

    check()


@pytest.mark.parametrize("huge", [str(-(2**63) - 1), str(2**63), "-" + "9" * 30])
def test_a_case_naming_a_person_by_an_id_no_database_holds_is_refused(world, login, huge):
    """Found by the walk above: a negative id past 64 bits reached SQLite, which raised
    OverflowError (a 500); the field now refuses it as it refused huge positive ones."""
    client_id = world.case.participants.get().client_id
    for field in ("clients", "clinicians"):
        data = {"kind": "individual", "clients": [str(client_id)], field: [huge]}
        response = login(world.clinician).post(reverse("case_create"), data)
        assert response.status_code == 200
        assert response.context["form"].errors[field]
