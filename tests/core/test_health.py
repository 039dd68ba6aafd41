"""/health/ answers a load balancer's probe by address over plain http, even in production
mode, where every other page refuses an unknown host and redirects to https."""

from __future__ import annotations

import pytest
from django.test import Client


@pytest.fixture
def production(settings):
    settings.ALLOWED_HOSTS = ["reattune.example.org"]
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_REDIRECT_EXEMPT = [r"^health/$"]  # as REATTUNE_PRODUCTION sets it


@pytest.mark.django_db
def test_health_answers_a_probe_by_address_over_http(production):
    response = Client().get("/health/", HTTP_HOST="10.0.0.7:8000")
    assert response.status_code == 200
    assert response.content == b"ok"
    assert "no-store" in response["Cache-Control"]
    assert response["X-Content-Type-Options"] == "nosniff"  # the headers every response gets


@pytest.mark.django_db
def test_other_pages_still_refuse_the_unknown_host_and_plain_http(production):
    assert Client().get("/login/", HTTP_HOST="10.0.0.7:8000").status_code == 400
    redirected = Client().get("/login/", HTTP_HOST="reattune.example.org")
    assert redirected.status_code == 301
    assert redirected["Location"].startswith("https://reattune.example.org/")


@pytest.mark.django_db
def test_only_reads_are_answered_early(production):
    # A POST to /health/ goes through the normal checks (and is refused like any page).
    assert Client().post("/health/", HTTP_HOST="10.0.0.7:8000").status_code == 400
