"""Requirement 11: every HTML response carries a nonce-based Content-Security-Policy without
'unsafe-inline' or 'unsafe-eval' and with frame-ancestors 'none', HSTS, nosniff and a
Referrer-Policy; every response with client data (anything a signed-in person gets, and the
client's check link) says `Cache-Control: no-store`.

The pages are walked with production's transport settings and HTTPS requests (`secure=True`),
since Django sends HSTS only over HTTPS. Every URL pattern is requested by the person who owns
its object (the same world and owners as tests/test_access.py), then the public pages, then
each error page.
"""

from __future__ import annotations

from typing import Any
from unittest import mock

import pytest
from django.test import Client
from django.urls import reverse

from reattune.api.services import token_create
from reattune.checks.services import check_link_create
from reattune.core.headers import PERMISSIONS_POLICY
from tests.checks.helpers import full_check
from tests.factories import PASSWORD
from tests.security.test_no_client_data_in_urls import assert_no_free_text_by_get
from tests.test_access import ADMIN_ONLY, OWNER, all_patterns, ids_for, query_urls

pytestmark = pytest.mark.django_db

ONE_YEAR = 365 * 24 * 60 * 60
NO_SUCH_ID = 999_999_999
HSTS = f"max-age={ONE_YEAR}; includeSubDomains"


def go_live(settings: Any) -> None:
    """The transport settings REATTUNE_PRODUCTION=1 turns on (tests/security/test_deploy_check.py
    proves it does). A Client made after this loads its middleware with them."""
    settings.SECURE_SSL_REDIRECT = True
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True
    settings.SECURE_HSTS_SECONDS = ONE_YEAR
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True


@pytest.fixture
def production(settings: Any) -> None:
    go_live(settings)


def policy(response: Any) -> dict[str, list[str]]:
    header = response.get("Content-Security-Policy", "")
    assert header, f"no Content-Security-Policy on {response.request['PATH_INFO']}"
    directives: dict[str, list[str]] = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def is_html(response: Any) -> bool:
    return str(response.get("Content-Type", "")).startswith("text/html")


def assert_safe_headers(response: Any, *, private: bool, secure: bool = True) -> None:
    where = f"{response.request['REQUEST_METHOD']} {response.request['PATH_INFO']}"
    if is_html(response):
        csp = policy(response)
        header = response["Content-Security-Policy"]
        assert "'unsafe-inline'" not in header and "'unsafe-eval'" not in header, where
        assert csp["frame-ancestors"] == ["'none'"], where
        assert csp["default-src"] == ["'self'"], where
        assert [v for v in csp["script-src"] if v.startswith("'nonce-")], where
        assert "*" not in header.split(), where
    assert response["X-Content-Type-Options"] == "nosniff", where
    assert response["Referrer-Policy"] == "same-origin", where
    assert response["Permissions-Policy"] == PERMISSIONS_POLICY, where
    if secure:
        assert response["Strict-Transport-Security"] == HSTS, where
    if private:
        assert "no-store" in response.get("Cache-Control", ""), where
        assert "private" in response["Cache-Control"], where


def test_every_page_a_signed_in_owner_opens_carries_the_headers_and_no_typed_get_form(
    world, settings
):
    ids = ids_for(world)  # posts a check over plain http, so before going live
    go_live(settings)
    browser = Client()
    seen_html = 0
    for pattern in all_patterns():
        if pattern.name in {"logout", "check_form", "password_reset_confirm"}:
            continue
        default = "admin" if pattern.name in ADMIN_ONLY else "clinician"
        browser.force_login(getattr(world, OWNER.get(pattern.name or "", default)))
        # An id test_access does not know yet still opens a page: "not found", headers and all.
        params = {k: ids.get(k, NO_SUCH_ID) for k in pattern.pattern.converters}  # type: ignore[attr-defined]
        response = browser.get(reverse(pattern.name, kwargs=params), secure=True)
        assert_safe_headers(response, private=True)
        if is_html(response):
            # Requirement 11's "no client data in URLs", on the page as rendered.
            assert_no_free_text_by_get(response.content.decode(), pattern.name or "")
            seen_html += 1
    for name, url in query_urls(ids):
        browser.force_login(getattr(world, OWNER.get(name, "clinician")))
        assert_safe_headers(browser.get(url, secure=True), private=True)
    assert seen_html > 50, "the walk should have opened most pages as HTML"


def test_the_clients_check_link_is_never_stored_by_a_browser(world, production):
    link = check_link_create(
        session=world.session, participant=world.case.participants.get(), created_by=world.clinician
    )
    phone = Client()
    url = reverse("check_form", args=[link.token])
    assert_safe_headers(phone.get(url, secure=True), private=True)
    refused = phone.post(url, {"phq9-q1": "nine"}, secure=True)
    assert refused.status_code == 400
    assert_safe_headers(refused, private=True)
    thanks = phone.post(url, full_check(), secure=True)
    assert "Thank you" in thanks.content.decode()
    assert_safe_headers(thanks, private=True)
    assert_safe_headers(phone.get(url, secure=True), private=True)  # used: says so
    assert_safe_headers(phone.get("/c/not-a-token/", secure=True), private=True)


def test_the_json_api_is_never_stored_by_a_browser_or_proxy(world, production):
    """Token-authenticated, so nobody is signed in; its answers still hold client data."""
    _, secret = token_create(admin=world.admin, name="Record system", scopes=["read"])
    system = Client(headers={"Authorization": f"Bearer {secret}"})
    client_id = world.case.participants.get().client_id
    for path in (f"/api/v1/clients/{client_id}", "/api/v1/clients", "/api/v1/cases/999999"):
        response = system.get(path, secure=True)
        assert response.status_code in (200, 404), path
        assert "no-store" in response.get("Cache-Control", ""), path
    refused = Client().get("/api/v1/clients", secure=True)
    assert refused.status_code == 401
    assert "no-store" in refused.get("Cache-Control", "")


@pytest.mark.parametrize(
    "name", ["login", "password_reset", "password_reset_done", "password_reset_complete"]
)
def test_the_public_pages_carry_the_headers(production, name):
    response = Client().get(reverse(name), secure=True)
    assert response.status_code == 200
    assert_safe_headers(response, private=False)


def test_a_password_reset_link_carries_the_headers(world, production):
    url = reverse("password_reset_confirm", args=["MQ", "not-a-token"])
    assert_safe_headers(Client().get(url, secure=True), private=False)


def test_the_login_page_and_its_refusals_carry_the_headers(world, production):
    browser = Client()
    wrong = browser.post(
        reverse("login"), {"username": world.clinician.email, "password": "nope"}, secure=True
    )
    assert_safe_headers(wrong, private=False)
    stale = Client(enforce_csrf_checks=True).post(
        reverse("login"), {"username": "a@example.org", "password": "x"}, secure=True
    )
    assert stale.status_code == 403
    assert_safe_headers(stale, private=False)


def test_error_pages_carry_the_headers(world, production):
    anonymous = Client()
    missing = anonymous.get("/no-such-page/", secure=True)
    assert missing.status_code == 404
    assert_safe_headers(missing, private=False)

    clinician = Client()
    clinician.force_login(world.clinician)
    not_found = clinician.get(reverse("client_detail", args=[10**9]), secure=True)
    assert not_found.status_code == 404
    assert_safe_headers(not_found, private=True)
    refused = clinician.get(reverse("competency_list"), secure=True)
    assert refused.status_code == 403
    assert_safe_headers(refused, private=True)

    forger = Client(enforce_csrf_checks=True)
    forger.force_login(world.clinician)
    stale = forger.post(reverse("client_create"), {"code": "X1"}, secure=True)
    assert stale.status_code == 403
    assert_safe_headers(stale, private=True)

    bad_host = anonymous.get(reverse("login"), secure=True, HTTP_HOST="evil.example")
    assert bad_host.status_code == 400
    assert_safe_headers(bad_host, private=False)

    crashing = Client(raise_request_exception=False)
    crashing.force_login(world.clinician)
    client_id = world.case.participants.get().client_id
    with mock.patch("reattune.cases.views.clients.client_charts", side_effect=RuntimeError):
        broken = crashing.get(reverse("client_detail", args=[client_id]), secure=True)
    assert broken.status_code == 500
    assert_safe_headers(broken, private=True)


def test_plain_http_is_sent_to_https_under_production_settings(production):
    response = Client().get(reverse("login"))
    assert response.status_code == 301
    assert response["Location"] == "https://testserver" + reverse("login")


def test_static_files_are_left_cacheable(world, production):
    signed_in = Client()
    signed_in.force_login(world.clinician)
    response = signed_in.get("/static/reattune/reattune.css", secure=True)
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")


def test_the_health_check_is_plain_text_and_not_a_page(production, db):
    response = Client().get(reverse("health"), secure=True)
    assert response["Content-Type"].startswith("text/plain")
    assert_safe_headers(response, private=False)


def test_no_page_is_allowed_inside_a_frame(world, production):
    """Belt and braces for frame-ancestors 'none': the older header says the same."""
    browser = Client()
    browser.force_login(world.clinician)
    assert browser.get(reverse("home"), secure=True)["X-Frame-Options"] == "DENY"


def test_signing_in_over_https_sets_secure_httponly_samesite_cookies(world, production):
    """Requirement 9's cookie flags, as production sends them."""
    browser = Client()
    browser.get(reverse("login"), secure=True)
    response = browser.post(
        reverse("login"), {"username": world.clinician.email, "password": PASSWORD}, secure=True
    )
    assert response.status_code == 302
    session = response.cookies["sessionid"]
    assert session["secure"] and session["httponly"] and session["samesite"] == "Lax"
    csrf = browser.cookies["csrftoken"]
    assert csrf["secure"] and csrf["samesite"] == "Lax"
