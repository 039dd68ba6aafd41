"""Bad input to the API: malformed JSON, wrong types, unknown fields, NUL characters, huge
payloads, and too many requests. Each is a 4xx in the one error shape, and nothing is
stored."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reattune.api.auth import count_request
from reattune.api.endpoints.responses import clean
from reattune.api.errors import MALFORMED_JSON, TOO_LARGE, ApiError
from reattune.api.models import RateWindow
from reattune.cases.models import Client
from tests.api.conftest import Api


def error_of(response: Any) -> dict[str, Any]:
    body = response.json()
    assert set(body) == {"error"}
    error: dict[str, Any] = body["error"]
    assert set(error) == {"code", "message", "details"}
    return error


@pytest.mark.parametrize("raw", ["{", '{"code": "A"', "not json", '{"code": "A",}'])
def test_malformed_json_is_a_400_that_says_so(raw: str, api: Api) -> None:
    response = api.post("clients", raw=raw)
    assert response.status_code == 400
    assert error_of(response) == {
        "code": "malformed_json",
        "message": MALFORMED_JSON,
        "details": [],
    }
    assert not Client.objects.filter(code="A").exists()


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ({"code": 12}, ["body", "code"]),
        ({"code": ["A"]}, ["body", "code"]),
        ({"code": "A", "date_of_birth": "yesterday"}, ["body", "date_of_birth"]),
        ({}, ["body", "code"]),
        ({"code": ""}, ["body", "code"]),
        ({"code": "x" * 41}, ["body", "code"]),
    ],
)
def test_wrong_types_name_the_field(body: dict[str, Any], where: list[str], api: Api) -> None:
    response = api.post("clients", body)
    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "invalid"
    assert [d["loc"] for d in error["details"]] == [where]


@pytest.mark.parametrize("body", [[], "A", 7, None, [{"code": "A"}]])
def test_a_body_that_is_not_an_object_is_refused(body: Any, api: Api) -> None:
    response = api.post("clients", raw=json.dumps(body))
    assert response.status_code in (400, 422)
    error_of(response)


def test_unknown_fields_are_refused_not_ignored(api: Api) -> None:
    response = api.post("clients", {"code": "U-1", "nmae": "Typo"})
    assert response.status_code == 422
    assert error_of(response)["details"] == [
        {
            "loc": ["body", "nmae"],
            "msg": "Extra inputs are not permitted",
            "type": "extra_forbidden",
        }
    ]
    assert not Client.objects.filter(code="U-1").exists()


def test_unknown_answer_items_are_refused(api: Api, world) -> None:
    participant = world.case.participants.get()
    answers = {f"q{n}": 0 for n in range(1, 10)} | {"q10": 1}
    response = api.post(
        "responses",
        {
            "session_id": world.session.pk,
            "participant_id": participant.pk,
            "answers": {"phq9": answers},
        },
    )
    assert response.status_code == 422
    assert error_of(response)["details"][0]["loc"] == ["body", "answers", "phq9", "q10"]


def test_a_nul_character_is_refused_before_the_database(api: Api) -> None:
    response = api.post("clients", {"code": "N\u00001"})
    assert response.status_code == 422
    assert not Client.objects.filter(code__startswith="N").exists()


def test_an_invisible_code_is_refused(api: Api) -> None:
    assert api.post("clients", {"code": "A\u200bB"}).status_code == 422
    assert api.post("clients", {"code": "   "}).status_code == 422


def test_a_huge_payload_is_a_413_and_is_not_read(api: Api, settings) -> None:
    settings.API_MAX_BODY_BYTES = 1000
    body = {"code": "H-1", "name": "x" * 5000}
    response = api.post("clients", body)
    assert response.status_code == 413
    assert error_of(response) == {
        "code": "payload_too_large",
        "message": TOO_LARGE.format(limit=1000),
        "details": [],
    }
    assert not Client.objects.filter(code="H-1").exists()


def test_a_huge_payload_over_djangos_own_limit_is_still_a_413(api: Api, settings) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2000
    settings.API_MAX_BODY_BYTES = 10_000
    response = api.post("clients", {"code": "H-2", "name": "x" * 5000})
    assert response.status_code == 413


def test_past_the_rate_limit_a_token_gets_429_with_retry_after(api: Api, settings) -> None:
    settings.API_RATE_PER_MINUTE = 3
    statuses = [api.get("clients").status_code for _ in range(4)]
    assert statuses[:3] == [200, 200, 200]
    assert statuses[3] == 429
    response = api.get("clients")
    assert error_of(response)["code"] == "rate_limited"
    assert 1 <= int(response["Retry-After"]) <= 60


def test_the_rate_limit_counts_per_token(api: Api, world, api_for, settings) -> None:
    settings.API_RATE_PER_MINUTE = 1
    other = api_for(world, name="Scheduler")
    assert api.get("clients").status_code == 200
    assert api.get("clients").status_code == 429
    assert other.get("clients").status_code == 200


def test_the_count_is_kept_in_the_database_and_starts_again_each_minute(api: Api, settings) -> None:
    """The counter is a row per token per minute, so every server process shares it."""
    settings.API_RATE_PER_MINUTE = 2
    minute = 29_000_000 * 60.0
    count_request(api.token, now=minute + 1)
    count_request(api.token, now=minute + 30)
    with pytest.raises(ApiError) as refused:
        count_request(api.token, now=minute + 59)
    assert refused.value.status == 429
    assert refused.value.headers == {"Retry-After": "1"}
    assert RateWindow.objects.get(token=api.token, minute=29_000_000).count == 3
    count_request(api.token, now=minute + 61)  # the next minute: allowed, and the old row goes
    assert list(RateWindow.objects.filter(token=api.token).values_list("minute", "count")) == [
        (29_000_001, 1)
    ]


answer_values = st.one_of(st.integers(min_value=-5, max_value=15), st.text(max_size=5), st.none())


@given(
    answers=st.dictionaries(
        st.sampled_from(["phq9", "gad7", "alliance", "core10", "nope"]),
        st.dictionaries(
            st.sampled_from([f"q{n}" for n in range(12)] + ["felt_off"]), answer_values
        ),
        min_size=1,
    )
)
def test_any_answers_are_either_cleaned_or_refused_item_by_item(answers) -> None:
    try:
        cleaned = clean(answers)
    except ApiError as error:
        assert error.status == 422
        assert error.details, "a refusal names what was wrong"
        for detail in error.details:
            assert detail["loc"][:3] == ["body", "answers", detail["loc"][2]]
    else:
        assert set(cleaned) == set(answers)


def test_a_server_error_is_a_500_in_the_error_shape_and_keeps_nothing(
    api: Api, world, monkeypatch
) -> None:
    """A fault inside the service (simulated: the session service breaks after writing)."""
    from reattune.api.endpoints import sessions
    from reattune.api.errors import SERVER_ERROR
    from reattune.cases.models import TherapySession

    real = sessions.session_record  # type: ignore[attr-defined]

    def breaks_after_saving(**kwargs: Any) -> Any:
        real(**kwargs)
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(sessions, "session_record", breaks_after_saving)
    before = TherapySession.objects.count()
    response = api.post("sessions", {"case_id": world.case.pk, "date": "2026-01-12"})
    assert response.status_code == 500
    assert error_of(response) == {"code": "server_error", "message": SERVER_ERROR, "details": []}
    assert "disk on fire" not in response.content.decode()
    assert TherapySession.objects.count() == before
