"""A row's clinic is its parent's: after the demo seed (which goes through the real services),
no row in any tenant table points at a row of another clinic, and the model refuses a child
whose clinic differs from its parent's."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import models
from django.db.models import F

from reattune.api.auth import count_request
from reattune.api.models import RateWindow
from reattune.api.services import token_create
from reattune.cases.models import Participant, TherapySession
from reattune.clinics.models import Clinic
from reattune.clinics.tenancy import ClinicFromParent
from reattune.demo.reset import clinic_delete_everything
from tests.factories import make_case, make_session
from tests.vault.helpers import one_of_each

pytestmark = pytest.mark.django_db

# Child tables the demo has no rows for (nothing in it calls the API, and its signed meeting is
# never amended); test_rows_made_outside_the_demo_carry_their_parents_clinic covers them.
NOT_IN_THE_DEMO = {"api.RateWindow", "supervision.Amendment"}


@pytest.fixture(scope="module")
def demo(django_db_setup: None, django_db_blocker: Any) -> Iterator[Clinic]:
    with django_db_blocker.unblock():
        call_command("demo", "--no-serve", verbosity=0)
        clinic = Clinic.objects.get(slug="demo")
        yield clinic
        clinic_delete_everything(clinic)


def _has_clinic(model: Any) -> bool:
    if not (isinstance(model, type) and issubclass(model, models.Model)):
        return False
    return any(
        f.attname == "clinic_id" and f.is_relation and f.related_model is Clinic
        for f in model._meta.concrete_fields
    )


def _links_between_tenant_rows() -> list[tuple[type[models.Model], str]]:
    """(model, foreign key) for every key from one clinic-owned table to another."""
    found = []
    for model in apps.get_models():
        if not _has_clinic(model):
            continue
        for f in model._meta.concrete_fields:
            if f.is_relation and f.name != "clinic" and _has_clinic(f.related_model):
                found.append((model, f.name))
    return found


def test_no_row_of_the_demo_points_at_another_clinics_row(demo: Clinic) -> None:
    links = _links_between_tenant_rows()
    assert len(links) > 30
    checked = 0
    for model, key in links:
        rows = model._base_manager.filter(clinic=demo, **{f"{key}__isnull": False})
        crossing = rows.exclude(clinic_id=F(f"{key}__clinic_id"))
        assert list(crossing.values_list("pk", flat=True)) == [], f"{model._meta.label}.{key}"
        checked += rows.count()
    assert checked > 1000


def test_every_child_table_has_demo_rows_with_the_parents_clinic(demo: Clinic) -> None:
    children = [m for m in apps.get_models() if issubclass(m, ClinicFromParent)]
    empty = []
    for model in children:
        parent = model.clinic_parent
        rows = model._base_manager.filter(**{f"{parent}__clinic": demo})
        if not rows.exists():
            empty.append(model._meta.label)
        assert not rows.exclude(clinic=demo).exists(), model._meta.label
    assert set(empty) == NOT_IN_THE_DEMO


def test_a_child_built_without_its_clinic_takes_the_parents(world) -> None:
    case = make_case(world.clinician)
    session = TherapySession(case=case, number=7)
    session.save()
    assert session.clinic_id == world.clinic.pk


def test_a_child_given_another_clinic_is_refused(world, other_world) -> None:
    case = make_case(world.clinician)
    session = TherapySession(clinic=other_world.clinic, case=case, number=7)
    with pytest.raises(ValueError, match="belongs to"):
        session.save()
    assert not TherapySession.objects.filter(case=case, number=7).exists()


def test_full_clean_fills_the_clinic_before_validating(world) -> None:
    case = make_case(world.clinician)
    participant = Participant.objects.get(case=case)
    moved = Participant(case=make_case(world.clinician), client=participant.client)
    moved.full_clean()
    assert moved.clinic_id == world.clinic.pk


def test_services_set_the_clinic_on_the_rows_they_create(world) -> None:
    session = make_session(make_case(world.trainee))
    assert session.clinic_id == world.clinic.pk
    # Stored, not only set on the object.
    assert TherapySession.objects.filter(pk=session.pk, clinic=world.clinic).exists()


def test_a_child_row_saved_without_its_parent_loaded_costs_no_query(
    world, django_assert_num_queries
) -> None:
    case = make_case(world.clinician)
    make_session(case)
    session = TherapySession.objects.get(case=case)  # its case not loaded
    with django_assert_num_queries(1):
        session.save(update_fields=["attendance"])


def test_rows_made_outside_the_demo_carry_their_parents_clinic(world, other_world) -> None:
    rows = one_of_each(world) + one_of_each(other_world)
    children = [r for r in rows if isinstance(r, ClinicFromParent)]
    assert {type(r)._meta.label for r in children} >= {"supervision.Amendment", "learning.GoalNote"}
    for row in children:
        stored: Any = type(row)._base_manager.get(pk=row.pk)
        parent = getattr(stored, stored.clinic_parent)
        assert stored.clinic_id == parent.clinic_id, type(row)._meta.label


def test_the_api_rate_counter_is_kept_under_the_tokens_clinic(world) -> None:
    token, _ = token_create(admin=world.admin, name="Scheduler", scopes=["read"])
    count_request(token, now=600.0)
    count_request(token, now=601.0)
    window = RateWindow.objects.get(token=token)
    assert (window.clinic_id, window.count) == (world.clinic.pk, 2)
