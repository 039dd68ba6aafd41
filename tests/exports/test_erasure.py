"""Erasing one client's data: nothing of theirs is left anywhere, a joint case keeps the other
partner's data, and a record with no name and no answers stays."""

from __future__ import annotations

import re

import pytest

from reattune.audit.models import Action, AuditEvent, Category
from reattune.cases.models import Case, Client, Participant
from reattune.checks.models import Response
from reattune.demo.seed import demo_seed
from reattune.exports import erasure as erasure_module
from reattune.exports.erasure import (
    CHANGED_MEANWHILE,
    CODE_MISMATCH,
    REASON_MISSING,
    ErasureRefused,
    client_erase,
    code_fingerprint,
    erasure_plan,
    erasures_matching,
)
from reattune.exports.mentions import mentions_of
from reattune.exports.models import Erasure
from reattune.learning.models import Reflection
from reattune.reviews.models import CaseReview
from reattune.supervision.models import ActionItem, AgendaItem, Meeting
from tests.exports.records import answer, belonging_to, full_record, references_left
from tests.factories import make_case, make_session

REASON = "The client's written request of 3 March."


def _erase(client: Client, by) -> Erasure:
    return client_erase(client=client, by=by, code_typed=client.code, reason=REASON)


def test_an_erased_client_leaves_no_row_anywhere_that_references_them(world):
    participant = world.case.participants.get()
    full_record(
        world.case,
        participant,
        clinician=world.clinician,
        supervisor=world.supervisor,
        admin=world.admin,
    )
    erased = belonging_to(participant.client)
    assert erased["checks.Response"] and erased["alerts.Alert"] and erased["repairs.Repair"]

    _erase(participant.client, world.admin)

    assert references_left(erased) == []
    assert not Reflection.objects.exists()
    assert not CaseReview.objects.exists()
    # The meetings stay as records of supervision; only the items about this client go.
    assert Meeting.objects.count() == 2
    assert not AgendaItem.objects.exists()
    assert not ActionItem.objects.exists()


def test_erasure_counts_every_kind_of_row_it_deleted(world):
    participant = world.case.participants.get()
    full_record(
        world.case,
        participant,
        clinician=world.clinician,
        supervisor=world.supervisor,
        admin=world.admin,
    )

    erasure = _erase(participant.client, world.admin)

    for label in (
        "cases.Client",
        "cases.Case",
        "cases.Participant",
        "cases.TherapySession",
        "checks.Response",
        "checks.CheckLink",
        "alerts.Alert",
        "repairs.Repair",
        "repairs.RepairVersion",
        "repairs.Obligation",
        "repairs.RepairEvent",
        "supervision.SupervisionRequest",
        "supervision.AgendaItem",
        "supervision.ActionItem",
        "learning.Reflection",
        "reviews.CaseReview",
        "reviews.ReviewVersion",
        "breakglass.Grant",
        "cases.CaseClinician",
    ):
        assert erasure.counts.get(label, 0) >= 1, label
    assert erasure.counts["cases.Client"] == 1


def test_a_joint_case_keeps_its_sessions_and_the_other_partners_data(world):
    case = make_case(world.clinician, kind="couple")
    session = make_session(case, 1)
    leaving, staying = list(case.participants.all())
    answer(session, leaving)
    kept = answer(session, staying)
    full_record(
        case, leaving, clinician=world.clinician, supervisor=world.supervisor, admin=world.admin
    )
    erased = belonging_to(leaving.client)
    assert erased["cases.Case"] == set()

    _erase(leaving.client, world.admin)

    assert references_left(erased) == []
    assert Case.objects.filter(pk=case.pk).exists()
    assert case.sessions.filter(pk=session.pk).exists()
    assert list(Participant.objects.filter(case=case)) == [staying]
    assert Response.objects.get(pk=kept.pk).answers["respected"] == 8


def test_another_clients_data_is_untouched(world):
    other = world.trainee_case.participants.get()
    session = make_session(world.trainee_case, 1)
    theirs = answer(session, other)
    participant = world.case.participants.get()
    answer(world.session, participant)

    _erase(participant.client, world.admin)

    assert Response.objects.filter(pk=theirs.pk).exists()
    assert Client.objects.filter(pk=other.client_id).exists()


def test_the_erasure_record_holds_no_name_no_code_and_no_answers(world):
    participant = world.case.participants.get()
    client = participant.client
    client.name = "Alex Example"
    client.save()
    answer(world.session, participant)

    erasure = _erase(client, world.admin)

    stored = Erasure.objects.get(pk=erasure.pk)
    values = " ".join(str(getattr(stored, f.attname)) for f in Erasure._meta.concrete_fields)
    assert client.code not in values
    assert "Alex" not in values
    assert stored.code_fingerprint == code_fingerprint(clinic_id=client.clinic_id, code=client.code)
    assert stored.client_pk == client.pk
    assert stored.reason == REASON
    assert stored.erased_by == world.admin


def test_the_audit_keeps_the_fact_as_a_delete_row_naming_the_old_client_id(world):
    client = world.case.participants.get().client
    pk = client.pk

    erasure = _erase(client, world.admin)

    row = AuditEvent.objects.filter(action=Action.DELETE).order_by("-seq").first()
    assert row is not None
    assert (row.category, row.client_id, row.user_id) == (Category.CLIENT, pk, world.admin.pk)
    assert row.target == f"client erased erasure_id={erasure.pk}"


def test_a_code_that_does_not_match_erases_nothing(world):
    client = world.case.participants.get().client

    with pytest.raises(ErasureRefused, match=re.escape(CODE_MISMATCH)):
        client_erase(client=client, by=world.admin, code_typed=client.code + "x", reason=REASON)

    assert Client.objects.filter(pk=client.pk).exists()
    assert not Erasure.objects.exists()


def test_an_erasure_without_a_reason_is_refused(world):
    client = world.case.participants.get().client

    with pytest.raises(ErasureRefused, match=re.escape(REASON_MISSING)):
        client_erase(client=client, by=world.admin, code_typed=client.code, reason="   ")

    assert Client.objects.filter(pk=client.pk).exists()


def test_an_erased_code_is_found_again_only_in_its_own_clinic(world, other_world):
    client = world.case.participants.get().client
    code = client.code
    _erase(client, world.admin)

    assert erasures_matching(clinic_id=world.clinic.pk, code=f" {code} ").count() == 1
    assert erasures_matching(clinic_id=other_world.clinic.pk, code=code).count() == 0
    assert erasures_matching(clinic_id=world.clinic.pk, code=code + "1").count() == 0


def test_every_client_of_the_demo_clinic_can_be_erased_in_turn_leaving_nothing_behind(db):
    """The demo has alerts, repairs with disclosures and obligations, supervision meetings,
    reflections, a case review, and a couple and a family case."""
    clinic = demo_seed()
    clients = list(Client.objects.filter(clinic=clinic))
    admin = clinic.people.filter(role="admin").first()
    for client in clients:
        erased = belonging_to(client)
        _erase(client, admin)
        assert references_left(erased) == [], client.code

    assert not Case.objects.filter(clinic=clinic).exists()
    assert not Response.objects.filter(clinic=clinic).exists()
    assert Erasure.objects.filter(clinic=clinic).count() == len(clients)


def test_free_text_elsewhere_that_names_the_client_is_listed_but_what_goes_is_not(world):
    case = make_case(world.clinician, kind="couple")
    leaving, staying = list(case.participants.all())
    code = leaving.client.code
    own = full_record(
        case, leaving, clinician=world.clinician, supervisor=world.supervisor, admin=world.admin
    )
    own.repair.versions.update(what_happened=f"Spoke over {code}.")
    theirs = full_record(
        case, staying, clinician=world.clinician, supervisor=world.supervisor, admin=world.admin
    )
    version = theirs.repair.versions.get()
    version.what_happened = f"Sided with {code.lower()} against their partner."
    version.save()
    topic = AgendaItem.objects.create(
        meeting=Meeting.objects.earliest("pk"),
        position=9,
        source="topic",
        title=f"How {code} is doing",
    )
    plan = erasure_plan(leaving.client)

    found = mentions_of(leaving.client, deleted=plan.row_ids())

    assert {(m.label, m.pk, m.field) for m in found} == {
        ("repairs.RepairVersion", version.pk, "what_happened"),
        ("supervision.AgendaItem", topic.pk, "title"),
    }


def test_a_row_that_arrives_during_the_erasure_undoes_it_all_and_says_try_again(world, monkeypatch):
    participant = world.case.participants.get()
    answer(world.session, participant)
    real_plan = erasure_module.erasure_plan

    def plan_then_an_answer_arrives(client):
        plan = real_plan(client)
        answer(make_session(world.case, 2), participant)
        return plan

    monkeypatch.setattr(erasure_module, "erasure_plan", plan_then_an_answer_arrives)

    with pytest.raises(ErasureRefused, match=re.escape(CHANGED_MEANWHILE)):
        _erase(participant.client, world.admin)

    assert Client.objects.filter(pk=participant.client_id).exists()
    assert Response.objects.filter(participant=participant).count() == 1
    assert not Erasure.objects.exists()
