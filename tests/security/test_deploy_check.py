"""Requirement 10: Django's deployment check on production settings reports no security warning.

Settings are read once, when Django starts, so each test starts a fresh Python process with the
environment a real server would have (REATTUNE_PRODUCTION=1 and what it requires), and runs
`check --deploy --fail-level WARNING` there through call_command. `.ci/run` runs the same check
as the `reattune` command.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

CHECK = """
import django
django.setup()
from django.core.management import call_command
call_command("check", deploy=True, fail_level="WARNING")
"""
SETTINGS = """
import django
django.setup()
from django.conf import settings
print(settings.SECURE_SSL_REDIRECT, settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE,
      settings.SECURE_HSTS_SECONDS, settings.SECURE_HSTS_INCLUDE_SUBDOMAINS,
      settings.SECURE_HSTS_PRELOAD, settings.SECURE_PROXY_SSL_HEADER,
      settings.SESSION_COOKIE_HTTPONLY, settings.SESSION_COOKIE_SAMESITE,
      settings.CSRF_COOKIE_SAMESITE)
"""
STRONG_KEY = secrets.token_urlsafe(60)


def production_env(data_dir: Path, **extra: str) -> dict[str, str]:
    # The browser tests lift Django's async-safety check for the rest of the test session
    # (tests/browser/conftest.py); a real server never has that variable, so neither does this.
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("REATTUNE_") and k != "DJANGO_ALLOW_ASYNC_UNSAFE"
    }
    env |= {
        "DJANGO_SETTINGS_MODULE": "reattune.settings",
        "REATTUNE_DATA_DIR": str(data_dir),
        "REATTUNE_PRODUCTION": "1",
        "REATTUNE_ALLOWED_HOSTS": "reattune.example.org",
        "REATTUNE_SECRET_KEY": STRONG_KEY,
        "REATTUNE_BASE_URL": "https://reattune.example.org",
        "REATTUNE_EMAIL_HOST": "smtp.example.org",
    }
    return env | extra


def run(code: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - this interpreter, fixed code
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )


def test_the_deployment_check_finds_nothing_on_production_settings(tmp_path):
    result = run(CHECK, production_env(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout + result.stderr
    assert "WARNINGS" not in result.stdout + result.stderr


def test_the_deployment_check_finds_nothing_with_the_generated_key_file(tmp_path):
    env = production_env(tmp_path)
    del env["REATTUNE_SECRET_KEY"]
    result = run(CHECK, env)
    assert result.returncode == 0, result.stdout + result.stderr


def test_without_the_production_switch_the_check_does_warn(tmp_path):
    """The demo's plain-http settings are not production settings, and the check says so."""
    env = production_env(tmp_path)
    del env["REATTUNE_PRODUCTION"]
    result = run(CHECK, env)
    assert result.returncode != 0
    assert "security.W008" in result.stderr  # no redirect to HTTPS


def test_production_turns_on_https_only_cookies_and_a_year_of_hsts(tmp_path):
    """Requirement 9's production cookie flags too: Secure, HttpOnly session, SameSite."""
    result = run(SETTINGS, production_env(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "True",
        "True",
        "True",
        str(365 * 24 * 60 * 60),
        "True",
        "False",
        "None",
        "True",
        "Lax",
        "Lax",
    ]


def test_the_proxy_header_is_trusted_only_when_asked_for(tmp_path):
    result = run(SETTINGS, production_env(tmp_path, REATTUNE_BEHIND_PROXY="1"))
    assert "('HTTP_X_FORWARDED_PROTO', 'https')" in result.stdout


def test_hsts_preload_is_sent_only_when_configured(tmp_path):
    result = run(SETTINGS, production_env(tmp_path, REATTUNE_HSTS_PRELOAD="1"))
    assert result.stdout.split()[5] == "True"
    checked = run(CHECK, production_env(tmp_path, REATTUNE_HSTS_PRELOAD="1"))
    assert checked.returncode == 0, checked.stderr


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"REATTUNE_DEBUG": "1"}, "REATTUNE_DEBUG must be off"),
        ({"REATTUNE_ALLOWED_HOSTS": ""}, "REATTUNE_ALLOWED_HOSTS must name"),
        ({"REATTUNE_ALLOWED_HOSTS": "*"}, "REATTUNE_ALLOWED_HOSTS must name"),
        ({"REATTUNE_SECRET_KEY": "x" * 60}, "REATTUNE_SECRET_KEY must be at least 50"),
        ({"REATTUNE_SECRET_KEY": "short-but-over-32-characters-long-key"}, "at least 50"),
    ],
    ids=["debug", "no hosts", "any host", "repeated key", "short key"],
)
def test_production_refuses_to_start_with_unsafe_settings(tmp_path, change, named):
    result = run(SETTINGS, production_env(tmp_path, **change))
    assert result.returncode != 0
    assert named in result.stderr
