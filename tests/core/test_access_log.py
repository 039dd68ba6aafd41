"""Requirement 17 (issue 6): the server's access log holds no check-link token, query string or
referring address's token; a token in a log would let its reader answer the client's check."""

from __future__ import annotations

import datetime as dt

from gunicorn.config import Config

from reattune.core.access_log import RedactingAccessLogger

ENVIRON = {
    "REQUEST_METHOD": "POST",
    "RAW_URI": "/c/AbC123.secret-token/?name=Jane",
    "PATH_INFO": "/c/AbC123.secret-token/",
    "QUERY_STRING": "name=Jane",
    "SERVER_PROTOCOL": "HTTP/1.1",
    "HTTP_REFERER": "https://reattune.example.org/c/AbC123.secret-token/?name=Jane",
}


class _Response:
    status = "200 OK"
    headers: list[tuple[str, str]] = []
    response_length = 10
    sent = 10


class _Request:
    headers: list[tuple[str, str]] = []
    method = "POST"
    path = "/c/AbC123.secret-token/"
    query = "name=Jane"
    uri = "/c/AbC123.secret-token/?name=Jane"
    version = (1, 1)


def test_the_access_log_line_keeps_the_route_but_not_the_token_or_query():
    logger = RedactingAccessLogger(Config())
    atoms = logger.atoms(_Response(), _Request(), ENVIRON, dt.timedelta(seconds=1))
    line = logger.cfg.access_log_format % atoms
    assert "secret-token" not in line
    assert "Jane" not in line
    assert "POST /c/<token>/ HTTP/1.1" in line
