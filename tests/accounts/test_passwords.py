"""Requirement 7: passwords of at least 8 characters, up to at least 64 (128 here), no
composition rules, checked against a common-password list; a strong hasher (Argon2id)."""

from __future__ import annotations

import pytest
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client as HttpClient
from django.urls import reverse

import reattune.settings as production
from reattune.accounts.validators import PASSWORD_TOO_LONG
from reattune.clinics.models import User
from tests.factories import ClinicWorld

pytestmark = pytest.mark.django_db


def _refused(password: str, user: User) -> list[str]:
    try:
        validate_password(password, user)
    except ValidationError as e:
        return list(e.messages)
    return []


def test_seven_characters_are_too_few_and_eight_are_enough(world: ClinicWorld) -> None:
    """Requirement 7"""
    assert _refused("tg4#kqz", world.clinician)
    assert _refused("tg4#kqzw", world.clinician) == []


@pytest.mark.parametrize("length", [64, 100, 128])
def test_long_passphrases_are_welcome(world: ClinicWorld, length: int) -> None:
    """Requirement 7: up to at least 64 characters."""
    phrase = ("lantern orchard quietly folds " * 5)[:length]
    assert _refused(phrase, world.clinician) == []


def test_more_than_128_characters_get_a_clear_message(world: ClinicWorld) -> None:
    """Requirement 7"""
    assert _refused("x7" * 65, world.clinician) == [PASSWORD_TOO_LONG.format(max_length=128)]


@pytest.mark.parametrize(
    "password", ["lanternorchard", "58203914675", "LANTERNORCHARD", "lantern orchard"]
)
def test_there_are_no_composition_rules(world: ClinicWorld, password: str) -> None:
    """Requirement 7: no demands for digits, capitals or symbols."""
    assert _refused(password, world.clinician) == []


@pytest.mark.parametrize("password", ["password", "password1", "12345678", "iloveyou"])
def test_common_passwords_are_refused(world: ClinicWorld, password: str) -> None:
    """Requirement 7"""
    assert _refused(password, world.clinician)


def test_the_production_setting_hashes_with_argon2_first() -> None:
    """Requirement 7: read from reattune/settings.py, which tests' fast hashers do not touch."""
    assert production.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    assert "django.contrib.auth.hashers.PBKDF2PasswordHasher" in production.PASSWORD_HASHERS


def test_an_old_pbkdf2_hash_still_logs_in_and_is_upgraded_to_argon2(
    world: ClinicWorld, settings
) -> None:
    """Requirement 7"""
    settings.PASSWORD_HASHERS = production.PASSWORD_HASHERS
    world.clinician.password = make_password("lantern orchard", hasher="pbkdf2_sha256")
    world.clinician.save(update_fields=["password"])

    HttpClient().post(
        reverse("login"), {"username": world.clinician.email, "password": "lantern orchard"}
    )

    world.clinician.refresh_from_db()
    assert world.clinician.password.startswith("argon2$argon2id$")


def test_the_validators_are_configured_as_documented() -> None:
    """Requirement 7"""
    validators: list[dict[str, str]] = production.AUTH_PASSWORD_VALIDATORS  # type: ignore[assignment]
    names = [v["NAME"].rsplit(".", 1)[1] for v in validators]
    assert "MinimumLengthValidator" in names
    assert "MaximumLengthValidator" in names
    assert "CommonPasswordValidator" in names
    assert "NumericPasswordValidator" not in names
