"""A database of the test's own, of the kind the suite runs on, for real processes to share.

Under the SQLite run it is a migrated SQLite file in a temporary data folder; under the
PostgreSQL run, a uniquely named database on the same server, dropped afterwards. Migrating
takes seconds, so each pytest process migrates one template and copies it for every test.
"""

from __future__ import annotations

import os
import secrets
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
from django.conf import settings

from reattune.lib.database import SQLITE_FILE_NAME
from tests.processes import REATTUNE

REPO = Path(__file__).resolve().parents[2]
POSTGRES_PREFIX = "reattune_durability_"


def suite_vendor() -> str:
    engine = str(settings.DATABASES["default"]["ENGINE"])
    return "sqlite" if "sqlite3" in engine else "postgresql"


@dataclass(frozen=True)
class OwnDatabase:
    vendor: str
    data_dir: Path
    url: str  # "" for SQLite

    @property
    def sqlite_path(self) -> Path:
        return self.data_dir / SQLITE_FILE_NAME

    def env(self) -> dict[str, str]:
        """The environment for a `reattune` or worker process using this database."""
        env = {k: v for k, v in os.environ.items() if k != "REATTUNE_DATABASE_URL"}
        env["REATTUNE_DATA_DIR"] = str(self.data_dir)
        env["PYTHONPATH"] = str(REPO)
        if self.url:
            env["REATTUNE_DATABASE_URL"] = self.url
        return env

    def reattune(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run(  # noqa: S603
            [str(REATTUNE), *args],
            env=self.env(),
            capture_output=True,
            text=True,
            check=check,
            cwd=REPO,
            timeout=300,
        )

    def worker(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run tests/durability/workers.py to completion; it must succeed."""
        done = subprocess.run(  # noqa: S603
            [sys.executable, "-m", "tests.durability.workers", *args],
            env=self.env(),
            capture_output=True,
            text=True,
            check=False,
            cwd=REPO,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr
        return done

    def start_worker(self, *args: str) -> subprocess.Popen[str]:
        return subprocess.Popen(  # noqa: S603
            [sys.executable, "-u", "-m", "tests.durability.workers", *args],
            env=self.env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=REPO,
        )

    def sqlite_integrity(self) -> str:
        connection = sqlite3.connect(self.sqlite_path)
        try:
            return str(connection.execute("PRAGMA integrity_check").fetchone()[0])
        finally:
            connection.close()

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        """Rows read straight from the database file or server, not through Django."""
        if self.vendor == "sqlite":
            connection = sqlite3.connect(self.sqlite_path)
            try:
                return connection.execute(sql).fetchall()
            finally:
                connection.close()
        with psycopg.connect(self.url) as pg:
            return pg.execute(sql).fetchall()  # type: ignore[arg-type]


def _suite_postgres_url() -> str:
    db = settings.DATABASES["default"]
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgresql://{user}{password}@{host}:{port}/postgres"


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def _admin(url: str) -> psycopg.Connection[Any]:
    return psycopg.connect(_with_database(url, "postgres"), autocommit=True)


@contextmanager
def template_database(tmp_dir: Path) -> Iterator[OwnDatabase]:
    """One migrated database per pytest process, copied by `own_database`."""
    vendor = suite_vendor()
    if vendor == "sqlite":
        template = OwnDatabase(vendor, tmp_dir / "template", "")
        template.reattune("migrate", "--verbosity", "0")
        yield template
        return
    admin_url = _suite_postgres_url()
    name = f"{POSTGRES_PREFIX}template_{secrets.token_hex(4)}"
    with _admin(admin_url) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')  # type: ignore[arg-type]
    template = OwnDatabase(vendor, tmp_dir / "template", _with_database(admin_url, name))
    try:
        template.reattune("migrate", "--verbosity", "0")
        yield template
    finally:
        _drop(admin_url, name)


@contextmanager
def database_like(
    template: OwnDatabase, tmp_dir: Path, *, empty: bool = False
) -> Iterator[OwnDatabase]:
    """A copy of the migrated template (or, with `empty`, a database with no tables at all)."""
    data_dir = tmp_dir / f"data-{secrets.token_hex(3)}"
    data_dir.mkdir()
    if template.vendor == "sqlite":
        if not empty:
            shutil.copyfile(template.sqlite_path, data_dir / SQLITE_FILE_NAME)
        yield OwnDatabase("sqlite", data_dir, "")
        return
    name = f"{POSTGRES_PREFIX}{secrets.token_hex(6)}"
    source = urlsplit(template.url).path.lstrip("/")
    admin_url = _suite_postgres_url()
    with _admin(admin_url) as admin:
        copy_from = "" if empty else f' TEMPLATE "{source}"'
        admin.execute(f'CREATE DATABASE "{name}"{copy_from}')  # type: ignore[arg-type]
    try:
        yield OwnDatabase("postgresql", data_dir, _with_database(admin_url, name))
    finally:
        _drop(admin_url, name)


def _drop(admin_url: str, name: str) -> None:
    with _admin(admin_url) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # type: ignore[arg-type]
