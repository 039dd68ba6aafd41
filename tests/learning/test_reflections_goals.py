"""Reflections (a short guided journal, optionally about a repair) and learning goals with a
deliberate-practice plan and progress notes. Bad input is refused with a message."""

from __future__ import annotations

import datetime as dt
import html
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from reattune.learning.models import GoalNote, GoalStatus, LearningGoal, Reflection
from reattune.learning.services import goal_create, reflection_create
from reattune.supervision.services import meeting_create
from tests.factories import ClinicWorld
from tests.repairs.helpers import open_by_hand

pytestmark = pytest.mark.django_db


def _goal(world: ClinicWorld) -> LearningGoal:
    return goal_create(
        person=world.trainee,
        title="Slow down at endings",
        why="Two ruptures came at the end of a session.",
        practice_plan="Stop ten minutes early and ask how the session was.",
        review_on=timezone.localdate() + dt.timedelta(days=30),
    )


def _goal_form(**overrides: str) -> dict[str, str]:
    review = (timezone.localdate() + dt.timedelta(days=30)).isoformat()
    return {
        "title": "Slow down at endings",
        "why": "Two ruptures came at the end of a session.",
        "practice_plan": "Stop ten minutes early.",
        "review_on": review,
    } | overrides


# Reflections


def test_a_reflection_on_a_repair(world: ClinicWorld, login) -> None:
    repair = open_by_hand(world.trainee_case, world.trainee)
    client = login(world.trainee)
    url = reverse("reflection_new") + f"?repair={repair.pk}"
    assert repair.client.code in client.get(url).content.decode()
    response = client.post(url, {"prompt": "helped", "text": "Naming it straight away."})
    assert response.status_code == 302
    saved = Reflection.objects.get()
    assert (saved.repair, saved.person, saved.clinic) == (repair, world.trainee, world.clinic)


def test_a_reflection_about_a_meeting(world: ClinicWorld, login) -> None:
    login(world.trainee).post(
        reverse("reflection_new"),
        {"prompt": "noticed", "text": "I rush.", "about": "Supervision, 3 March"},
    )
    assert Reflection.objects.get().about == "Supervision, 3 March"


def _meeting(world: ClinicWorld):  # type: ignore[no-untyped-def]
    found, _ = meeting_create(
        supervisor=world.supervisor,
        supervisee=world.trainee,
        held_on=timezone.localdate(),
        item_keys=[],
        form_key=uuid.uuid4(),
    )
    return found


def test_a_reflection_on_a_supervision_meeting_is_linked_to_it(world: ClinicWorld, login) -> None:
    meeting = _meeting(world)
    client = login(world.trainee)
    url = reverse("reflection_new") + f"?meeting={meeting.pk}"
    assert "About the supervision meeting" in client.get(url).content.decode()
    assert client.post(url, {"prompt": "noticed", "text": "I rush."}).status_code == 302
    assert Reflection.objects.get().meeting == meeting


def test_a_meeting_one_was_not_part_of_is_404(world: ClinicWorld, other_world, login) -> None:
    meeting = _meeting(world)
    url = reverse("reflection_new") + f"?meeting={meeting.pk}"
    for person in (world.clinician, world.colleague, other_world.trainee):
        assert login(person).get(url).status_code == 404
        assert login(person).post(url, {"prompt": "noticed", "text": "x"}).status_code == 404
    assert login(world.trainee).get(reverse("reflection_new") + "?meeting=x7").status_code == 404
    assert not Reflection.objects.exists()


def test_the_service_refuses_a_meeting_the_person_was_not_in(world: ClinicWorld) -> None:
    with pytest.raises(ValidationError):
        reflection_create(
            person=world.clinician, prompt="noticed", text="x", meeting=_meeting(world)
        )


def test_a_repair_outside_ones_reach_is_404(
    world: ClinicWorld, other_world: ClinicWorld, login
) -> None:
    colleagues = open_by_hand(world.colleague_case, world.colleague)
    theirs = open_by_hand(other_world.trainee_case, other_world.trainee)
    client = login(world.trainee)
    for repair in (colleagues, theirs):
        url = reverse("reflection_new") + f"?repair={repair.pk}"
        assert client.get(url).status_code == 404
        assert client.post(url, {"prompt": "noticed", "text": "x"}).status_code == 404
    assert not Reflection.objects.exists()


def test_a_repair_id_that_is_not_a_number_is_ignored_with_a_message(
    world: ClinicWorld, login
) -> None:
    response = login(world.trainee).get(reverse("reflection_new"), {"repair": "1; drop"})
    assert "this reflection stands on its own" in html.unescape(response.content.decode())


@pytest.mark.parametrize(
    "data, message",
    [
        ({"prompt": "noticed", "text": ""}, "Write a few words"),
        ({"prompt": "noticed", "text": "   "}, "Write a few words"),
        ({"prompt": "noticed", "text": "x" * 4001}, "under 4,000 characters"),
        ({"prompt": "made-up", "text": "Fine."}, "Choose one of the questions."),
        ({"prompt": "noticed", "text": "Fine.", "about": "a\u202eb"}, "hidden characters"),
    ],
)
def test_bad_reflections_are_refused(
    world: ClinicWorld, login, data: dict[str, str], message: str
) -> None:
    response = login(world.trainee).post(reverse("reflection_new"), data)
    assert response.status_code == 200
    assert message in html.unescape(response.content.decode())
    assert not Reflection.objects.exists()


def test_nul_and_control_characters(world: ClinicWorld, login) -> None:
    client = login(world.trainee)
    response = client.post(reverse("reflection_new"), {"prompt": "noticed", "text": "a\x00b"})
    assert "Null characters are not allowed." in response.content.decode()
    client.post(reverse("reflection_new"), {"prompt": "noticed", "text": "a\x07b\nc"})
    assert Reflection.objects.get().text == "ab\nc"


def test_an_admin_keeps_no_journal(world: ClinicWorld, login) -> None:
    response = login(world.admin).post(
        reverse("reflection_new"), {"prompt": "noticed", "text": "x"}
    )
    assert response.status_code == 403


# Goals


def test_a_goal_with_a_plan_and_progress(world: ClinicWorld, login) -> None:
    client = login(world.trainee)
    response = client.post(reverse("goal_new"), _goal_form())
    goal = LearningGoal.objects.get()
    assert response["Location"] == reverse("goal_detail", args=[goal.pk])
    client.post(reverse("goal_note", args=[goal.pk]), {"text": "Did it three times."})
    client.post(reverse("goal_status", args=[goal.pk]), {"status": "achieved", "note": ""})
    goal.refresh_from_db()
    assert goal.status == GoalStatus.ACHIEVED
    assert [n.text for n in goal.notes.all()] == ["Did it three times.", "Status: Achieved."]
    assert (
        "Did it three times." in client.get(reverse("goal_detail", args=[goal.pk])).content.decode()
    )


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"title": ""}, "Name the goal"),
        ({"title": "x" * 121}, "under 120 characters"),
        ({"why": ""}, "Say why it matters"),
        ({"practice_plan": ""}, "Say what you will practise"),
        ({"review_on": ""}, "This field is required."),
        ({"review_on": "2020-01-01"}, "from today on"),
        ({"review_on": "2999-01-01"}, "Please give a date between"),
        ({"review_on": "soon"}, "Please enter a real date"),
    ],
)
def test_bad_goals_are_refused(
    world: ClinicWorld, login, overrides: dict[str, str], message: str
) -> None:
    response = login(world.trainee).post(reverse("goal_new"), _goal_form(**overrides))
    assert response.status_code == 200
    assert message in html.unescape(response.content.decode())
    assert not LearningGoal.objects.exists()


def test_an_empty_note_or_a_made_up_status_is_refused(world: ClinicWorld, login) -> None:
    goal = _goal(world)
    client = login(world.trainee)
    assert client.post(reverse("goal_note", args=[goal.pk]), {"text": ""}).status_code == 200
    response = client.post(reverse("goal_status", args=[goal.pk]), {"status": "finished"})
    assert "Choose working on it, achieved or dropped." in response.content.decode()
    goal.refresh_from_db()
    assert goal.status == GoalStatus.ACTIVE and not GoalNote.objects.exists()


def test_the_supervisor_adds_a_note_but_does_not_set_the_status(world: ClinicWorld, login) -> None:
    goal = _goal(world)
    client = login(world.supervisor)
    assert client.get(reverse("goal_detail", args=[goal.pk])).status_code == 200
    client.post(reverse("goal_note", args=[goal.pk]), {"text": "Good progress."})
    assert goal.notes.get().written_by == world.supervisor
    response = client.post(reverse("goal_status", args=[goal.pk]), {"status": "dropped"})
    assert response.status_code == 403


def test_a_goal_page_needs_a_get_to_read_and_a_post_to_change(world: ClinicWorld, login) -> None:
    goal = _goal(world)
    client = login(world.trainee)
    assert client.get(reverse("goal_note", args=[goal.pk])).status_code == 405
    assert client.get(reverse("goal_status", args=[goal.pk])).status_code == 405


@pytest.mark.parametrize("who", ["admin", "clinician", "colleague"])
def test_nobody_else_sees_a_goal(world: ClinicWorld, login, who: str) -> None:
    goal = _goal(world)
    client = login(getattr(world, who))
    assert client.get(reverse("goal_detail", args=[goal.pk])).status_code == 404
    assert client.post(reverse("goal_note", args=[goal.pk]), {"text": "x"}).status_code == 404


def test_another_clinic_does_not_see_a_goal(
    world: ClinicWorld, other_world: ClinicWorld, login
) -> None:
    goal = _goal(world)
    response = login(other_world.supervisor).get(reverse("goal_detail", args=[goal.pk]))
    assert response.status_code == 404


def test_an_admin_asking_about_another_clinics_repair_gets_404_first(
    world: ClinicWorld, other_world: ClinicWorld, login
) -> None:
    theirs = open_by_hand(other_world.trainee_case, other_world.trainee)
    mine = open_by_hand(world.trainee_case, world.trainee)
    client = login(world.admin)
    assert client.get(reverse("reflection_new"), {"repair": theirs.pk}).status_code == 404
    assert client.get(reverse("reflection_new"), {"repair": mine.pk}).status_code == 403
