"""Requirement 17: a forced error shows no client data in the response or the logs.

Real pages are made to fail (a patched helper raising inside the real view) with a marker
client in play: a marker name, a marker comment in their answers, a marker in the query string
and in the posted body, and a marker inside the exception's own message, the way a database
error quotes the value it choked on. The 500 page is a plain template given nothing from the
request; the log records (as caplog holds them, and as the configured console handler would
write them) keep the exception's type, the route's name and the request id, nothing else.
"""

from __future__ import annotations

import logging
from typing import Any
from unittest import mock

import pytest
from django.db import IntegrityError, connection
from django.test import Client
from django.urls import reverse

from reattune.checks.models import Response
from reattune.checks.services import check_link_create
from reattune.lib.logs import WITHHELD, NoClientData
from tests.checks.helpers import full_check
from tests.factories import ClinicWorld, make_case, make_client

pytestmark = pytest.mark.django_db

NAME = "Zebedee Quillfeather"
COMMENT = "I never told anyone about the lighthouse"
IN_QUERY = "Quillfeather-in-the-address"
IN_BODY = "Quillfeather-in-the-body"
MARKERS = (NAME, COMMENT, IN_QUERY, IN_BODY, "Quillfeather", "lighthouse")
SORRY = "Something went wrong on our side"


def console_handler() -> logging.Handler:
    """The handler settings.LOGGING gives the root logger: what a server's log would hold."""
    handlers = [h for h in logging.getLogger().handlers if h.name == "console"]
    assert handlers, "settings.LOGGING's console handler is missing from the root logger"
    return handlers[0]


def written(caplog: Any) -> str:
    """Everything the test saw logged: caplog's own rendering and the console handler's."""
    console = console_handler()
    lines = [caplog.text]
    for record in caplog.records:
        lines.append(console.format(record))
    return "\n".join(lines)


def assert_no_marker(text: str, where: str) -> None:
    for marker in MARKERS:
        assert marker not in text, f"{marker!r} appears in the {where}"


@pytest.fixture
def marked(world: ClinicWorld) -> dict[str, Any]:
    """A client with the marker name who has answered a check with the marker comment."""
    clinic_client = make_client(world.clinic, "QF-1")
    clinic_client.name = NAME
    clinic_client.save()
    case = make_case(world.clinician, clients=[clinic_client])
    from tests.factories import make_session

    session = make_session(case, 1)
    link = check_link_create(
        session=session, participant=case.participants.get(), created_by=world.clinician
    )
    sent = Client().post(
        reverse("check_form", args=[link.token]), full_check(alliance__change=COMMENT)
    )
    assert sent.status_code == 200
    return {"client": clinic_client, "case": case}


def crash_client_page(world: ClinicWorld, marked: dict[str, Any]) -> Any:
    """The client's page, its charts failing on their answers with an error that quotes them
    (the pages cope with damaged stored answers, so the failure is put in the chart code)."""
    answers = list(
        Response.objects.filter(client=marked["client"]).values_list("answers", flat=True)
    )
    assert any(COMMENT in str(a) for a in answers), "the comment is in the client's answers"
    failure = KeyError(f"no scale for {answers} of {NAME}")
    browser = Client(raise_request_exception=False)
    browser.force_login(world.clinician)
    url = reverse("client_detail", args=[marked["client"].pk])
    with mock.patch("reattune.cases.views.clients.client_charts", side_effect=failure):
        return browser.get(url, {"name": NAME, "note": IN_QUERY})


def test_a_failing_client_page_shows_and_logs_no_client_data(world, marked, caplog):
    with caplog.at_level(logging.INFO):
        response = crash_client_page(world, marked)
    assert response.status_code == 500
    page = response.content.decode()
    assert SORRY in page
    assert_no_marker(page, "500 page")
    errors = [r for r in caplog.records if r.name == "django.request" and r.levelno >= 40]
    assert errors, "the failure is logged"
    record = errors[0]
    assert record.route == "client_detail"  # type: ignore[attr-defined]
    assert record.request_id == response.get("X-Request-ID", "-")  # type: ignore[attr-defined]
    assert record.request is None  # type: ignore[attr-defined]
    text = written(caplog)
    assert "KeyError: " + WITHHELD in text, "the exception's type is kept"
    assert "Traceback (most recent call last)" in text
    assert "client_detail" in text
    assert_no_marker(text, "log")


def test_a_failing_save_shows_and_logs_nothing_of_what_was_posted(world, caplog):
    """A database refusal quotes the row it refused (PostgreSQL: 'Key (name)=(…) already
    exists'); the posted body holds the client's name too."""
    browser = Client(raise_request_exception=False)
    browser.force_login(world.clinician)
    refusal = IntegrityError(f'duplicate key value: Key (name)=({NAME}) already exists "{IN_BODY}"')
    with (
        caplog.at_level(logging.INFO),
        mock.patch("reattune.cases.views.clients.client_create", side_effect=refusal),
    ):
        response = browser.post(
            reverse("client_create") + f"?x={IN_QUERY}",
            {"code": "QF-2", "name": NAME, "email": "zebedee@example.org", "extra": IN_BODY},
        )
    assert response.status_code == 500
    assert_no_marker(response.content.decode(), "500 page")
    text = written(caplog)
    assert "django.db.utils.IntegrityError: " + WITHHELD in text
    assert_no_marker(text, "log")
    assert "zebedee@example.org" not in text


def test_the_500_page_is_given_nothing_from_the_request(world, marked):
    response = crash_client_page(world, marked)
    assert response.context is None or not any(
        key in ctx for ctx in response.context for key in ("request", "client", "exception")
    )


def test_an_exception_logged_by_reattunes_own_code_keeps_only_its_type(caplog):
    logger = logging.getLogger("reattune.checks.services")
    with caplog.at_level(logging.INFO):
        try:
            raise ValueError(f"could not read {COMMENT!r} for {NAME}")
        except ValueError as error:
            logger.exception("Raising alerts failed for session %s: %s", 12, error)
    text = written(caplog)
    assert "Raising alerts failed for session 12" in text
    assert f"ValueError {WITHHELD}" in text
    assert_no_marker(text, "log")


def test_a_chained_exception_keeps_every_type_and_no_message():
    try:
        try:
            raise KeyError(NAME)
        except KeyError as inner:
            raise RuntimeError(COMMENT) from inner
    except RuntimeError as error:
        record = logging.LogRecord(
            "reattune", logging.ERROR, __file__, 1, "failed", (), (type(error), error, None)
        )
    NoClientData().filter(record)
    assert record.exc_info is None
    assert record.exc_text is not None
    assert "KeyError: " + WITHHELD in record.exc_text
    assert "RuntimeError: " + WITHHELD in record.exc_text
    assert_no_marker(record.exc_text, "traceback")


def test_logged_paths_lose_their_query_string_and_check_token():
    record = logging.LogRecord(
        "django.server",
        logging.INFO,
        __file__,
        1,
        '"%s" %s %s',
        (f"GET /c/abc.def/?name={NAME} HTTP/1.1", "200", "5"),
        None,
    )
    NoClientData().filter(record)
    assert record.getMessage() == '"GET /c/<token>/ HTTP/1.1" 200 5'


def test_sql_and_its_parameters_are_never_logged(world, caplog):
    """django.db.backends logs SQL with its parameters at DEBUG, and only with DEBUG on; the
    settings keep it at WARNING whatever the level asked of the root logger."""
    assert logging.getLogger("django.db.backends").getEffectiveLevel() >= logging.WARNING
    with caplog.at_level(logging.INFO):
        with connection.cursor() as cursor:
            cursor.execute("SELECT %s", [NAME])
        make_client(world.clinic, "QF-3").save()
        Client().get(reverse("login"), {"next": f"/?{IN_QUERY}"})
    assert_no_marker(written(caplog), "log")


def test_django_security_refusals_log_no_request_data(world, caplog):
    with caplog.at_level(logging.INFO):
        bad_host = Client().get(reverse("login"), {"q": IN_QUERY}, HTTP_HOST=f"{IN_BODY}.example")
        forger = Client(enforce_csrf_checks=True)
        forger.force_login(world.clinician)
        forged = forger.post(reverse("client_create"), {"code": "QF-4", "name": NAME})
    assert bad_host.status_code == 400
    assert forged.status_code == 403
    assert any(r.name.startswith("django.security") for r in caplog.records)
    assert_no_marker(written(caplog), "log")
    assert_no_marker(bad_host.content.decode() + forged.content.decode(), "error pages")
