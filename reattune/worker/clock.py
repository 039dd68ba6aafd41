"""Reading a time of day ("02:30") from the environment, for the worker's daily jobs.

Plain Python, imported by the settings module before Django starts."""

from __future__ import annotations

import datetime as dt
import os

from reattune.lib.env import READ, SettingError


def env_clock(name: str, default: str) -> dt.time:
    """A 24-hour "HH:MM" time in the server's time zone (REATTUNE_TIME_ZONE)."""
    READ.add(name)
    raw = os.environ.get(name) or default
    try:
        return dt.time.fromisoformat(raw.strip()).replace(second=0, microsecond=0)
    except ValueError:
        raise SettingError(
            f"{name} must be a time of day as HH:MM (24-hour clock), not {raw!r}"
        ) from None
