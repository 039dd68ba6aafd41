"""Requirement 4: the time limit is REATTUNE_BREAK_GLASS_MINUTES (default 60); more than four
hours is refused at start-up, naming the variable."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

PRINT_IT = "from django.conf import settings; print(settings.BREAK_GLASS_MINUTES)"


def start(tmp_path: Path, value: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "REATTUNE_BREAK_GLASS_MINUTES"}
    env.update(
        DJANGO_SETTINGS_MODULE="reattune.settings",
        REATTUNE_DATA_DIR=str(tmp_path),
        REATTUNE_SECRET_KEY="x" * 50,
    )
    if value is not None:
        env["REATTUNE_BREAK_GLASS_MINUTES"] = value
    return subprocess.run(  # noqa: S603 - our own interpreter and a fixed script
        [sys.executable, "-c", PRINT_IT], env=env, capture_output=True, text=True, timeout=60
    )


@pytest.mark.parametrize(("value", "minutes"), [(None, "60"), ("", "60"), ("240", "240")])
def test_it_defaults_to_an_hour_and_allows_up_to_four(
    tmp_path: Path, value: str | None, minutes: str
) -> None:
    result = start(tmp_path, value)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == minutes


@pytest.mark.parametrize("value", ["241", "0", "an hour"])
def test_it_refuses_a_limit_over_four_hours_or_nonsense_at_start_up(
    tmp_path: Path, value: str
) -> None:
    result = start(tmp_path, value)
    assert result.returncode != 0
    assert "REATTUNE_BREAK_GLASS_MINUTES must be" in result.stderr
