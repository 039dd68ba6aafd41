"""A case opened through the API is on someone's caseload: its urgent safety alerts go to its
clinicians, so a case with none, or with only a clinic admin or a deactivated account, would
send them to nobody. The API offers the same people as the web form's clinician list."""

from __future__ import annotations

from typing import Any

import pytest

from reattune.api.endpoints.cases import NOT_A_CASELOAD, ONE_CLIENT_ALONE
from reattune.api.schemas import NO_CLINICIAN
from reattune.cases.models import Case
from tests.api.conftest import Api
from tests.factories import ClinicWorld


def client_id(api: Api, code: str) -> int:
    response = api.post("clients", {"code": code})
    assert response.status_code == 201, response.content
    return int(response.json()["id"])


def refused(response: Any, status: int = 422) -> dict[str, Any]:
    assert response.status_code == status, response.content
    error: dict[str, Any] = response.json()["error"]
    return error


@pytest.mark.parametrize("clinicians", [{}, {"clinician_ids": []}])
def test_a_case_with_no_clinician_is_refused_and_not_stored(
    api: Api, clinicians: dict[str, Any]
) -> None:
    before = Case.objects.count()
    error = refused(api.post("cases", {"client_ids": [client_id(api, "NC-1")]} | clinicians))
    assert [d["loc"] for d in error["details"]] == [["body", "clinician_ids"]]
    if clinicians:
        assert error["details"][0]["msg"] == NO_CLINICIAN
    assert Case.objects.count() == before


def test_a_clinic_admin_cannot_hold_a_case(api: Api, world: ClinicWorld) -> None:
    before = Case.objects.count()
    body = {"client_ids": [client_id(api, "NC-2")], "clinician_ids": [world.admin.pk]}
    error = refused(api.post("cases", body))
    assert error["message"] == NOT_A_CASELOAD.format(ids=world.admin.pk)
    assert error["details"][0]["loc"] == ["body", "clinician_ids"]
    assert Case.objects.count() == before


def test_a_deactivated_clinician_cannot_hold_a_case(api: Api, world: ClinicWorld) -> None:
    world.colleague.is_active = False
    world.colleague.save(update_fields=["is_active"])
    body = {
        "client_ids": [client_id(api, "NC-3")],
        "clinician_ids": [world.clinician.pk, world.colleague.pk],
    }
    error = refused(api.post("cases", body))
    assert error["message"] == NOT_A_CASELOAD.format(ids=world.colleague.pk)


@pytest.mark.parametrize("role", ["supervisor", "clinician", "trainee"])
def test_anyone_who_holds_a_caseload_can_hold_the_case_and_gets_its_alerts(
    api: Api, world: ClinicWorld, role: str
) -> None:
    person = getattr(world, role)
    body = {"client_ids": [client_id(api, f"NC-{role}")], "clinician_ids": [person.pk]}
    response = api.post("cases", body)
    assert response.status_code == 201, response.content
    case = Case.objects.get(pk=response.json()["id"])
    assert list(case.assignments.values_list("clinician_id", flat=True)) == [person.pk]


def test_an_individual_case_has_only_one_client(api: Api, world: ClinicWorld) -> None:
    before = Case.objects.count()
    body = {
        "kind": "individual",
        "client_ids": [client_id(api, "IND-A"), client_id(api, "IND-B")],
        "clinician_ids": [world.clinician.pk],
    }
    error = refused(api.post("cases", body))
    assert error["message"] == ONE_CLIENT_ALONE.format(count=2)
    assert error["details"][0]["loc"] == ["body", "client_ids"]
    assert Case.objects.count() == before
