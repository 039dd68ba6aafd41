"""Typed readers for environment variables that fail loudly, naming the variable.

Settings come only from the environment (see docs/settings.md); a bad value must stop start-up
with a message that says which variable is wrong and what it should look like.
"""

import difflib
import os
import zoneinfo
from collections.abc import Iterable, Mapping
from urllib.parse import urlsplit

PREFIX = "REATTUNE_"
# Every variable read through the readers below, so a misspelt one can be caught
# (`refuse_unknown`): REATTUNE_DATABSE_URL would otherwise leave a server quietly on SQLite.
READ: set[str] = set()


class SettingError(Exception):
    """An environment variable holds a value Reattune cannot use."""


def env_str(name: str, default: str) -> str:
    READ.add(name)
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    READ.add(name)
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise SettingError(f"{name} must be true or false (1/0, yes/no), not {raw!r}")


def env_int(name: str, default: int, *, minimum: int = 0) -> int:
    READ.add(name)
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingError(f"{name} must be a whole number, not {raw!r}") from None
    if value < minimum:
        raise SettingError(f"{name} must be at least {minimum}, not {value}")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    READ.add(name)
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_time_zone(name: str, default: str) -> str:
    """An IANA time zone name such as Europe/London."""
    value = env_str(name, default).strip() or default
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise SettingError(
            f"{name} must be a time zone name such as Europe/London or America/New_York, "
            f"not {value!r}"
        ) from None
    return value


def env_url(name: str, default: str, *, https_only: bool = False) -> str:
    """An http(s) address with a host and no query string, such as https://reattune.example.org;
    a trailing slash is dropped. Empty when unset."""
    raw = env_str(name, default).strip()
    return url_value(name, raw, https_only=https_only) if raw else ""


def env_url_list(name: str) -> list[str]:
    """A comma-separated list of http(s) origins."""
    return [origin(url_value(name, item)) for item in env_list(name, [])]


def origin(url: str) -> str:
    """scheme://host[:port] of an address: what a browser sends as Origin."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def url_value(name: str, raw: str, *, https_only: bool = False) -> str:
    parts = urlsplit(raw)
    schemes = ("https",) if https_only else ("http", "https")
    if parts.scheme not in schemes or not parts.hostname or parts.query or parts.fragment:
        wanted = " or ".join(f"{scheme}://" for scheme in schemes)
        raise SettingError(
            f"{name} must be an address people use to reach Reattune, starting with {wanted} "
            f"(for example https://reattune.example.org), not {raw!r}"
        )
    return raw.rstrip("/")


def refuse_unknown(environ: Mapping[str, str], *, also_known: Iterable[str]) -> None:
    """Stop on a REATTUNE_ variable nothing reads, naming the nearest real one."""
    known = READ | set(also_known)
    unknown = sorted(name for name in environ if name.startswith(PREFIX) and name not in known)
    if not unknown:
        return
    lines = []
    for name in unknown:
        close = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.8)
        hint = f" (did you mean {close[0]}?)" if close else ""
        lines.append(f"{name} is not a Reattune setting{hint}")
    raise SettingError(
        "; ".join(lines) + ". The settings are listed in docs/settings.md; remove or correct it."
    )
