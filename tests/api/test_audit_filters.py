"""A list filtered to one client, case or session is a request about them, and its audit row
names them, as reading the record by id does. Every filter that names a record is listed here,
and a test checks that no filter is missing from the list."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from reattune.api.query import known_query_keys
from reattune.audit.models import AuditEvent, Outcome
from reattune.cases.models import Client
from tests.api.conftest import Api, Stocked

# (endpoint, filter) → the filter's value for the stocked world, and whether the row names the
# case too (a client is not one case; a case or session is).
FILTERS: dict[tuple[str, str], tuple[Callable[[Stocked], object], bool]] = {
    ("clients", "code"): (lambda s: Client.objects.get(pk=s.client_id).code.lower(), False),
    ("cases", "client_id"): (lambda s: s.client_id, False),
    ("sessions", "case_id"): (lambda s: s.case_id, True),
    ("responses", "session_id"): (lambda s: s.session_id, True),
    ("responses", "client_id"): (lambda s: s.client_id, False),
    ("alerts", "case_id"): (lambda s: s.case_id, True),
    ("alerts", "client_id"): (lambda s: s.client_id, False),
    ("repairs", "case_id"): (lambda s: s.case_id, True),
    ("repairs", "client_id"): (lambda s: s.client_id, False),
}
# Query keys that filter without naming a record.
NOT_A_RECORD = {"limit", "offset", "status", "open"}


def last_row() -> AuditEvent:
    row = AuditEvent.objects.order_by("-seq").first()
    assert row is not None
    return row


@pytest.mark.parametrize(("endpoint", "key"), list(FILTERS))
def test_a_list_filtered_to_one_record_is_audited_about_its_client(
    endpoint: str, key: str, api: Api, stocked: Stocked
) -> None:
    value, names_case = FILTERS[(endpoint, key)]
    response = api.get(endpoint, **{key: value(stocked)})
    assert response.status_code == 200
    assert response.json()["count"] >= 1, "the filter finds the stocked record"
    row = last_row()
    assert row.outcome == Outcome.OK
    assert row.client_id == stocked.client_id
    if names_case:
        assert row.case_id == stocked.case_id


@pytest.mark.parametrize(("endpoint", "key"), list(FILTERS))
def test_another_clinics_record_named_in_a_filter_is_not_named_in_the_row(
    endpoint: str, key: str, api: Api, stocked: Stocked, other_stocked: Stocked
) -> None:
    value, _ = FILTERS[(endpoint, key)]
    response = api.get(endpoint, **{key: value(other_stocked)})
    assert response.json()["count"] == 0
    row = last_row()
    assert (row.client_id, row.case_id) == (None, None)


def test_every_filter_that_names_a_record_is_tested_above() -> None:
    filters = {
        (url_name.removeprefix("api_"), key)
        for (url_name, method), keys in known_query_keys().items()
        if method == "GET"
        for key in keys - NOT_A_RECORD
    }
    assert filters == set(FILTERS)
