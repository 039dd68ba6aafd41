"""The tests run on the database the environment names; .ci/run relies on it for PostgreSQL."""

from __future__ import annotations

import os

import pytest
from django.db import connection


def _expected_vendor() -> str:
    wants_postgres = os.environ.get("REATTUNE_DATABASE_URL") or os.environ.get(
        "REATTUNE_REQUIRE_POSTGRES", ""
    ).strip().lower() in {"1", "true", "yes", "on"}
    return "postgresql" if wants_postgres else "sqlite"


@pytest.mark.django_db
def test_it_runs_on_the_database_the_environment_names() -> None:
    assert connection.vendor == _expected_vendor()


@pytest.mark.django_db
def test_it_talks_to_a_live_test_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)
    if connection.vendor == "postgresql":
        # Django made this database for the run and drops it afterwards; never the real one.
        assert connection.settings_dict["NAME"].startswith("test_")
