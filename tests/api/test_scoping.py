"""A token of clinic A reads nothing of clinic B, and cannot write into it."""

from __future__ import annotations

import pytest

from reattune.cases.models import Case, Client, TherapySession
from reattune.checks.models import Response
from tests.api.conftest import Api, Stocked, phq9

LISTS = ["clients", "cases", "sessions", "responses", "alerts", "repairs"]


@pytest.mark.parametrize("path", LISTS)
def test_a_list_holds_only_the_tokens_own_clinic(
    path: str, api: Api, stocked: Stocked, other_stocked: Stocked
) -> None:
    body = api.get(path, limit=100).json()
    assert body["count"] == len(body["items"]) > 0
    theirs = {
        "clients": Client.objects.exclude(clinic_id=api.token.clinic_id),
        "cases": Case.objects.exclude(clinic_id=api.token.clinic_id),
        "sessions": TherapySession.objects.exclude(case__clinic_id=api.token.clinic_id),
        "responses": Response.objects.exclude(clinic_id=api.token.clinic_id),
    }.get(path)
    if theirs is not None:
        assert theirs.exists()
        assert not {item["id"] for item in body["items"]} & set(theirs.values_list("pk", flat=True))
    for item in body["items"]:
        for key in ("client_id", "case_id"):
            if key in item:
                assert item[key] != getattr(other_stocked, key)


@pytest.mark.parametrize(
    ("path", "key"),
    [
        ("clients/{}", "client_id"),
        ("cases/{}", "case_id"),
        ("cases/{}/signals", "case_id"),
        ("sessions/{}", "session_id"),
        ("responses/{}", "response_id"),
        ("alerts/{}", "alert_id"),
        ("repairs/{}", "repair_id"),
    ],
)
def test_another_clinics_record_is_not_found(
    path: str, key: str, api: Api, stocked: Stocked, other_stocked: Stocked
) -> None:
    assert api.get(path.format(getattr(stocked, key))).status_code == 200
    response = api.get(path.format(getattr(other_stocked, key)))
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_filters_by_another_clinics_ids_find_nothing(
    api: Api, stocked: Stocked, other_stocked: Stocked
) -> None:
    for path, key in [("cases", "client_id"), ("sessions", "case_id"), ("alerts", "case_id")]:
        body = api.get(path, **{key: getattr(other_stocked, key)}).json()
        assert body["count"] == 0, path


def test_a_case_cannot_be_opened_for_another_clinics_client(
    api: Api, world, other_stocked: Stocked
) -> None:
    before = Case.objects.count()
    body = {"client_ids": [other_stocked.client_id], "clinician_ids": [world.clinician.pk]}
    response = api.post("cases", body)
    assert response.status_code == 404
    assert Case.objects.count() == before


def test_a_case_cannot_be_given_another_clinics_clinician(api: Api, world, other_world) -> None:
    client = api.post("clients", {"code": "SC-1"}).json()
    response = api.post(
        "cases", {"client_ids": [client["id"]], "clinician_ids": [other_world.clinician.pk]}
    )
    assert response.status_code == 404


def test_a_session_cannot_be_added_to_another_clinics_case(
    api: Api, other_stocked: Stocked
) -> None:
    before = TherapySession.objects.count()
    response = api.post("sessions", {"case_id": other_stocked.case_id, "date": "2026-02-02"})
    assert response.status_code == 404
    assert TherapySession.objects.count() == before


def test_answers_cannot_be_sent_for_another_clinics_session(
    api: Api, other_world, other_stocked: Stocked
) -> None:
    from tests.factories import make_session

    session = make_session(other_world.case, 2)
    response = api.post(
        "responses",
        {
            "session_id": session.pk,
            "participant_id": other_stocked.participant_id,
            "answers": {"phq9": phq9()},
        },
    )
    assert response.status_code == 404
    assert not Response.objects.filter(session=session).exists()


def test_another_clinics_alert_cannot_be_acknowledged(api: Api, other_stocked: Stocked) -> None:
    from reattune.alerts.models import Alert

    assert api.post(f"alerts/{other_stocked.alert_id}/acknowledge").status_code == 404
    assert Alert.objects.get(pk=other_stocked.alert_id).status == "open"
