"""Trainee hours: the rules on a value, the page's refusals, who sees and who records."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from hypothesis import given
from hypothesis import strategies as st

from reattune.clinics.models import Role
from reattune.supervision import hours as rules
from reattune.supervision.models import HoursEntry, HoursTarget
from tests.factories import make_person
from tests.repairs.helpers import body


@given(st.decimals(min_value=Decimal("0.25"), max_value=Decimal(12), places=2))
def test_any_quarter_hour_from_a_quarter_to_twelve_is_accepted(value):
    if value % Decimal("0.25"):
        with pytest.raises(ValidationError):
            rules.clean_hours(value)
    else:
        assert rules.clean_hours(value) == value


@given(st.one_of(st.decimals(allow_nan=True, allow_infinity=True), st.text(max_size=12)))
def test_anything_else_is_refused_or_a_valid_quarter_hour(value):
    try:
        hours = rules.clean_hours(value)
    except ValidationError:
        return
    assert Decimal("0.25") <= hours <= 12 and hours % Decimal("0.25") == 0


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("-1", rules.HOURS_TOO_FEW),
        ("0", rules.HOURS_TOO_FEW),
        ("12.25", rules.HOURS_TOO_MANY),
        ("1e9", rules.HOURS_TOO_MANY),
        ("0.3", rules.HOURS_NOT_QUARTERS),
        ("NaN", rules.HOURS_NOT_A_NUMBER),
        ("Infinity", rules.HOURS_NOT_A_NUMBER),
        ("two", rules.HOURS_NOT_A_NUMBER),
    ],
)
def test_bad_hours_are_refused_with_a_message(value, message):
    with pytest.raises(ValidationError) as e:
        rules.clean_hours(value)
    assert e.value.messages == [message]


def _entry(**overrides):
    return {
        "form_key": str(uuid.uuid4()),
        "on": timezone.localdate().isoformat(),
        "kind": "direct_contact",
        "hours": "6",
        "note": "",
    } | overrides


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"hours": "-2"}, rules.HOURS_TOO_FEW),
        ({"hours": "0"}, rules.HOURS_TOO_FEW),
        ({"hours": "13"}, rules.HOURS_TOO_MANY),
        ({"on": "2999-01-01"}, rules.DAY_IN_FUTURE),
        ({"on": "1901-01-01"}, rules.DAY_TOO_EARLY),
        ({"on": "not a date"}, "Enter a valid date."),
        ({"kind": "nap"}, "Select a valid choice."),
        ({"note": "a\x00b"}, "Null characters are not allowed."),
        ({"form_key": "reused"}, "Enter a valid UUID."),
    ],
)
def test_the_page_refuses_bad_entries(world, login, overrides, message):
    response = login(world.trainee).post(reverse("hours"), _entry(**overrides))
    assert response.status_code == 400
    assert escape(message) in body(response)
    assert not HoursEntry.objects.exists()


@pytest.mark.django_db
def test_no_day_holds_more_than_24_hours(world, login):
    page = login(world.trainee)
    for _ in range(2):
        assert page.post(reverse("hours"), _entry(hours="12")).status_code == 302
    response = page.post(reverse("hours"), _entry(hours="0.25"))
    assert response.status_code == 400
    assert "more than 24 hours" in body(response)
    assert HoursEntry.objects.count() == 2


@pytest.mark.django_db
def test_the_same_form_submitted_twice_records_once(world, login):
    data = _entry()
    page = login(world.trainee)
    page.post(reverse("hours"), data)
    page.post(reverse("hours"), data)
    assert HoursEntry.objects.count() == 1


@pytest.mark.django_db
def test_totals_against_target_on_the_page(world, login):
    rules.target_set(
        person=world.trainee, by=world.supervisor, kind="supervision", hours=Decimal(40)
    )
    for hours in ("1", "1.5"):
        login(world.trainee).post(reverse("hours"), _entry(kind="supervision", hours=hours))
    [contact, supervision] = rules.progress_of(world.trainee)
    assert contact.total == 0 and contact.target is None
    assert (supervision.total, supervision.percent, supervision.remaining) == (
        Decimal("2.5"),
        6,
        Decimal("37.5"),
    )
    page = body(login(world.supervisor).get(reverse("hours_person", args=[world.trainee.pk])))
    assert "2.5 h of 40 h (6%)" in page


@pytest.mark.django_db
def test_the_person_their_supervisor_and_an_admin_see_the_hours_nobody_else(
    world, other_world, login
):
    url = reverse("hours_person", args=[world.trainee.pk])
    for viewer in (world.trainee, world.supervisor, world.admin):
        assert login(viewer).get(url).status_code == 200
    other_trainee = make_person(world.clinic, Role.TRAINEE)
    for outsider in (
        world.colleague,
        other_trainee,
        make_person(world.clinic, Role.SUPERVISOR),
        other_world.admin,
        other_world.supervisor,
    ):
        assert login(outsider).get(url).status_code == 404


@pytest.mark.django_db
def test_an_admin_sets_targets_but_does_not_record_hours(world, login):
    admin = login(world.admin)
    url = reverse("hours_person", args=[world.trainee.pk])
    assert admin.post(url, _entry()).status_code == 403
    target = reverse("hours_target", args=[world.trainee.pk])
    assert admin.post(target, {"kind": "direct_contact", "hours": "450"}).status_code == 302
    assert HoursTarget.objects.get().set_by == world.admin


@pytest.mark.django_db
def test_the_supervisor_records_hours_for_a_supervisee_who_cannot_set_their_own_target(
    world, login
):
    url = reverse("hours_person", args=[world.trainee.pk])
    assert login(world.supervisor).post(url, _entry()).status_code == 302
    assert HoursEntry.objects.get().recorded_by == world.supervisor
    target = reverse("hours_target", args=[world.trainee.pk])
    assert (
        login(world.trainee).post(target, {"kind": "supervision", "hours": "1"}).status_code == 403
    )
    for bad in ("0", "-5", "100000", "abc"):
        response = login(world.supervisor).post(target, {"kind": "supervision", "hours": bad})
        assert response.status_code == 400
    assert not HoursTarget.objects.exists()


@pytest.mark.django_db
def test_an_old_day_within_range_is_accepted(world, login):
    day = (timezone.localdate() - dt.timedelta(days=400)).isoformat()
    assert login(world.trainee).post(reverse("hours"), _entry(on=day)).status_code == 302
