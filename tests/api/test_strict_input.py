"""The tester's findings on loose input: ids must be JSON integers (not true, "1" or 1.0),
and the API checks dates and hidden characters as the web forms do, in the forms' words."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from reattune.cases.models import Case, Client, TherapySession
from reattune.lib.validation import DATE_IN_FUTURE, INVISIBLE_TEXT
from tests.api.conftest import Api, phq9
from tests.factories import ClinicWorld

LOOSE = [True, "1", 1.0]


def details(response: Any) -> list[tuple[list[Any], str]]:
    assert response.status_code == 422, response.content
    return [(d["loc"], d["msg"]) for d in response.json()["error"]["details"]]


@pytest.mark.parametrize("loose", LOOSE)
def test_a_case_id_that_is_not_a_json_integer_is_refused(
    api: Api, world: ClinicWorld, loose: Any
) -> None:
    client = Client.objects.filter(clinic=world.clinic).first()
    assert client is not None
    before = Case.objects.count()
    for body in [
        {"client_ids": [loose], "clinician_ids": [world.clinician.pk]},
        {"client_ids": [client.pk], "clinician_ids": [loose]},
    ]:
        where = [loc for loc, _ in details(api.post("cases", body))]
        assert where[0][:2] in (["body", "client_ids"], ["body", "clinician_ids"])
    assert Case.objects.count() == before


@pytest.mark.parametrize("loose", LOOSE)
def test_a_session_case_id_or_number_that_is_not_a_json_integer_is_refused(
    api: Api, world: ClinicWorld, loose: Any
) -> None:
    before = TherapySession.objects.count()
    body = {"case_id": world.case.pk, "date": "2026-03-02"}
    assert details(api.post("sessions", body | {"case_id": loose}))[0][0] == ["body", "case_id"]
    assert details(api.post("sessions", body | {"number": loose}))[0][0][:2] == ["body", "number"]
    assert TherapySession.objects.count() == before


@pytest.mark.parametrize("field", ["session_id", "participant_id"])
def test_answers_naming_their_session_or_participant_loosely_are_refused(
    api: Api, world: ClinicWorld, field: str
) -> None:
    body = {
        "session_id": world.session.pk,
        "participant_id": world.case.participants.get().pk,
        "answers": {"phq9": phq9()},
    }
    for loose in LOOSE:
        assert details(api.post("responses", body | {field: loose}))[0][0] == ["body", field]


def test_a_real_integer_id_is_still_taken(api: Api, world: ClinicWorld) -> None:
    response = api.post("sessions", {"case_id": world.case.pk, "date": "2026-03-02", "number": 7})
    assert response.status_code == 201, response.content


def far_future() -> str:
    return (timezone.localdate() + dt.timedelta(days=3 * 366)).isoformat()


@pytest.mark.parametrize("date", ["1989-12-31", "far future"])
def test_a_session_date_outside_the_forms_range_is_refused(
    api: Api, world: ClinicWorld, date: str
) -> None:
    date = far_future() if date == "far future" else date
    ((where, msg),) = details(api.post("sessions", {"case_id": world.case.pk, "date": date}))
    assert where == ["body", "date"]
    assert msg.startswith("Please give a date between 1990-01-01 and ")


def test_a_date_of_birth_in_the_future_is_refused(api: Api) -> None:
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    body = {"code": "DOB-1", "date_of_birth": tomorrow}
    assert details(api.post("clients", body)) == [(["body", "date_of_birth"], DATE_IN_FUTURE)]
    assert not Client.objects.filter(code="DOB-1").exists()


def test_a_case_opened_outside_the_forms_range_is_refused(api: Api, world: ClinicWorld) -> None:
    client = api.post("clients", {"code": "OPN-1"}).json()["id"]
    body = {"client_ids": [client], "clinician_ids": [world.clinician.pk]}
    for opened_on in ["1989-12-31", far_future()]:
        ((where, msg),) = details(api.post("cases", body | {"opened_on": opened_on}))
        assert where == ["body", "opened_on"]
        assert msg.startswith("Please give a date between 1990-01-01 and ")


@pytest.mark.parametrize("hidden", ["\u200b", "\u202e", "\x07"])
def test_hidden_characters_in_a_name_title_or_label_are_refused_in_the_forms_words(
    api: Api, world: ClinicWorld, hidden: str
) -> None:
    refusal = (["body", "name"], INVISIBLE_TEXT)
    assert details(api.post("clients", {"code": "HID-1", "name": f"An{hidden}n"})) == [refusal]
    a = api.post("clients", {"code": "HID-A"}).json()["id"]
    b = api.post("clients", {"code": "HID-B"}).json()["id"]
    case = {"kind": "couple", "client_ids": [a, b], "clinician_ids": [world.clinician.pk]}
    refusal = (["body", "title"], INVISIBLE_TEXT)
    assert details(api.post("cases", case | {"title": f"Cou{hidden}ple"})) == [refusal]
    refusal = (["body", "labels", "1"], INVISIBLE_TEXT)
    assert details(api.post("cases", case | {"labels": ["A", f"B{hidden}B"]})) == [refusal]
    assert not Case.objects.filter(participants__client_id=a).exists()


def test_a_title_of_only_spaces_is_no_title_as_on_the_form(api: Api, world: ClinicWorld) -> None:
    a = api.post("clients", {"code": "SPC-A"}).json()["id"]
    body = {"client_ids": [a], "clinician_ids": [world.clinician.pk], "title": "   "}
    response = api.post("cases", body)
    assert response.status_code == 201, response.content
    assert response.json()["title"] == ""


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/x-www-form-urlencoded", "application/xml", "application/jsonx"],
)
def test_a_body_that_does_not_say_it_is_json_is_a_415_in_the_error_shape(
    api: Api, content_type: str
) -> None:
    response = api.http.post(
        "/api/v1/clients", '{"code": "CT-1"}', content_type=content_type, headers=api.headers()
    )
    assert response.status_code == 415, response.content
    error = response.json()["error"]
    assert error["code"] == "unsupported_media_type"
    assert content_type in error["message"]
    assert not Client.objects.filter(code="CT-1").exists()


def test_a_body_with_no_content_type_is_a_415(api: Api) -> None:
    response = api.http.generic(
        "POST", "/api/v1/clients", b'{"code": "CT-2"}', content_type="", headers=api.headers()
    )
    assert response.status_code == 415, response.content
    assert "no Content-Type" in response.json()["error"]["message"]
    assert not Client.objects.filter(code="CT-2").exists()


@pytest.mark.parametrize(
    "content_type", ["application/json; charset=utf-8", "APPLICATION/JSON", "application/x+json"]
)
def test_json_and_plus_json_bodies_are_read(api: Api, content_type: str) -> None:
    response = api.http.post(
        "/api/v1/clients", '{"code": "CT-3"}', content_type=content_type, headers=api.headers()
    )
    assert response.status_code == 201, response.content


def test_a_code_with_a_nul_in_the_query_is_refused_not_stripped(api: Api) -> None:
    assert api.post("clients", {"code": "NUL1"}).status_code == 201
    response = api.get("clients", code="NUL\x001")
    assert response.status_code == 422, response.content
    assert [d["loc"] for d in response.json()["error"]["details"]] == [["query", "code"]]
    assert api.get("clients", code="NUL1").json()["count"] == 1
