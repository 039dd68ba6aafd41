"""The migrations that put the clinic on child rows fill it for rows that already exist: go
back to where the column was just added (still empty), make rows as an older version would
have, go forward, and every row has its parent's clinic."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

# The state right after each app's AddField: the column is there and empty.
BEFORE_FILL = [
    ("cases", "0003_clinic_on_child_rows"),
    ("supervision", "0003_clinic_on_child_rows"),
    ("learning", "0004_clinic_on_child_rows"),
]


def _migrate(targets: list[tuple[str, str]]) -> Any:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture
def old_apps() -> Iterator[Any]:
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    yield _migrate(BEFORE_FILL)
    _migrate(latest)


def _rows_in_two_clinics(old: Any) -> dict[str, list[tuple[int, int]]]:
    """Rows with an empty clinic, in two clinics; (row id, its parent's clinic id) by model."""
    made: dict[str, list[tuple[int, int]]] = {}
    for n in (1, 2):
        clinic = old.get_model("clinics", "Clinic").objects.create(name=f"C{n}", slug=f"c{n}")
        people = old.get_model("clinics", "User").objects
        supervisor = people.create(email=f"s{n}@x.test", full_name="S", clinic=clinic)
        trainee = people.create(email=f"t{n}@x.test", full_name="T", clinic=clinic)
        client = old.get_model("cases", "Client").objects.create(clinic=clinic, code=f"A{n}")
        case = old.get_model("cases", "Case").objects.create(clinic=clinic)
        rows = {
            "Participant": old.get_model("cases", "Participant").objects.create(
                case=case, client=client
            ),
            "CaseClinician": old.get_model("cases", "CaseClinician").objects.create(
                case=case, clinician=trainee
            ),
            "TherapySession": old.get_model("cases", "TherapySession").objects.create(
                case=case, number=1
            ),
        }
        meeting = old.get_model("supervision", "Meeting").objects.create(
            clinic=clinic,
            supervisor=supervisor,
            supervisee=trainee,
            created_by=supervisor,
            held_on=dt.date(2026, 1, 5),
            form_key=f"00000000-0000-0000-0000-00000000000{n}",
        )
        item = old.get_model("supervision", "AgendaItem").objects.create(
            meeting=meeting, position=1, source="topic", title="Pace"
        )
        rows["AgendaItem"] = item
        rows["Amendment"] = old.get_model("supervision", "Amendment").objects.create(
            item=item, number=1, reason="Typo.", recorded_by=supervisor
        )
        rows["ActionItem"] = old.get_model("supervision", "ActionItem").objects.create(
            meeting=meeting, text="Read.", owner=trainee, due_on=dt.date(2026, 2, 1)
        )
        goal = old.get_model("learning", "LearningGoal").objects.create(
            clinic=clinic,
            person=trainee,
            title="Goal",
            why="Why",
            practice_plan="Plan",
            review_on=dt.date(2026, 3, 1),
        )
        rows["GoalNote"] = old.get_model("learning", "GoalNote").objects.create(
            goal=goal, written_by=trainee, text="Did it."
        )
        for name, row in rows.items():
            assert row.clinic_id is None
            made.setdefault(name, []).append((row.pk, clinic.pk))
    return made


def test_the_fill_gives_every_existing_row_its_parents_clinic(old_apps: Any) -> None:
    made = _rows_in_two_clinics(old_apps)
    new_apps = _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
    app_of = {"AgendaItem": "supervision", "Amendment": "supervision", "ActionItem": "supervision"}
    app_of |= {"GoalNote": "learning"}
    for name, expected in made.items():
        model = new_apps.get_model(app_of.get(name, "cases"), name)
        found = sorted(model.objects.values_list("pk", "clinic_id"))
        assert found == sorted(expected), name
        assert len({clinic for _, clinic in found}) == 2
