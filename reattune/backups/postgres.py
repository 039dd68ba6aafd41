"""PostgreSQL backups with pg_dump inside an exported snapshot, restores with pg_restore.

The manifest's numbers are read in the same snapshot pg_dump copies, so they describe the dump
exactly while the app keeps writing.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
from psycopg.conninfo import make_conninfo

from reattune.backups.manifest import DatabaseState, database_state

CLIENT_PACKAGE = "postgresql-client"
TOOL_MISSING = (
    "{tool} was not found on PATH. Install PostgreSQL's client tools, at the server's major "
    "version or newer (on Debian or Ubuntu: apt-get install " + CLIENT_PACKAGE + ")."
)
TOOL_FAILED = "{tool} failed (exit status {status}): {output}"


class PostgresProblem(Exception):
    """A backup or restore step cannot go on; the message is for the admin."""


def tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise PostgresProblem(TOOL_MISSING.format(tool=name))
    return found


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def conninfo(settings_dict: Mapping[str, Any]) -> str:
    """A libpq connection string from Django's settings, without the password (which goes
    in the environment, so it never shows in a process list)."""
    options = dict(settings_dict.get("OPTIONS") or {})
    params = {
        "dbname": settings_dict.get("NAME"),
        "user": settings_dict.get("USER"),
        "host": settings_dict.get("HOST"),
        "port": settings_dict.get("PORT"),
        "sslmode": options.get("sslmode"),
    }
    return make_conninfo(**{k: str(v) for k, v in params.items() if v})


def tool_env(settings_dict: Mapping[str, Any]) -> dict[str, str]:
    env = dict(os.environ)
    if settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = str(settings_dict["PASSWORD"])
    return env


def connect(settings_dict: Mapping[str, Any]) -> psycopg.Connection[Any]:
    return psycopg.connect(
        conninfo(settings_dict), password=settings_dict.get("PASSWORD") or None, autocommit=True
    )


def tables(cursor: psycopg.Cursor[Any]) -> list[str]:
    cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
    return [str(name) for (name,) in cursor.fetchall()]


def current_state(settings_dict: Mapping[str, Any]) -> DatabaseState:
    with connect(settings_dict) as connection, connection.cursor() as cursor:
        return database_state(cursor, tables(cursor), quote)


@contextmanager
def _snapshot(settings_dict: Mapping[str, Any]) -> Iterator[tuple[str, psycopg.Cursor[Any]]]:
    """A read-only repeatable-read transaction and its exported snapshot's id."""
    with connect(settings_dict) as connection, connection.cursor() as cursor:
        cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        row = cursor.fetchone()
        assert row is not None
        try:
            yield str(row[0]), cursor
        finally:
            cursor.execute("ROLLBACK")


def postgres_backup(*, settings_dict: Mapping[str, Any], output: Path) -> DatabaseState:
    pg_dump = tool("pg_dump")
    partial = output.with_name(f".{output.name}.partial")
    partial.unlink(missing_ok=True)
    partial.touch(mode=0o600)  # client data: pg_dump writes into this file, keeping its mode
    with _snapshot(settings_dict) as (snapshot, cursor):
        _run(
            [
                pg_dump,
                "--format=custom",
                f"--snapshot={snapshot}",
                "--no-password",
                f"--file={partial}",
                f"--dbname={conninfo(settings_dict)}",
            ],
            settings_dict,
        )
        state = database_state(cursor, tables(cursor), quote)
    os.replace(partial, output)
    return state


def others_connected(settings_dict: Mapping[str, Any]) -> int:
    """How many other sessions have the database open (the app, a shell, a report)."""
    with connect(settings_dict) as connection:
        row = connection.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchone()
    return int(row[0]) if row else 0


def holds_data(settings_dict: Mapping[str, Any]) -> bool:
    with connect(settings_dict) as connection, connection.cursor() as cursor:
        return bool(tables(cursor))


def postgres_restore(*, settings_dict: Mapping[str, Any], backup: Path) -> None:
    """Restore in one transaction: a failure part-way leaves the database as it was."""
    pg_restore = tool("pg_restore")
    _run(
        [
            pg_restore,
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            "--exit-on-error",
            "--no-password",
            f"--dbname={conninfo(settings_dict)}",
            str(backup),
        ],
        settings_dict,
    )


def _run(argv: list[str], settings_dict: Mapping[str, Any]) -> None:
    done = subprocess.run(  # noqa: S603 - our own argument list, no shell
        argv, env=tool_env(settings_dict), capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        name = Path(argv[0]).name
        raise PostgresProblem(
            TOOL_FAILED.format(tool=name, status=done.returncode, output=done.stderr.strip())
        )
