"""Requirement 22: no input crashes any form, and bad input gets a clear message.

Every `forms.Form` and `ModelForm` subclass under reattune/ is found by importing every module,
built the way its view builds it (BUILDERS, from one clinic's world), and given generated junk
for each of its fields (tests/bad_input/strategies.py). For each form: `is_valid()` never
raises; an invalid form has a message in words for each problem; a valid one holds no NUL
character (PostgreSQL refuses to store one); the form still renders with what was posted.
"""

from __future__ import annotations

import datetime as dt
import importlib
import inspect
import pkgutil
from collections.abc import Callable
from typing import Any

import pytest
from django import forms
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import reattune
from reattune.clinics.models import User
from reattune.ethics.registry import all_codes
from reattune.learning.framework import framework_for
from reattune.measures.registry import all_definitions
from reattune.supervision.models import Meeting
from tests.bad_input.strategies import posted
from tests.factories import ClinicWorld
from tests.test_access import supervised_world

pytestmark = pytest.mark.django_db

Builder = Callable[[ClinicWorld], dict[str, Any]]


def _meeting(world: ClinicWorld) -> dict[str, Any]:
    """One meeting per world, made the first time a form asks for it."""
    made = getattr(world, "meeting_id", None) or supervised_world(world)["meeting_id"]
    world.meeting_id = made  # type: ignore[attr-defined]
    return {"meeting": Meeting.objects.get(pk=made)}


# How each form's view builds it: the keyword arguments beyond the posted data.
BUILDERS: dict[str, Builder] = {
    "reattune.cases.forms.CaseForm": lambda w: {"user": w.clinician},
    "reattune.clinics.forms.SupervisionForm": lambda w: {"supervisee": w.trainee},
    "reattune.ethics.forms.ClinicEthicsForm": lambda w: {
        "clinic": w.clinic,
        "codes": all_codes().values(),
    },
    "reattune.learning.forms.RatingForm": lambda w: {
        "competencies": framework_for(w.clinic)[0].__class__.objects.filter(clinic=w.clinic)
    },
    "reattune.measures.forms.ScheduleForm": lambda w: {
        "clinic": w.clinic,
        "definitions": all_definitions().values(),
    },
    "reattune.repairs.forms.NarrativeForm": lambda w: {"case": w.case},
    "reattune.repairs.forms.RepairOpenForm": lambda w: {"case": w.case},
    "reattune.repairs.forms.AmendForm": lambda w: {"case": w.case},
    "reattune.repairs.forms.PlanForm": lambda w: {"current": []},
    "reattune.repairs.forms.ConversationForm": lambda w: {"case": w.case, "amending": True},
    "reattune.repairs.forms.DisclosureForm": lambda w: {
        "clinic_id": w.clinic.pk,
        "amending": True,
    },
    "reattune.repairs.forms.CloseForm": lambda w: {"outstanding": []},
    "reattune.supervision.forms.MeetingNewForm": lambda w: {
        "supervisees": User.objects.filter(pk=w.trainee.pk),
        "item_choices": [("alert-1", "An alert")],
    },
    "reattune.supervision.forms.ActionForm": _meeting,
    "reattune.audit.forms.AuditFilterForm": lambda w: {"clinic": w.clinic},
    "reattune.audit.forms.ClientCodeForm": lambda w: {"clinic": w.clinic},
    "reattune.breakglass.forms.GrantForm": lambda w: {"needs_code": True},
}


def every_form_class() -> list[type[forms.BaseForm]]:
    for module in pkgutil.walk_packages(reattune.__path__, "reattune."):
        if ".migrations" not in module.name:
            importlib.import_module(module.name)
    found: dict[str, type[forms.BaseForm]] = {}
    pending: list[type] = [forms.BaseForm]
    while pending:
        cls = pending.pop()
        for sub in cls.__subclasses__():
            pending.append(sub)
            if sub.__module__.startswith("reattune."):
                found[name_of(sub)] = sub
    return [found[k] for k in sorted(found)]


def name_of(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def needs_arguments(cls: type[forms.BaseForm]) -> bool:
    parameters = inspect.signature(cls.__init__).parameters.values()
    return any(
        p.kind is p.KEYWORD_ONLY and p.default is p.empty for p in parameters if p.name != "self"
    )


FORMS = every_form_class()


def test_the_walk_finds_the_forms_people_fill_in():
    names = {name_of(cls) for cls in FORMS}
    assert {"reattune.cases.forms.ClientForm", "reattune.repairs.forms.RepairOpenForm"} <= names
    assert len(names) > 30


@pytest.mark.parametrize("cls", [c for c in FORMS if needs_arguments(c)], ids=name_of)
def test_every_form_that_needs_arguments_has_a_builder(cls):
    assert name_of(cls) in BUILDERS, f"teach BUILDERS how the view builds {name_of(cls)}"


def plausible(field: forms.Field) -> list[str]:
    """Values this field would take on their own, so the checks after the first ones run."""
    if isinstance(field, forms.ModelChoiceField):
        queryset: Any = field.queryset
        return [str(pk) for pk in queryset.values_list("pk", flat=True)[:3]]
    if isinstance(field, forms.ChoiceField):
        choices: Any = field.choices
        return [str(k) for k, _ in choices if k != ""][:10]
    if isinstance(field, forms.BooleanField):
        return ["on"]
    if isinstance(field, forms.DateField):
        today = timezone.localdate()
        return [today.isoformat(), (today - dt.timedelta(days=30)).isoformat()]
    if isinstance(field, forms.IntegerField | forms.DecimalField):
        return ["1", "2", "0.5"]
    if isinstance(field, forms.UUIDField):
        return ["6f1c2f4e-6d47-4b9a-9a52-3c3f1d2b7e10"]
    if isinstance(field, forms.EmailField):
        return ["someone@example.org"]
    return ["Ordinary words.", "HS-0142"]


def field_keys(form: forms.BaseForm, name: str) -> list[str]:
    """The posted names a field's widget reads (a split widget reads name_0, name_1, …)."""
    key = form.add_prefix(name)
    widget = form.fields[name].widget
    if isinstance(widget, forms.MultiWidget):
        return [f"{key}_{i}" for i in range(len(widget.widgets))]
    return [key]


def no_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" not in value
    if isinstance(value, dict):
        return all(no_nul(v) for v in value.values())
    if isinstance(value, list | tuple):
        return all(no_nul(v) for v in value)
    return True


def build(cls: type[forms.BaseForm], world: ClinicWorld, data: Any = None) -> forms.BaseForm:
    kwargs = BUILDERS[name_of(cls)](world) if name_of(cls) in BUILDERS else {}
    return cls(data, **kwargs)  # type: ignore[call-arg]


@pytest.mark.parametrize("cls", FORMS, ids=name_of)
def test_no_input_crashes_a_form_and_bad_input_is_named(cls, world):
    blank = build(cls, world)
    keys = {k: blank.fields[n] for n in blank.fields for k in field_keys(blank, n)}

    @settings(
        max_examples=12,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(data=st.data())
    def check(data: st.DataObject) -> None:
        values = {k: data.draw(posted(plausible(f)), label=k) for k, f in keys.items()}
        form = build(cls, world, MultiValueDict(values))
        if form.is_valid():
            assert no_nul(form.cleaned_data), f"{name_of(cls)} accepted a NUL: {values!r:.300}"
        else:
            assert form.errors
            for messages in form.errors.values():
                for message in messages:
                    assert isinstance(message, str) and message.strip(), name_of(cls)
        str(form.errors)
        for name in form.fields:
            str(form[name])  # the page shows the form again with what was posted

    check()
