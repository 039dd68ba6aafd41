"""What a record system or scheduler does through the API, end to end."""

from __future__ import annotations

import pytest
from django.test import Client as HttpClient

from reattune.alerts.models import Alert
from reattune.api.endpoints.cases import LABELS_MISMATCH, REPEATED_LABEL, UNKNOWN_CLINICIANS
from reattune.api.endpoints.sessions import CASE_CLOSED, NOT_ATTENDED
from reattune.cases.models import Case, Client
from reattune.cases.services import CLIENT_CODE_TAKEN
from reattune.checks.models import CheckLink, Response
from reattune.checks.services import ALREADY_ANSWERED
from reattune.measures.registry import get_definition
from tests.api.conftest import Api, Stocked, phq9


def test_a_client_is_added_and_read_back(api: Api) -> None:
    made = api.post(
        "clients", {"code": "EHR-1", "name": "Sam Example", "date_of_birth": "1990-04-01"}
    )
    assert made.status_code == 201
    body = made.json()
    assert (body["code"], body["name"], body["date_of_birth"]) == (
        "EHR-1",
        "Sam Example",
        "1990-04-01",
    )
    assert api.get(f"clients/{body['id']}").json() == body
    assert Client.objects.get(pk=body["id"]).clinic_id == api.token.clinic_id


def test_a_clients_code_is_unique_in_the_clinic_whatever_its_case(api: Api) -> None:
    api.post("clients", {"code": "EHR-2"})
    response = api.post("clients", {"code": "ehr-2"})
    assert response.status_code == 422
    assert response.json()["error"]["message"] == CLIENT_CODE_TAKEN.format(code="ehr-2")
    assert response.json()["error"]["details"][0]["loc"] == ["body", "code"]


def test_a_client_is_found_by_code(api: Api) -> None:
    api.post("clients", {"code": "EHR-3"})
    body = api.get("clients", code="ehr-3").json()
    assert [c["code"] for c in body["items"]] == ["EHR-3"]


def test_an_email_that_is_not_one_is_refused(api: Api) -> None:
    response = api.post("clients", {"code": "EHR-4", "email": "not an email"})
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["loc"] == ["body", "email"]


def test_a_couple_case_is_opened_with_labels_and_a_clinician(api: Api, world) -> None:
    a = api.post("clients", {"code": "CPL-A"}).json()["id"]
    b = api.post("clients", {"code": "CPL-B"}).json()["id"]
    response = api.post(
        "cases",
        {
            "kind": "couple",
            "client_ids": [a, b],
            "labels": ["Partner A", "Partner B"],
            "clinician_ids": [world.clinician.pk],
        },
    )
    assert response.status_code == 201
    case = response.json()
    assert [(p["client_id"], p["label"]) for p in case["participants"]] == [
        (a, "Partner A"),
        (b, "Partner B"),
    ]
    assert case["clinician_ids"] == [world.clinician.pk]
    assert api.get(f"cases/{case['id']}").json() == case
    assert [c["id"] for c in api.get("cases", client_id=a).json()["items"]] == [case["id"]]


def test_a_couple_case_needs_two_clients(api: Api, world) -> None:
    a = api.post("clients", {"code": "CPL-C"}).json()["id"]
    body = {"kind": "couple", "client_ids": [a], "clinician_ids": [world.clinician.pk]}
    response = api.post("cases", body)
    assert response.status_code == 422
    assert "at least 2" in response.json()["error"]["message"]


@pytest.mark.parametrize("labels", [["A", "B", "C"], ["Only one"]])
def test_labels_must_be_one_per_client_or_none(api: Api, world, labels: list[str]) -> None:
    a = api.post("clients", {"code": "LBL-A"}).json()["id"]
    b = api.post("clients", {"code": "LBL-B"}).json()["id"]
    before = Case.objects.count()
    body = {"kind": "couple", "client_ids": [a, b], "labels": labels}
    response = api.post("cases", body | {"clinician_ids": [world.clinician.pk]})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["message"] == LABELS_MISMATCH.format(labels=len(labels), clients=2)
    assert error["details"][0]["loc"] == ["body", "labels"]
    assert Case.objects.count() == before


def test_two_participants_cannot_share_a_label(api: Api, world) -> None:
    a = api.post("clients", {"code": "LBL-C"}).json()["id"]
    b = api.post("clients", {"code": "LBL-D"}).json()["id"]
    body = {"kind": "couple", "client_ids": [a, b], "labels": ["Partner A", " partner a"]}
    response = api.post("cases", body | {"clinician_ids": [world.clinician.pk]})
    assert response.status_code == 422
    assert response.json()["error"]["message"] == REPEATED_LABEL.format(label="partner a")
    assert response.json()["error"]["details"][0]["loc"] == ["body", "labels", 1]


def test_blank_labels_may_repeat_as_no_label_at_all(api: Api, world) -> None:
    a = api.post("clients", {"code": "LBL-E"}).json()["id"]
    b = api.post("clients", {"code": "LBL-F"}).json()["id"]
    body = {"kind": "couple", "client_ids": [a, b], "labels": ["", ""]}
    response = api.post("cases", body | {"clinician_ids": [world.clinician.pk]})
    assert response.status_code == 201


def test_a_case_with_an_unknown_clinician_says_which(api: Api) -> None:
    a = api.post("clients", {"code": "CPL-D"}).json()["id"]
    response = api.post("cases", {"client_ids": [a], "clinician_ids": [987654]})
    assert response.status_code == 404
    assert response.json()["error"]["message"] == UNKNOWN_CLINICIANS.format(ids="987654")


def test_a_scheduled_session_returns_each_participants_check_link(api: Api, world) -> None:
    response = api.post("sessions", {"case_id": world.case.pk, "date": "2026-01-12"})
    assert response.status_code == 201
    body = response.json()
    assert body["number"] == 2
    (entry,) = body["check_links"]
    participant = world.case.participants.get()
    assert (entry["participant_id"], entry["client_id"]) == (participant.pk, participant.client_id)
    assert entry["problem"] == ""
    link = CheckLink.objects.get(session_id=body["id"])
    assert entry["url"] == f"http://testserver/c/{link.token}/"
    assert entry["measure_ids"] == link.measure_ids
    # The link is the client's real check form.
    assert HttpClient().get(entry["url"].removeprefix("http://testserver")).status_code == 200


def test_a_missed_session_is_recorded_without_a_link(api: Api, world) -> None:
    body = api.post(
        "sessions", {"case_id": world.case.pk, "date": "2026-01-12", "attendance": "no_show"}
    ).json()
    assert body["check_links"][0]["url"] is None
    assert body["check_links"][0]["problem"] == NOT_ATTENDED
    assert not CheckLink.objects.filter(session_id=body["id"]).exists()


def test_a_session_number_already_taken_is_a_conflict(api: Api, world) -> None:
    response = api.post("sessions", {"case_id": world.case.pk, "date": "2026-01-12", "number": 1})
    assert response.status_code == 409
    assert response.json()["error"]["details"][0]["loc"] == ["body", "number"]


def test_a_closed_case_takes_no_sessions(api: Api, world) -> None:
    Case.objects.filter(pk=world.case.pk).update(closed_on="2026-11-01", opened_on="2026-01-01")
    response = api.post("sessions", {"case_id": world.case.pk, "date": "2026-01-12"})
    assert response.status_code == 409
    assert response.json()["error"]["message"] == CASE_CLOSED


def whole(measure: str) -> dict[str, object]:
    """Every required item of a measure answered with its first option (or "no", or 0)."""
    answers: dict[str, object] = {}
    for item in get_definition(measure).items:
        if item.type == "choice":
            answers[item.id] = item.options[0].value
        elif item.type == "yes_no":
            answers[item.id] = "no"
        elif item.type == "scale":
            answers[item.id] = item.minimum
    return answers


def test_submitted_answers_are_scored_like_the_check_link_and_use_up_its_link(
    api: Api, world
) -> None:
    session = api.post("sessions", {"case_id": world.case.pk, "date": "2026-01-12"}).json()
    participant_id = session["check_links"][0]["participant_id"]
    answers = phq9(q1=3, q2=2, q9=1)
    # The link is used up once the answers cover every measure it asks (a link asking more
    # stays open for the rest: tests/checks/test_responses_store.py); answer them all.
    others = {
        measure: whole(measure)
        for measure in session["check_links"][0]["measure_ids"]
        if measure != "phq9"
    }
    response = api.post(
        "responses",
        {
            "session_id": session["id"],
            "participant_id": participant_id,
            "answers": {"phq9": answers, **others},
        },
    )
    assert response.status_code == 201
    (stored,) = [r for r in response.json() if r["measure_id"] == "phq9"]
    assert stored["total"] == get_definition("phq9").score(answers).total == 6
    assert stored["source"] == "api"
    assert stored["answers"] == answers
    assert Response.objects.get(pk=stored["id"]).total == 6
    assert CheckLink.objects.get(session_id=session["id"]).used_at is not None
    assert api.get(f"responses/{stored['id']}").json() == stored


def test_a_second_set_of_answers_is_a_conflict_and_the_first_is_kept(
    api: Api, world, stocked: Stocked
) -> None:
    response = api.post(
        "responses",
        {
            "session_id": stocked.session_id,
            "participant_id": stocked.participant_id,
            "answers": {"phq9": phq9(q1=3)},
        },
    )
    assert response.status_code == 409
    assert response.json()["error"]["message"] == ALREADY_ANSWERED
    assert Response.objects.get(pk=stocked.response_id).total == 1


def test_answers_out_of_range_name_each_item(api: Api, world) -> None:
    participant = world.case.participants.get()
    response = api.post(
        "responses",
        {
            "session_id": world.session.pk,
            "participant_id": participant.pk,
            "answers": {"phq9": phq9(q1=7) | {"q2": "often"}},
        },
    )
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_answers"
    assert {tuple(d["loc"]) for d in error["details"]} == {
        ("body", "answers", "phq9", "q1"),
        ("body", "answers", "phq9", "q2"),
    }
    assert not Response.objects.filter(session=world.session).exists()


def test_an_unknown_measure_is_refused_with_the_known_ones(api: Api, world) -> None:
    participant = world.case.participants.get()
    response = api.post(
        "responses",
        {"session_id": world.session.pk, "participant_id": participant.pk, "answers": {"bdi": {}}},
    )
    assert response.status_code == 422
    assert "phq9" in response.json()["error"]["message"]


def test_a_participant_of_another_case_is_refused(api: Api, world) -> None:
    other = world.trainee_case.participants.get()
    response = api.post(
        "responses",
        {"session_id": world.session.pk, "participant_id": other.pk, "answers": {"phq9": phq9()}},
    )
    assert response.status_code == 422


def test_alerts_are_read_and_acknowledged_without_naming_a_person(
    api: Api, stocked: Stocked
) -> None:
    listed = api.get("alerts", status="open").json()
    assert stocked.alert_id in [a["id"] for a in listed["items"]]
    response = api.post(f"alerts/{stocked.alert_id}/acknowledge")
    assert response.status_code == 200
    assert response.json()["status"] == "acknowledged"
    alert = Alert.objects.get(pk=stocked.alert_id)
    assert (alert.status, alert.acknowledged_by_id) == ("acknowledged", None)
    assert alert.acknowledged_at is not None
    # Again: unchanged, so a retry is harmless.
    assert api.post(f"alerts/{stocked.alert_id}/acknowledge").json() == response.json()
    assert api.get(f"alerts/{stocked.alert_id}").json() == response.json()


def test_a_read_only_token_cannot_acknowledge(world, api_for, stocked: Stocked) -> None:
    reader = api_for(world, scopes=("read",))
    assert reader.post(f"alerts/{stocked.alert_id}/acknowledge").status_code == 403
    assert Alert.objects.get(pk=stocked.alert_id).status == "open"


def test_repairs_are_read(api: Api, stocked: Stocked) -> None:
    listed = api.get("repairs", case_id=stocked.case_id).json()
    assert [r["id"] for r in listed["items"]] == [stocked.repair_id]
    one = api.get(f"repairs/{stocked.repair_id}").json()
    assert (one["case_id"], one["client_id"], one["status"]) == (
        stocked.case_id,
        stocked.client_id,
        "open",
    )


def test_a_cases_signals_are_the_detection_engines_reading(api: Api, stocked: Stocked) -> None:
    signals = api.get(f"cases/{stocked.case_id}/signals").json()
    stored = set(Alert.objects.filter(case_id=stocked.case_id).values_list("signal", flat=True))
    assert stored and stored <= {s["signal"] for s in signals}
    assert all(s["participant_id"] == stocked.participant_id for s in signals)


def test_lists_come_in_pages_with_a_count_and_links(api: Api) -> None:
    for n in range(5):
        api.post("clients", {"code": f"PG-{n}"})
    first = api.get("clients", limit=2).json()
    total = first["count"]
    assert total >= 5 and len(first["items"]) == 2 and first["previous"] is None
    assert first["next"].startswith("http://testserver/api/v1/clients?")
    seen = [c["id"] for c in first["items"]]
    page = first
    while page["next"]:
        page = api.http.get(page["next"], headers=api.headers()).json()
        seen += [c["id"] for c in page["items"]]
    assert len(seen) == len(set(seen)) == total
    assert page["previous"] is not None


def test_a_page_size_over_the_maximum_is_refused(api: Api) -> None:
    response = api.get("clients", limit=101)
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["loc"] == ["query", "limit"]


def test_the_openapi_description_is_served_without_a_token() -> None:
    response = HttpClient().get("/api/v1/openapi.json")
    assert response.status_code == 200
    description = response.json()
    assert description["info"]["version"] == "1"
    assert "/api/v1/clients" in description["paths"]


def test_the_interactive_docs_page_is_served_without_a_token() -> None:
    response = HttpClient().get("/api/v1/docs")
    assert response.status_code == 200
    assert b"swagger-ui-bundle.js" in response.content


def test_the_apis_root_says_where_its_description_is() -> None:
    response = HttpClient().get("/api/v1/")
    assert response.status_code == 200
    assert response.json()["openapi"] == "http://testserver/api/v1/openapi.json"


def test_any_other_path_under_the_api_is_a_json_404_even_with_a_newline_in_it(api: Api) -> None:
    for path in ["nothing/here", "cases/%0Aabc/signals", "clients/abc"]:
        response = api.http.get(f"/api/v1/{path}", headers=api.headers())
        assert response.status_code == 404, path
        assert response.json()["error"]["code"] == "not_found"
