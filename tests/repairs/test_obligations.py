"""The checklist the clinic's codes and law attach to a repair, and marking it done."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from reattune.clinics.models import Role
from reattune.ethics.models import clinic_codes
from reattune.ethics.registry import all_codes
from reattune.ethics.rules import obligations_for
from reattune.repairs.models import Obligation
from reattune.repairs.obligations import obligation_complete, obligations_create
from tests.factories import make_person
from tests.repairs.helpers import body, days_ago, follow, open_by_hand, session

pytestmark = pytest.mark.django_db

KIND, HARM = "confidentiality", "harm_moderate"


def _breach(world, case=None, by=None, discovered=None):
    follow(world.clinic.pk, "bacp", "hipaa_breach")
    case = case or world.case
    at = session(case, 1)
    return open_by_hand(
        case, by or world.clinician, at=at, discovered_on=discovered, kind=KIND, harm=HARM
    )


def test_a_confidentiality_breach_gets_every_obligation_of_both_codes_due_from_discovery(world):
    discovered = days_ago(3)
    repair = _breach(world, discovered=discovered)
    rules = obligations_for(clinic_codes(world.clinic.pk), KIND, HARM)
    assert {r.code_id for r in rules} == {"bacp", "hipaa_breach"}
    stored = {
        (o.code_id, o.key): (o.standard, o.what, o.who, o.written, o.due_on, o.code_title)
        for o in repair.obligations.all()
    }
    expected = {
        (r.code_id, r.key): (
            r.standard,
            r.what,
            r.who,
            r.written,
            discovered + dt.timedelta(days=r.due_days),
            all_codes()[r.code_id].short_title,
        )
        for r in rules
    }
    assert stored == expected


def test_hipaa_individual_notice_is_due_within_60_days_of_discovery(world):
    discovered = days_ago(3)
    repair = _breach(world, discovered=discovered)
    notice = repair.obligations.get(code_id="hipaa_breach", key="notify_individual")
    assert notice.standard == "45 CFR 164.404"
    assert notice.due_on == discovered + dt.timedelta(days=60)
    assert notice.written
    assert repair.obligations.get(code_id="bacp", key="tell_client").due_on == discovered + (
        dt.timedelta(days=2)
    )


def test_who_does_each_obligation_is_assigned_from_the_case(world):
    repair = _breach(world, case=world.trainee_case, by=world.trainee)
    assignees = {o.who: o.assignee for o in repair.obligations.all()}
    assert assignees["clinician"] == world.trainee
    assert assignees["admin"] is None
    assert repair.obligations.filter(who="clinician").exclude(assignee=world.trainee).count() == 0


def test_a_clinic_that_follows_no_code_gets_no_obligations(world, login):
    repair = open_by_hand(world.case, world.clinician, kind=KIND, harm=HARM)
    assert not repair.obligations.exists()
    page = body(login(world.clinician).get(reverse("repair_detail", args=[repair.pk])))
    assert "None, for this kind of mistake and harm" in page


def test_a_near_miss_is_not_a_hipaa_breach(world):
    follow(world.clinic.pk, "hipaa_breach")
    repair = open_by_hand(world.case, world.clinician, kind="confidentiality", harm="near_miss")
    assert not repair.obligations.exists()


def test_creating_the_checklist_again_adds_nothing_and_changes_nothing(world):
    repair = _breach(world)
    before = list(repair.obligations.values())
    assert obligations_create(repair) == []
    assert list(repair.obligations.values()) == before


def test_marking_done_records_who_and_when_and_a_second_time_keeps_the_first(world):
    repair = _breach(world)
    obligation = repair.obligations.all()[0]
    done = obligation_complete(obligation=obligation, by=world.admin, note="Letter sent.")
    assert (done.done_by, done.done_note) == (world.admin, "Letter sent.")
    assert done.done_at is not None
    again = obligation_complete(obligation=obligation, by=world.clinician, note="Me too.")
    assert (again.done_by, again.done_at, again.done_note) == (
        world.admin,
        done.done_at,
        "Letter sent.",
    )
    assert repair.events.filter(action="obligation_done").count() == 1


def test_done_late_says_so_in_the_history(world):
    repair = _breach(world, discovered=days_ago(90))
    obligation = repair.obligations.get(code_id="bacp", key="tell_client")
    obligation_complete(obligation=obligation, by=world.clinician)
    summary = repair.events.get(action="obligation_done").summary
    assert summary == "Done (after it was due): BACP Good Practice 52."


def test_marking_done_through_the_page_and_as_an_htmx_partial(world, login):
    repair = _breach(world)
    first, second = repair.obligations.all()[:2]
    admin = login(world.admin)
    response = admin.post(reverse("obligation_done", args=[first.pk]), {"note": "Done by post."})
    assert response.status_code == 302
    assert response["Location"] == reverse("repair_detail", args=[repair.pk])
    response = admin.post(
        reverse("obligation_done", args=[second.pk]), {"note": ""}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert body(response).lstrip().startswith("<li")
    assert "Done by" in body(response)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.done_by, first.done_note, second.done_by) == (
        world.admin,
        "Done by post.",
        world.admin,
    )


def test_a_get_cannot_mark_an_obligation_done(world, login):
    repair = _breach(world)
    obligation = repair.obligations.all()[0]
    assert (
        login(world.clinician).get(reverse("obligation_done", args=[obligation.pk])).status_code
        == 405
    )
    assert Obligation.objects.filter(done_at__isnull=False).count() == 0


def test_a_note_over_the_limit_is_refused_and_nothing_is_done(world, login):
    repair = _breach(world)
    obligation = repair.obligations.all()[0]
    client = login(world.clinician)
    response = client.post(
        reverse("obligation_done", args=[obligation.pk]), {"note": "x" * 1001}, follow=True
    )
    assert "Please keep the note under 1,000 characters." in body(response)
    obligation.refresh_from_db()
    assert not obligation.is_done


# --- on the home page -------------------------------------------------------------------------


def test_an_overdue_obligation_is_in_the_supervisors_queue_at_once(world, login):
    repair = _breach(world, case=world.trainee_case, by=world.trainee, discovered=days_ago(90))
    home = body(login(world.supervisor).get(reverse("home")))
    assert "For supervision" in home
    assert "Overdue obligations" in home
    assert "45 CFR 164.404" in home
    assert reverse("repair_detail", args=[repair.pk]) in home


def test_an_overdue_obligation_is_not_in_an_unrelated_clinicians_queue(world, login):
    _breach(world, case=world.trainee_case, by=world.trainee, discovered=days_ago(90))
    for unrelated in (world.colleague, make_person(world.clinic, Role.SUPERVISOR)):
        home = body(login(unrelated).get(reverse("home")))
        assert "For supervision" not in home
        assert "45 CFR 164.404" not in home


def test_an_unsupervised_clinicians_overdue_obligation_is_not_in_the_supervisors_queue(
    world, login
):
    _breach(world, discovered=days_ago(90))
    home = body(login(world.supervisor).get(reverse("home")))
    assert "Overdue obligations" not in home


def test_obligations_not_yet_due_are_not_in_the_queue_but_are_on_the_clinicians_list(world, login):
    _breach(world, case=world.trainee_case, by=world.trainee, discovered=days_ago(0))
    assert "Overdue obligations" not in body(login(world.supervisor).get(reverse("home")))
    home = body(login(world.trainee).get(reverse("home")))
    assert "Obligations due" in home
    assert "BACP Good Practice 52" in home


def test_a_done_obligation_leaves_the_queue(world, login):
    repair = _breach(world, case=world.trainee_case, by=world.trainee, discovered=days_ago(90))
    for obligation in repair.obligations.all():
        obligation_complete(obligation=obligation, by=world.trainee)
    assert "Overdue obligations" not in body(login(world.supervisor).get(reverse("home")))


def test_the_clinic_admin_sees_the_obligations_that_are_theirs(world, login):
    _breach(world)
    home = body(login(world.admin).get(reverse("home")))
    assert "Obligations due" in home
    assert "45 CFR 164.404" in home
    assert "BACP Good Practice 52c" not in home, "the clinician's own steps are not the admin's"


def test_today_is_not_overdue(world):
    repair = _breach(world, discovered=timezone.localdate())
    mitigate = repair.obligations.get(code_id="hipaa_breach", key="mitigate")
    assert mitigate.due_on == timezone.localdate()
    assert not mitigate.is_overdue()
    assert mitigate not in Obligation.objects.overdue()


def test_a_supervisors_step_goes_to_the_trainees_supervisor_and_is_theirs_to_see(world, login):
    follow(world.clinic.pk, "aca")
    repair = open_by_hand(world.trainee_case, world.trainee, discovered_on=days_ago(0))
    review = repair.obligations.get(code_id="aca", key="supervisor_review")
    assert (review.who, review.assignee) == ("supervisor", world.supervisor)
    assert "ACA F.1.a" in body(login(world.supervisor).get(reverse("home")))


def test_a_supervisors_step_for_an_unsupervised_clinician_has_nobody_assigned(world):
    follow(world.clinic.pk, "aca")
    repair = open_by_hand(world.case, world.clinician)
    assert repair.obligations.get(key="supervisor_review").assignee is None


def test_the_admins_steps_are_on_the_admins_list_not_the_clinicians(world, login):
    _breach(world)
    admin_steps = Obligation.objects.filter(who="admin")
    assert admin_steps.exists()
    notice = admin_steps.get(key="notify_individual")
    clinician_home = body(login(world.clinician).get(reverse("home")))
    assert notice.label not in clinician_home
    admin_home = body(login(world.admin).get(reverse("home")))
    assert notice.label in admin_home
