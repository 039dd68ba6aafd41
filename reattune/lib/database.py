"""The database settings, built from REATTUNE_DATABASE_URL and the data folder.

Kept out of settings.py so the durability tests can build the very same SQLite configuration
for a folder of their own, whichever database the suite itself runs on.
"""

from __future__ import annotations

from pathlib import Path

import dj_database_url

from reattune.lib.env import SettingError

SQLITE_FILE_NAME = "reattune.sqlite3"
# Seconds a writer waits for another's lock before SQLite gives up with "database is locked".
SQLITE_BUSY_TIMEOUT = 20

# WAL lets readers and the one writer proceed together. synchronous=FULL syncs the WAL at every
# commit, so a commit that returned survives a power cut, not only a crashed process.
SQLITE_PRAGMAS = "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"


def database_config(*, url: str, data_dir: Path) -> dict[str, object]:
    """Django's DATABASES["default"]: SQLite in `data_dir` when `url` is empty, else PostgreSQL."""
    if not url:
        data_dir.mkdir(parents=True, exist_ok=True)
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": data_dir / SQLITE_FILE_NAME,
            # IMMEDIATE takes the write lock at BEGIN, so two submissions never deadlock
            # upgrading a read lock (which SQLite reports at once as "database is locked",
            # without waiting for the busy timeout).
            "OPTIONS": {
                "init_command": SQLITE_PRAGMAS,
                "transaction_mode": "IMMEDIATE",
                "timeout": SQLITE_BUSY_TIMEOUT,
            },
        }
    if not url.startswith(("postgres://", "postgresql://")):
        raise SettingError(
            "REATTUNE_DATABASE_URL must be a postgres:// URL (leave it unset for SQLite), "
            f"not {url.split(':', 1)[0]!r}"
        )
    return dict(dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True))
