"""One client's data for their access request: everything about them, decrypted; nothing of a
partner's; what is withheld is said, not hidden."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from typing import Any

from fhir.resources.R4B.bundle import Bundle

from reattune.exports.access import WITHHELD, access_package
from tests.exports.records import WHAT_HAPPENED, answer, full_record
from tests.factories import make_case, make_session


def _open(data: bytes) -> tuple[str, dict[str, Any], list[dict[str, str]], dict[str, Any]]:
    z = zipfile.ZipFile(io.BytesIO(data))
    readme = z.read("README.txt").decode()
    record = json.loads(z.read("client.json"))
    rows = list(csv.DictReader(io.StringIO(z.read("answers.csv").decode())))
    bundle = json.loads(z.read("fhir-bundle.json"))
    return readme, record, rows, bundle


def test_the_package_holds_their_answers_and_repairs_decrypted(world):
    participant = world.case.participants.get()
    answer(world.session, participant, change="Less homework, please")
    full_record(
        world.case,
        participant,
        clinician=world.clinician,
        supervisor=world.supervisor,
        admin=world.admin,
    )

    readme, record, rows, bundle = _open(access_package(participant.client, by=world.admin.email))

    assert record["client"]["code"] == participant.client.code
    changes = [a["answers"].get("change") for a in record["answers"]]
    assert "Less homework, please" in changes
    [repair] = record["repairs"]
    assert repair["versions"][0]["what_happened"] == WHAT_HAPPENED
    assert repair["obligations"] and repair["history"]
    assert record["alerts"][0]["signal"] == "safety"
    assert {r["note"] for r in record["supervision_requests"]} == {
        "Please discuss this repair.",
        "And the client in general.",
    }
    assert len(record["supervision_agenda_items"]) == 2
    assert record["emergency_access"][0]["reason"] == "Covering for a colleague in a crisis."
    assert record["people"][str(world.clinician.pk)] == world.clinician.full_name
    assert {r["measure"] for r in rows} == {"alliance", "phq9"}
    Bundle.model_validate(bundle)
    assert world.admin.email in readme


def test_reflections_and_case_reviews_are_counted_and_named_in_the_readme_not_included(world):
    participant = world.case.participants.get()
    full_record(
        world.case,
        participant,
        clinician=world.clinician,
        supervisor=world.supervisor,
        admin=world.admin,
    )

    readme, record, _, _ = _open(access_package(participant.client, by="admin"))

    assert record["withheld"] == {"reflections": 1, "case_reviews": 1}
    assert WITHHELD["reflections"] in readme and WITHHELD["case_reviews"] in readme
    assert "I rushed." not in json.dumps(record)


def test_a_partners_answers_stay_out_but_the_shared_sessions_are_in(world):
    case = make_case(world.clinician, kind="couple")
    session = make_session(case, 1)
    mine, partner = case.participants.all()
    answer(session, mine, change="Mine")
    answer(session, partner, change="The partner's words")

    data = access_package(mine.client, by="admin")

    _, record, rows, bundle = _open(data)
    assert "The partner's words" not in json.dumps(record) + json.dumps(bundle)
    assert [a["participant_id"] for a in record["answers"]] == [mine.pk]
    assert {r["participant_id"] for r in rows} == {mine.client.code}
    [joint] = record["cases"]
    assert joint["other_participants"] == 1
    assert [s["number"] for s in joint["sessions"]] == [1]
    assert partner.client.code not in json.dumps(record)


def test_the_access_log_lists_who_opened_their_record(world, login):
    from django.urls import reverse

    participant = world.case.participants.get()
    login(world.clinician).get(reverse("client_detail", args=[participant.client_id]))

    _, record, _, _ = _open(access_package(participant.client, by="admin"))

    assert any(e["user_label"] == world.clinician.email for e in record["access_log"])
