"""/measures/<id>/: what a measure asks, how it is scored, and where its numbers come from."""

from __future__ import annotations

import html

import pytest
from django.urls import reverse

from reattune.measures.models import MeasureSchedule
from reattune.measures.registry import get_definition
from tests.factories import ClinicWorld


def url(measure_id: str) -> str:
    return reverse("measure_detail", args=[measure_id])


def page(client, measure_id: str) -> str:
    response = client.get(url(measure_id))
    assert response.status_code == 200
    return html.unescape(str(response.text))


def test_it_sends_an_anonymous_visitor_to_log_in(client) -> None:
    response = client.get(url("phq9"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_it_answers_404_for_a_measure_this_installation_does_not_have(
    world: ClinicWorld, login
) -> None:
    assert login(world.clinician).get(url("ors")).status_code == 404


@pytest.mark.parametrize("role", ["admin", "supervisor", "clinician", "trainee"])
def test_it_shows_every_member_of_the_clinic_every_item_and_its_answers(
    world: ClinicWorld, login, role: str
) -> None:
    text = page(login(getattr(world, role)), "phq9")
    phq9 = get_definition("phq9")
    assert phq9.instructions in text
    for item in phq9.items:
        assert item.text in text
        for option in item.options:
            assert f"{option.value} — {option.label}" in text


def test_it_shows_scale_ends_and_the_rupture_and_free_text_questions(
    world: ClinicWorld, login
) -> None:
    text = page(login(world.clinician), "alliance")
    assert "A scale from 0 (Not at all) to 10 (Completely)." in text
    assert "Rupture question: alert for the answer “yes”" in text
    assert "Free text, up to 1000 characters." in text
    assert "from 0 to 40; higher is better" in text
    assert "no published clinical cut-off or reliable-change value" in text
    assert get_definition("alliance").notes in text


def test_it_shows_which_items_are_reversed_and_which_are_safety_items(
    world: ClinicWorld, login
) -> None:
    text = page(login(world.clinician), "core10")
    assert text.count("Scored in reverse") == 3  # the summary and items 2 and 3
    assert '<span class="badge">q2</span> <span class="badge">q3</span>' in text
    assert '<span class="badge badge-urgent">q6</span> raises a safety alert' in text
    assert "from 0 to 40; higher means more difficulty" in text


@pytest.mark.parametrize("measure_id", ["phq9", "gad7", "core10"])
def test_it_shows_the_cut_off_and_reliable_change_with_their_published_sources(
    world: ClinicWorld, login, measure_id: str
) -> None:
    text = page(login(world.clinician), measure_id)
    measure = get_definition(measure_id)
    assert measure.cutoff is not None and measure.reliable_change is not None
    assert f"<td>{measure.cutoff.value:g}</td><td>{measure.cutoff.source}</td>" in text
    assert (
        f"<td>{measure.reliable_change.value:g} points</td>"
        f"<td>{measure.reliable_change.source}</td>"
    ) in text
    assert measure.licence in text
    assert measure.attribution in text


def test_it_shows_the_viewers_own_clinic_schedule_not_another_clinics(
    world: ClinicWorld, other_world: ClinicWorld, login
) -> None:
    MeasureSchedule.objects.create(
        clinic=other_world.clinic, measure_id="core10", every_n_sessions=3
    )
    response = login(world.clinician).get(url("core10"))
    assert response.context["row"] is None
    assert "Not running" in response.text
    MeasureSchedule.objects.filter(clinic=world.clinic, measure_id="phq9").update(
        every_n_sessions=2
    )
    assert "Runs every 2 sessions" in login(world.clinician).get(url("phq9")).text
