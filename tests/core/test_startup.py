"""Waiting for the database at start-up: a clear line while waiting, a clear error if it never
answers, and a clean start once it does."""

from __future__ import annotations

import subprocess
import threading
import time
from pathlib import Path

import pytest
from django.core.management.base import CommandError
from django.db.backends.sqlite3.base import DatabaseWrapper

from reattune.core.startup import database_wait
from tests.processes import REATTUNE, own_sqlite_env


def sqlite_connection(path: Path) -> DatabaseWrapper:
    settings_dict: dict[str, object] = {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(path),
        "OPTIONS": {},
        "TIME_ZONE": None,
        "CONN_MAX_AGE": 0,
        "CONN_HEALTH_CHECKS": False,
        "AUTOCOMMIT": True,
        "ATOMIC_REQUESTS": False,
        "TEST": {},
        "USER": "",
        "PASSWORD": "",
        "HOST": "",
        "PORT": "",
    }
    return DatabaseWrapper(settings_dict, alias="startup-test")


@pytest.fixture
def unblocked(django_db_blocker):
    # A connection of the test's own, to a file of its own: not the test database.
    with django_db_blocker.unblock():
        yield


def test_it_waits_until_the_database_can_be_opened(tmp_path, unblocked):
    # SQLite cannot open a file in a folder that does not exist yet: the same OperationalError
    # a server sees while PostgreSQL is still starting. The folder appears after a second.
    folder = tmp_path / "later"
    connection = sqlite_connection(folder / "db.sqlite3")
    said: list[str] = []
    timer = threading.Timer(1.0, folder.mkdir)
    timer.start()
    try:
        tries = database_wait(timeout=20, retry=0.3, say=said.append, connection=connection)
    finally:
        timer.cancel()
        connection.close()
    assert tries >= 2
    assert said and all(line.startswith("Waiting for the database (SQLite file") for line in said)


def test_it_gives_up_with_a_message_naming_the_database(tmp_path, unblocked):
    connection = sqlite_connection(tmp_path / "never" / "db.sqlite3")
    said: list[str] = []
    started = time.monotonic()
    with pytest.raises(CommandError) as refused:
        database_wait(timeout=1, retry=0.3, say=said.append, connection=connection)
    assert time.monotonic() - started < 10
    message = str(refused.value)
    assert "Could not reach the database (SQLite file" in message
    assert "unable to open database file" in message
    assert "REATTUNE_DATABASE_URL" in message
    assert said


def test_serve_stops_cleanly_when_postgres_never_answers(tmp_path):
    env = own_sqlite_env(tmp_path)
    # Port 1 on loopback: nothing listens there, so the connection is refused at once.
    env["REATTUNE_DATABASE_URL"] = "postgres://reattune:secret-password@127.0.0.1:1/reattune"
    result = subprocess.run(  # noqa: S603 - our own command
        [str(REATTUNE), "serve", "--port", "1", "--wait-for-database", "3"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "Waiting for the database (PostgreSQL at 127.0.0.1:1, database 'reattune')" in (
        result.stderr
    )
    assert "Could not reach the database" in result.stderr
    assert "secret-password" not in result.stderr + result.stdout
    assert "Traceback" not in result.stderr
    assert "Serving" not in result.stdout
