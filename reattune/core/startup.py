"""Start-up checks shared by the long-running commands (`reattune serve`, `reattune worker`).

A server that starts before its database (after a reboot, or with PostgreSQL on another
machine) should wait for it, saying what it is waiting for, rather than crash on the first
query; and if the database never answers, stop with a message a person can act on.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.core.management.base import CommandError
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.utils import OperationalError

# How long `reattune serve` and `reattune worker` wait for the database by default.
DATABASE_WAIT_SECONDS = 60.0
RETRY_SECONDS = 2.0


def database_where(settings_dict: dict[str, Any]) -> str:
    """The database's address for a message: host, port and name, never the password."""
    if "sqlite" in str(settings_dict.get("ENGINE", "")):
        return f"SQLite file {settings_dict.get('NAME')}"
    host = settings_dict.get("HOST") or "the local socket"
    port = f":{settings_dict['PORT']}" if settings_dict.get("PORT") else ""
    return f"PostgreSQL at {host}{port}, database {settings_dict.get('NAME')!r}"


def database_wait(
    *,
    timeout: float = DATABASE_WAIT_SECONDS,
    retry: float = RETRY_SECONDS,
    say: Callable[[str], None] = print,
    connection: Any = None,
) -> int:
    """Return once the database accepts a connection (the number of tries it took); raise
    CommandError naming the database and the reason once `timeout` seconds have passed."""
    connection = connection if connection is not None else connections[DEFAULT_DB_ALIAS]
    where = database_where(connection.settings_dict)
    deadline = time.monotonic() + timeout
    tries = 0
    while True:
        tries += 1
        try:
            connection.ensure_connection()
            return tries
        except OperationalError as e:
            reason = _first_line(e)
            connection.close()
            if time.monotonic() + retry > deadline:
                raise CommandError(
                    f"Could not reach the database ({where}) in {timeout:.0f} seconds: {reason}. "
                    "Check that the database server is running and that REATTUNE_DATABASE_URL "
                    "names the right host, port, database and user."
                ) from None
            say(f"Waiting for the database ({where}): {reason}. Trying again in {retry:.0f} s.")
            time.sleep(retry)


def _first_line(error: Exception) -> str:
    text = str(error).strip().splitlines()
    return text[0].strip().rstrip(".") if text else type(error).__name__
