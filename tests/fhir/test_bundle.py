"""A clinic's and one client's records as a FHIR collection Bundle, whole or streamed."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reattune.fhir.bundle import (
    FALLBACK_BASE,
    bundle_chunks,
    client_bundle,
    client_entries,
    clinic_bundle,
    clinic_bundle_chunks,
    clinic_entries,
)
from tests.factories import make_case, make_session
from tests.fhir.helpers import ALLIANCE, PHQ9, store, validate_r4

pytestmark = pytest.mark.django_db


def kinds(bundle: dict[str, Any]) -> Counter[str]:
    return Counter(e["resource"]["resourceType"] for e in bundle["entry"])


def ids_of(bundle: dict[str, Any], resource_type: str) -> set[str]:
    return {
        e["resource"]["id"]
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == resource_type
    }


def test_a_clients_bundle_is_a_valid_r4_collection_of_everything_about_them(world):
    participant = world.case.participants.get()
    store(world.session, participant, "phq9", PHQ9)
    store(world.session, participant, "alliance", ALLIANCE)
    bundle = client_bundle(participant.client)
    validate_r4(bundle)
    assert bundle["type"] == "collection"
    assert kinds(bundle) == {
        "Questionnaire": 2,
        "Patient": 1,
        "Encounter": 1,
        "QuestionnaireResponse": 2,
        "Observation": 2,
    }


def test_a_partners_answers_stay_out_of_the_other_partners_bundle(world):
    couple = make_case(world.clinician, kind="couple")
    session = make_session(couple, 1)
    first, second = couple.participants.all()
    mine = store(session, first, "phq9", PHQ9)
    store(session, second, "phq9", PHQ9)
    bundle = client_bundle(first.client)
    assert ids_of(bundle, "QuestionnaireResponse") == {str(mine.pk)}
    assert ids_of(bundle, "Patient") == {str(first.client_id)}
    # The session they shared is theirs too.
    assert ids_of(bundle, "Encounter") == {str(session.pk)}


def test_a_clinics_bundle_holds_its_own_clients_and_none_of_another_clinics(world, other_world):
    store(world.session, world.case.participants.get(), "phq9", PHQ9)
    theirs = store(other_world.session, other_world.case.participants.get(), "phq9", PHQ9)
    bundle = clinic_bundle(world.clinic)
    validate_r4(bundle)
    # The world has three cases, one client each; only the clinician's case has a session.
    assert kinds(bundle)["Patient"] == 3
    assert ids_of(bundle, "Encounter") == {str(world.session.pk)}
    assert str(theirs.pk) not in ids_of(bundle, "QuestionnaireResponse")
    assert str(theirs.client_id) not in ids_of(bundle, "Patient")


def test_the_streamed_bundle_is_the_same_json_as_the_whole_one(world):
    store(world.session, world.case.participants.get(), "phq9", PHQ9)
    streamed = json.loads("".join(clinic_bundle_chunks(world.clinic)))
    whole = clinic_bundle(world.clinic)
    validate_r4(streamed)
    assert streamed["entry"] == whole["entry"]
    assert streamed["type"] == "collection"


def test_an_empty_stream_is_still_a_valid_bundle():
    validate_r4(json.loads("".join(bundle_chunks(iter([])))))


def test_entries_live_at_this_servers_fhir_address(world, settings):
    settings.BASE_URL = "https://clinic.example.org/"
    participant = world.case.participants.get()
    response = store(world.session, participant, "phq9", PHQ9)
    urls = {e["fullUrl"] for e in client_entries(participant.client)}
    base = "https://clinic.example.org/api/v1/fhir"
    assert f"{base}/QuestionnaireResponse/{response.pk}" in urls
    assert f"{base}/Patient/{participant.client_id}" in urls
    assert f"{base}/Questionnaire/phq9" in urls


def test_without_a_base_url_entries_use_a_host_that_cannot_be_mistaken_for_a_server(
    world, settings
):
    settings.BASE_URL = ""
    urls = [e["fullUrl"] for e in client_entries(world.case.participants.get().client)]
    assert urls and all(u.startswith(FALLBACK_BASE + "/api/v1/fhir/") for u in urls)


def test_a_bundles_queries_do_not_grow_with_its_sessions_and_responses(world):
    participant = world.case.participants.get()

    def queries_for_bundle() -> int:
        with CaptureQueriesContext(connection) as captured:
            list(clinic_entries(world.clinic))
        return len(captured)

    store(world.session, participant, "phq9", PHQ9)
    few = queries_for_bundle()
    for number in range(2, 8):
        store(make_session(world.case, number), participant, "phq9", PHQ9)
    assert queries_for_bundle() == few
