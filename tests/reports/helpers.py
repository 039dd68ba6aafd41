"""A client with scores worth reporting, a local server that records requests, and text from a
laid-out PDF. All data synthetic."""

from __future__ import annotations

import contextlib
import http.server
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from reattune.alerts.services import alerts_raise_for_session
from reattune.cases.models import Case
from reattune.checks.services import check_answers_clean, check_link_create, check_response_submit
from reattune.clinics.models import User
from reattune.repairs.models import Repair
from reattune.reports.pdf import PdfUnavailable, weasyprint_module
from tests.checks.helpers import full_check, phq9
from tests.repairs.helpers import alliance, open_from_alert, session

# PHQ-9 per-item answer by session (eight items; item 9 stays 0): totals 16, 16, 8, 8, 0.
PHQ9_PER_ITEM = (2, 2, 1, 1, 0)
ALLIANCE_TOTALS = (36, 37, 36, 37, 22)
NARRATIVE = "The persimmon remark about her sister was mine and it landed badly."
CONTRIBUTION = "I pressed on the quartz-coloured memory too early."
CLIENT_COMMENT = "Please slow down about the lighthouse."


def with_history(case: Case, by: User) -> Repair:
    """Five sessions of checks (PHQ-9 falling from 16 to 0, alliance dropping at session 5) and
    a repair opened from the rupture, whose words must never reach a report."""
    participant = case.participants.order_by("pk").first()
    assert participant is not None
    for number, (per_item, score) in enumerate(
        zip(PHQ9_PER_ITEM, ALLIANCE_TOTALS, strict=True), start=1
    ):
        at = session(case, number)
        extra = {"felt_off": "yes", "change": CLIENT_COMMENT} if number == 5 else {}
        answers = {**full_check(**alliance(score, **extra)), **phq9(per_item)}
        link = check_link_create(session=at, participant=participant, created_by=by)
        check_response_submit(
            link=link, cleaned=check_answers_clean(link, answers), raise_alerts=False
        )
        alerts_raise_for_session(session=at)
    rupture = case.alerts.get(signal="alliance_rupture", session__number=5)
    return open_from_alert(rupture, by, what_happened=NARRATIVE, contribution=CONTRIBUTION)


def needs_weasyprint() -> None:
    """Skip (visibly; under REATTUNE_CI_NO_SKIPS a skip fails the run) without Pango."""
    try:
        weasyprint_module()
    except PdfUnavailable as error:
        pytest.skip(str(error))


def laid_out_text(document: Any) -> str:
    """Every piece of text WeasyPrint laid out, page by page: what `write_pdf` draws. (The PDF's
    own text is glyph ids in subset fonts, so this reads the layout WeasyPrint made instead.)"""
    from weasyprint.formatting_structure.boxes import TextBox  # type: ignore[import-untyped]

    return " ".join(
        box.text
        for page in document.pages
        for box in page._page_box.descendants()
        if isinstance(box, TextBox)
    )


@contextlib.contextmanager
def recording_server() -> Iterator[tuple[int, list[str]]]:
    """A real HTTP server on a free loopback port that records every request it gets."""
    requests: list[str] = []

    class Recorder(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            requests.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield server.server_address[1], requests
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
