"""A setting a person got wrong stops start-up with one clear line naming the variable, before
anything is served, and never a traceback."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.processes import REATTUNE

GOOD_PRODUCTION = {
    "REATTUNE_PRODUCTION": "1",
    "REATTUNE_ALLOWED_HOSTS": "reattune.example.org",
    "REATTUNE_BASE_URL": "https://reattune.example.org",
    "REATTUNE_EMAIL_HOST": "smtp.example.org",
    "REATTUNE_SECRET_KEY": "k" * 30 + "abcdefghijklmnopqrstuvwxyz0123456789",
}


def reattune(args: list[str], data_dir: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("REATTUNE_")}
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    env |= {"REATTUNE_DATA_DIR": str(data_dir), **extra}
    return subprocess.run(  # noqa: S603 - our own command, fixed arguments
        [str(REATTUNE), *args], env=env, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize(
    ("variables", "named", "says"),
    [
        ({"REATTUNE_DATABSE_URL": "postgres://x"}, "REATTUNE_DATABSE_URL", "REATTUNE_DATABASE_URL"),
        ({"REATTUNE_DEBUG": "maybe"}, "REATTUNE_DEBUG", "true or false"),
        ({"REATTUNE_CHECK_LINK_HOURS": "three"}, "REATTUNE_CHECK_LINK_HOURS", "whole number"),
        ({"REATTUNE_TIME_ZONE": "Mars/Olympus"}, "REATTUNE_TIME_ZONE", "Europe/London"),
        ({"REATTUNE_BASE_URL": "reattune.example.org"}, "REATTUNE_BASE_URL", "https://"),
        ({"REATTUNE_DATABASE_URL": "mysql://db/x"}, "REATTUNE_DATABASE_URL", "postgres://"),
        (
            {"REATTUNE_CSRF_TRUSTED_ORIGINS": "https://a.example.org,ftp://b"},
            "REATTUNE_CSRF_TRUSTED_ORIGINS",
            "'ftp://b'",
        ),
        (
            {
                "REATTUNE_EMAIL_HOST": "smtp.example.org",
                "REATTUNE_EMAIL_USE_SSL": "1",
                "REATTUNE_EMAIL_USE_TLS": "1",
            },
            "REATTUNE_EMAIL_USE_SSL",
            "port 465",
        ),
        (
            {**GOOD_PRODUCTION, "REATTUNE_BASE_URL": "http://reattune.example.org"},
            "REATTUNE_BASE_URL",
            "https://",
        ),
        (
            {k: v for k, v in GOOD_PRODUCTION.items() if k != "REATTUNE_BASE_URL"},
            "REATTUNE_BASE_URL",
            "emailed link",
        ),
        (
            {k: v for k, v in GOOD_PRODUCTION.items() if k != "REATTUNE_EMAIL_HOST"},
            "REATTUNE_EMAIL_HOST",
            "printed to the log",
        ),
    ],
)
def test_a_bad_variable_stops_start_up_naming_it(tmp_path, variables, named, says):
    result = reattune(["serve", "--port", "1"], tmp_path, **variables)
    assert result.returncode == 2, result.stderr
    assert named in result.stderr
    assert says in result.stderr
    assert "Traceback" not in result.stderr
    assert "nothing was started" in result.stderr
    assert "Serving" not in result.stdout


def test_good_production_settings_start(tmp_path):
    result = reattune(["check", "--deploy", "--fail-level", "WARNING"], tmp_path, **GOOD_PRODUCTION)
    assert result.returncode == 0, result.stderr


def test_email_ssl_and_trusted_origins_are_read(tmp_path):
    code = (
        "from django.conf import settings; "
        "print(settings.EMAIL_USE_SSL, settings.EMAIL_USE_TLS, settings.CSRF_TRUSTED_ORIGINS)"
    )
    result = reattune(
        ["shell", "-c", code],
        tmp_path,
        REATTUNE_EMAIL_HOST="smtp.example.org",
        REATTUNE_EMAIL_USE_SSL="yes",
        REATTUNE_BASE_URL="https://reattune.example.org/",
        REATTUNE_CSRF_TRUSTED_ORIGINS="https://intranet.example.org:8443/reattune",
    )
    assert result.returncode == 0, result.stderr
    assert (
        "True False ['https://reattune.example.org', 'https://intranet.example.org:8443']"
        in result.stdout
    )


def test_production_exempts_only_the_health_check_from_the_https_redirect(tmp_path):
    code = "from django.conf import settings; print(settings.SECURE_REDIRECT_EXEMPT)"
    result = reattune(["shell", "-c", code], tmp_path, **GOOD_PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert "['^health/$']" in result.stdout
