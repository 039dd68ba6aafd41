"""Unknown query parameters are refused, naming the parameter, rather than ignored: a typo in a
filter (`?client_ld=5`) must not answer with the whole clinic."""

from __future__ import annotations

import pytest

from reattune.api.query import UNKNOWN_QUERY_ITEM, known_query_keys
from reattune.cases.models import Client
from tests.api.conftest import Api, Stocked
from tests.api.test_walk import FHIR, OPERATIONS, PATHS, call, fill

NON_FHIR = [(p, m) for p, m in OPERATIONS if not p.startswith(FHIR)]


def declared_query(path: str, method: str) -> set[str]:
    parameters = PATHS[path][method].get("parameters", [])
    return {p["name"] for p in parameters if p["in"] == "query"}


def test_a_typo_in_a_filter_is_refused_naming_it_instead_of_listing_the_whole_clinic(
    api: Api, stocked: Stocked
) -> None:
    response = api.get("responses", client_ld=stocked.client_id)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "unknown_parameter"
    assert "'client_ld'" in error["message"]
    assert "client_id" in error["message"], "the message lists what the endpoint does take"
    assert error["details"] == [
        {"loc": ["query", "client_ld"], "msg": UNKNOWN_QUERY_ITEM, "type": "unknown_parameter"}
    ]


def test_every_unknown_key_is_named(api: Api) -> None:
    response = api.get("clients", foo="1", bar="2", limit="5")
    assert response.status_code == 422
    assert [d["loc"] for d in response.json()["error"]["details"]] == [
        ["query", "bar"],
        ["query", "foo"],
    ]


def test_the_declared_parameters_are_still_taken(api: Api, stocked: Stocked) -> None:
    assert api.get("clients", limit="1", offset="0", code="x").status_code == 200
    assert api.get("alerts", status="open", case_id=stocked.case_id).status_code == 200


def test_a_write_with_an_unknown_query_key_changes_nothing(api: Api) -> None:
    before = Client.objects.count()
    response = api.http.post(
        "/api/v1/clients?dry_run=1",
        {"code": "Q-1"},
        content_type="application/json",
        headers=api.headers(),
    )
    assert response.status_code == 422
    assert "'dry_run'" in response.json()["error"]["message"]
    assert Client.objects.count() == before


@pytest.mark.parametrize(("path", "method"), NON_FHIR)
def test_every_json_endpoint_refuses_an_unknown_query_key(
    path: str, method: str, api: Api, stocked: Stocked
) -> None:
    url = fill(path, stocked) + "?client_ld=5"
    response = call(api, method, url)
    assert response.status_code == 422, f"{method.upper()} {path}"
    assert response.json()["error"]["details"][0]["loc"] == ["query", "client_ld"]


@pytest.mark.parametrize(("path", "method"), NON_FHIR)
def test_the_keys_checked_are_those_the_openapi_description_declares(
    path: str, method: str
) -> None:
    from django.urls import resolve

    match = resolve(fill(path, None))
    assert known_query_keys()[(str(match.url_name), method.upper())] == declared_query(path, method)


def test_the_fhir_endpoints_ignore_what_they_do_not_know_as_fhir_allows(api: Api) -> None:
    response = api.get("fhir/Questionnaire", _format="json", _pretty="true")
    assert response.status_code == 200
    assert response.json()["resourceType"] == "Bundle"
