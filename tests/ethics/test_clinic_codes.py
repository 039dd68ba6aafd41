"""A clinic's choice of codes: stored per clinic, read back as the loaded codes only."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.exceptions import ValidationError

from reattune.ethics.models import ClinicEthics, chosen_ids, clinic_codes
from reattune.ethics.services import clinic_ethics_set
from tests.ethics import GOOD, ethics_dir
from tests.factories import ClinicWorld

pytestmark = pytest.mark.django_db


def test_a_clinic_that_chose_nothing_has_no_codes(world: ClinicWorld) -> None:
    assert clinic_codes(world.clinic.pk) == []
    assert chosen_ids(world.clinic.pk) == []


def test_it_stores_the_choice_sorted_once_each_and_who_made_it(world: ClinicWorld) -> None:
    row = clinic_ethics_set(
        clinic=world.clinic, code_ids=["uk_duty_of_candour", "bacp", "bacp"], by=world.admin
    )
    assert row.code_ids == ["bacp", "uk_duty_of_candour"]
    assert row.updated_by == world.admin
    assert [c.id for c in clinic_codes(world.clinic.pk)] == ["bacp", "uk_duty_of_candour"]


def test_changing_the_choice_updates_the_one_row(world: ClinicWorld) -> None:
    clinic_ethics_set(clinic=world.clinic, code_ids=["apa"], by=world.admin)
    clinic_ethics_set(clinic=world.clinic, code_ids=["aca", "hipaa_breach"], by=None)
    assert ClinicEthics.objects.filter(clinic=world.clinic).count() == 1
    assert [c.id for c in clinic_codes(world.clinic.pk)] == ["aca", "hipaa_breach"]
    assert ClinicEthics.objects.get(clinic=world.clinic).updated_by is None


def test_one_clinics_choice_never_shows_in_another(
    world: ClinicWorld, other_world: ClinicWorld
) -> None:
    clinic_ethics_set(clinic=world.clinic, code_ids=["bacp"], by=world.admin)
    clinic_ethics_set(clinic=other_world.clinic, code_ids=["nasw"], by=other_world.admin)
    assert [c.id for c in clinic_codes(world.clinic.pk)] == ["bacp"]
    assert [c.id for c in clinic_codes(other_world.clinic.pk)] == ["nasw"]


def test_it_refuses_an_id_the_installation_has_not_loaded(world: ClinicWorld) -> None:
    with pytest.raises(ValidationError) as caught:
        clinic_ethics_set(clinic=world.clinic, code_ids=["bacp", "ukcp"], by=world.admin)
    assert caught.value.message_dict == {
        "code_ids": ["This installation has no code or law with the id ukcp."]
    }
    assert clinic_codes(world.clinic.pk) == []


def test_it_refuses_code_ids_that_are_not_a_list_of_text(world: ClinicWorld) -> None:
    row = ClinicEthics(clinic=world.clinic, code_ids={"bacp": True})
    with pytest.raises(ValidationError, match="must be a list of code ids"):
        row.full_clean()


def test_a_code_whose_file_is_gone_is_skipped_not_an_error(
    world: ClinicWorld, tmp_path: Path
) -> None:
    (tmp_path / "ours.toml").write_text(GOOD, encoding="utf-8")
    with ethics_dir(tmp_path):
        clinic_ethics_set(clinic=world.clinic, code_ids=["invented", "bacp"], by=world.admin)
        assert [c.id for c in clinic_codes(world.clinic.pk)] == ["bacp", "invented"]
    # The folder is gone now, as after a server move.
    assert [c.id for c in clinic_codes(world.clinic.pk)] == ["bacp"]
    assert chosen_ids(world.clinic.pk) == ["bacp", "invented"]
