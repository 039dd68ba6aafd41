"""Who may see and change a repair record (tests/test_access.py walks every URL too)."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils.html import escape

from reattune.repairs.models import Repair, RepairStatus
from reattune.repairs.services import repair_close
from reattune.repairs.views import CASELOAD_ONLY
from tests.repairs.helpers import body, follow, open_by_hand, open_form, ruptured, session

pytestmark = pytest.mark.django_db

CHANGES = ("repair_amend", "repair_plan", "repair_conversation", "disclosure_new", "repair_close")


def test_anonymous_is_sent_to_log_in(client, world):
    repair = open_by_hand(world.case, world.clinician)
    for url in (
        reverse("repair_list"),
        reverse("repair_new") + f"?case={world.case.pk}",
        reverse("repair_detail", args=[repair.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_an_admin_reads_the_record_and_marks_an_obligation_done(world, login):
    follow(world.clinic.pk, "bacp")
    repair = open_by_hand(world.case, world.clinician)
    admin = login(world.admin)
    page = body(admin.get(reverse("repair_detail", args=[repair.pk])))
    assert escape(repair.current().what_happened) in page
    assert reverse("repair_amend", args=[repair.pk]) not in page
    assert reverse("repair_close", args=[repair.pk]) not in page
    obligation = repair.obligations.all()[0]
    assert admin.post(reverse("obligation_done", args=[obligation.pk])).status_code == 302
    obligation.refresh_from_db()
    assert obligation.done_by == world.admin


@pytest.mark.parametrize("name", CHANGES)
def test_an_admin_cannot_change_the_clinical_record(world, login, name):
    repair = open_by_hand(world.case, world.clinician)
    admin = login(world.admin)
    for method in ("get", "post"):
        response = getattr(admin, method)(
            reverse(name, args=[repair.pk]), {"reason": "An admin's reason."}
        )
        assert response.status_code == 403
        assert escape(CASELOAD_ONLY) in body(response)
    repair.refresh_from_db()
    assert repair.status == RepairStatus.OPEN
    assert repair.versions.count() == 1


def test_an_admin_cannot_open_a_repair(world, login):
    participant = world.case.participants.get()
    response = login(world.admin).post(
        reverse("repair_new"), open_form(world.session, participant, case=world.case.pk)
    )
    assert response.status_code == 403
    assert not Repair.objects.exists()


def test_a_colleague_gets_not_found_everywhere(world, login):
    follow(world.clinic.pk, "bacp")
    alert = ruptured(world.case, world.clinician)
    repair = open_by_hand(world.case, world.clinician)
    colleague = login(world.colleague)
    urls = [reverse(name, args=[repair.pk]) for name in ("repair_detail", *CHANGES)]
    urls += [
        reverse("obligation_done", args=[repair.obligations.all()[0].pk]),
        reverse("repair_new") + f"?alert={alert.pk}",
        reverse("repair_new") + f"?response={alert.response_id}",
        reverse("repair_new") + f"?case={world.case.pk}",
    ]
    for url in urls:
        for method in ("get", "post"):
            assert getattr(colleague, method)(url).status_code in (404, 405), (method, url)
    assert Repair.objects.count() == 1
    assert not repair.obligations.filter(done_at__isnull=False).exists()


def test_another_clinic_gets_not_found(world, other_world, login):
    repair = open_by_hand(world.case, world.clinician)
    for person in (other_world.admin, other_world.supervisor, other_world.clinician):
        visitor = login(person)
        for name in ("repair_detail", *CHANGES):
            assert visitor.get(reverse(name, args=[repair.pk])).status_code == 404, (person, name)
        url = reverse("repair_new") + f"?case={world.case.pk}"
        assert visitor.get(url).status_code == 404


def test_a_supervisor_sees_and_changes_a_supervisees_repairs_only(world, login):
    theirs = open_by_hand(world.trainee_case, world.trainee)
    unsupervised = open_by_hand(world.case, world.clinician)
    supervisor = login(world.supervisor)
    assert supervisor.get(reverse("repair_detail", args=[theirs.pk])).status_code == 200
    assert supervisor.get(reverse("repair_amend", args=[theirs.pk])).status_code == 200
    assert supervisor.get(reverse("repair_detail", args=[unsupervised.pk])).status_code == 404
    assert supervisor.get(reverse("repair_amend", args=[unsupervised.pk])).status_code == 404
    url = reverse("repair_new") + f"?case={world.case.pk}"
    assert supervisor.get(url).status_code == 404


def test_a_supervisor_can_close_a_supervisees_repair(world, login):
    repair = open_by_hand(world.trainee_case, world.trainee)
    response = login(world.supervisor).post(
        reverse("repair_close", args=[repair.pk]), {"reason": "Agreed in supervision."}
    )
    assert response.status_code == 302
    repair.refresh_from_db()
    assert (repair.status, repair.closed_by) == (RepairStatus.CLOSED, world.supervisor)


def test_the_list_shows_only_the_repairs_a_person_may_see(world, other_world, login):
    mine = open_by_hand(world.case, world.clinician, what_happened="Mine.")
    trainees = open_by_hand(world.trainee_case, world.trainee)
    elsewhere = open_by_hand(other_world.case, other_world.clinician)
    closed = open_by_hand(world.case, world.clinician, at=session(world.case, 2))
    repair_close(repair=closed, by=world.clinician, reason="Done.")

    def listed(person, query=""):
        page = body(login(person).get(reverse("repair_list") + query))
        return {
            r.pk
            for r in (mine, trainees, elsewhere, closed)
            if reverse("repair_detail", args=[r.pk]) in page
        }

    assert listed(world.clinician) == {mine.pk}
    assert listed(world.clinician, "?show=all") == {mine.pk, closed.pk}
    assert listed(world.supervisor) == {trainees.pk}
    assert listed(world.admin, "?show=all") == {mine.pk, trainees.pk, closed.pk}
    assert listed(world.colleague, "?show=all") == set()
