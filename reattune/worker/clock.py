"""Reading a time of day ("02:30") from the environment, for the worker's daily jobs.

Plain Python, imported by the settings module before Django starts."""

from __future__ import annotations

import datetime as dt
import os

from reattune.lib.env import READ, SettingError

OFF = "off"


def env_clock(name: str, default: str) -> dt.time:
    """A 24-hour "HH:MM" time in the server's time zone (REATTUNE_TIME_ZONE)."""
    READ.add(name)
    raw = os.environ.get(name) or default
    return _time_of_day(name, raw, "HH:MM (24-hour clock)")


def env_clock_or_off(name: str, default: str) -> dt.time | None:
    """As env_clock, or None when the variable says "off": the job it times never runs."""
    READ.add(name)
    raw = os.environ.get(name) or default
    if raw.strip().lower() == OFF:
        return None
    return _time_of_day(name, raw, "HH:MM (24-hour clock) or off")


def _time_of_day(name: str, raw: str, wanted: str) -> dt.time:
    try:
        return dt.time.fromisoformat(raw.strip()).replace(second=0, microsecond=0)
    except ValueError:
        raise SettingError(f"{name} must be a time of day as {wanted}, not {raw!r}") from None
