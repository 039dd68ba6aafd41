"""Issue 8, part 5: one JSON line per request on `reattune.requests`, holding the request id,
route pattern, status, time and who asked, and never anything a client typed or was shown."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any
from unittest import mock

import pytest
from django.test import Client
from django.urls import reverse

from reattune.checks.services import check_link_create
from tests.api.conftest import make_api
from tests.audit.helpers import request_rows
from tests.checks.helpers import full_check
from tests.factories import ClinicWorld

pytestmark = pytest.mark.django_db

FIELDS = ["time", "request_id", "method", "route", "status", "duration_ms", "user_id", "token_id"]
NAME = "Zebedee Quillfeather"
CODE = "QF-LOG-7"
IN_QUERY = "Quillfeather-in-the-address"
COMMENT = "I never told anyone about the lighthouse"


@pytest.fixture
def request_log(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """caplog, seeing the request log (which writes through its own handler, not the root's)."""
    logger = logging.getLogger("reattune.requests")
    logger.addHandler(caplog.handler)
    try:
        yield caplog
    finally:
        logger.removeHandler(caplog.handler)


def lines(caplog: pytest.LogCaptureFixture) -> list[dict[str, Any]]:
    return [json.loads(r.getMessage()) for r in caplog.records if r.name == "reattune.requests"]


def written(caplog: pytest.LogCaptureFixture) -> str:
    """The request log as its configured handler writes it."""
    (handler,) = logging.getLogger("reattune.requests").handlers[:1]
    return "\n".join(handler.format(r) for r in caplog.records if r.name == "reattune.requests")


def client_of(world: ClinicWorld) -> int:
    return int(world.case.participants.get().client_id)


def test_each_request_is_one_line_with_exactly_the_fields(login, world, request_log):
    browser = login(world.clinician)
    url = reverse("client_detail", args=[client_of(world)])
    response = browser.get(url)
    assert response.status_code == 200
    (line,) = lines(request_log)
    assert list(line) == FIELDS
    assert line["method"] == "GET"
    assert line["route"] == "/clients/<int:client_id>/"
    assert line["status"] == 200
    assert line["user_id"] == world.clinician.pk
    assert line["token_id"] is None
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert line["time"].endswith("Z") and "T" in line["time"]
    assert str(client_of(world)) not in json.dumps(line["route"])
    (formatted,) = written(request_log).splitlines()
    assert json.loads(formatted) == line


def test_the_request_id_is_the_headers_and_the_audit_rows(login, world, request_log):
    response = login(world.clinician).get(reverse("client_detail", args=[client_of(world)]))
    (line,) = lines(request_log)
    assert line["request_id"] == response["X-Request-ID"]
    (row,) = request_rows(response)
    assert row.request_id == line["request_id"]


def test_an_anonymous_request_has_no_user(client, request_log):
    response = client.get(reverse("login"))
    (line,) = lines(request_log)
    assert (line["user_id"], line["token_id"]) == (None, None)
    assert line["request_id"] == response["X-Request-ID"]


def test_the_check_links_token_and_answers_never_appear(world, request_log):
    link = check_link_create(
        session=world.session, participant=world.case.participants.get(), created_by=world.clinician
    )
    url = reverse("check_form", args=[link.token])
    browser = Client()
    browser.get(url)
    sent = browser.post(url, full_check(alliance__change=COMMENT))
    assert sent.status_code == 200
    opened, answered = lines(request_log)
    assert opened["route"] == answered["route"] == "/c/<str:token>/"
    assert (opened["method"], answered["method"]) == ("GET", "POST")
    text = written(request_log)
    assert link.token not in text
    assert "lighthouse" not in text
    (row,) = request_rows(sent)
    assert row.request_id == answered["request_id"]


def test_a_code_or_name_posted_or_in_the_query_string_never_appears(login, world, request_log):
    response = login(world.clinician).post(
        reverse("client_create") + f"?note={IN_QUERY}",
        {"code": CODE, "name": NAME, "email": "zebedee@example.org"},
    )
    assert response.status_code in (200, 302)
    (line,) = lines(request_log)
    assert line["method"] == "POST" and line["route"] == "/clients/new/"
    text = written(request_log)
    for marker in (CODE, NAME, "Quillfeather", "zebedee", "note="):
        assert marker not in text


def test_an_api_request_names_the_token_by_id_never_its_secret(world, request_log):
    api = make_api(world)
    response = api.get(f"clients/{client_of(world)}")
    assert response.status_code == 200
    (line,) = lines(request_log)
    assert (line["user_id"], line["token_id"]) == (None, api.token.pk)
    assert line["route"] == "/api/v1/clients/<int:client_id>"
    assert line["request_id"] == response["X-Request-ID"]
    assert api.secret not in written(request_log)


def test_an_api_request_with_an_unknown_token_names_no_token(world, request_log):
    response = Client().get("/api/v1/clients", headers={"Authorization": "Bearer not-a-token"})
    assert response.status_code == 401
    (line,) = lines(request_log)
    assert (line["status"], line["token_id"]) == (401, None)
    assert "not-a-token" not in written(request_log)


def test_a_made_up_url_is_one_line_with_no_route(client, request_log):
    response = client.get(f"/no/such/page/{IN_QUERY}/?code={CODE}")
    assert response.status_code == 404
    (line,) = lines(request_log)
    assert (line["status"], line["route"]) == (404, None)
    assert line["request_id"] == response["X-Request-ID"]
    text = written(request_log)
    assert IN_QUERY not in text and CODE not in text


def test_a_server_error_is_one_line(world, request_log):
    browser = Client(raise_request_exception=False)
    browser.force_login(world.clinician)
    named = world.case.participants.get().client
    named.code, named.name = CODE, NAME
    named.save()
    failure = KeyError(f"no scale for {NAME}")
    with mock.patch("reattune.cases.views.clients.client_charts", side_effect=failure):
        response = browser.get(reverse("client_detail", args=[named.pk]), {"name": NAME})
    assert response.status_code == 500
    (line,) = lines(request_log)
    assert (line["status"], line["route"]) == (500, "/clients/<int:client_id>/")
    assert line["request_id"] == response["X-Request-ID"]
    text = written(request_log)
    assert NAME not in text and CODE not in text


def test_the_log_can_be_turned_off(client, settings, request_log):
    settings.REQUEST_LOG = False
    client.get(reverse("login"))
    assert lines(request_log) == []
