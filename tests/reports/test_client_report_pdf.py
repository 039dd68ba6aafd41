"""The client progress report as a PDF: it renders offline, holds the client's code and none of
the clinical narrative, and an injected URL is never fetched."""

from __future__ import annotations

import logging

import pytest
from django.urls import reverse

from reattune.cases.models import Client
from reattune.reports import pdf as pdf_module
from reattune.reports.assets import OfflineAssets
from reattune.reports.pdf import PdfUnavailable, render_document
from tests.reports.helpers import (
    CLIENT_COMMENT,
    CONTRIBUTION,
    NARRATIVE,
    laid_out_text,
    needs_weasyprint,
    recording_server,
    with_history,
)

pytestmark = pytest.mark.django_db


def client_of(case) -> Client:
    client: Client = case.participants.get().client
    return client


def pdf_url(client: Client) -> str:
    return reverse("client_report_pdf", args=[client.pk])


def test_the_pdf_downloads_with_a_safe_name(world, login):
    needs_weasyprint()
    with_history(world.case, world.clinician)
    client = client_of(world.case)
    response = login(world.clinician).get(pdf_url(client))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert response["Content-Disposition"].startswith(
        f'attachment; filename="progress-report-{client.code}-'
    )
    assert "no-store" in response["Cache-Control"]


def test_the_pdf_holds_the_code_and_charts_but_no_narrative(world, login, monkeypatch):
    """The view's own HTML, laid out by WeasyPrint with the stylesheet it links."""
    needs_weasyprint()
    with_history(world.case, world.clinician)
    client = client_of(world.case)
    captured: dict[str, object] = {}
    real = pdf_module.render_pdf

    def spy(html: str, *, base_url: str, assets: OfflineAssets | None = None) -> bytes:
        captured["html"], captured["base_url"] = html, base_url
        captured["assets"] = assets = OfflineAssets(base_url=base_url)
        return real(html, base_url=base_url, assets=assets)

    monkeypatch.setattr(pdf_module, "render_pdf", spy)
    assert login(world.clinician).get(pdf_url(client)).status_code == 200

    assets = captured["assets"]
    assert isinstance(assets, OfflineAssets)
    assert assets.served == ["http://testserver/static/reattune/print.css"]
    assert assets.refused == []
    html = str(captured["html"])
    assert "Download PDF" not in html  # the screen toolbar stays out of the PDF
    document = render_document(html, base_url=str(captured["base_url"]))
    words = laid_out_text(document)
    assert f"Progress report: client {client.code}" in words
    assert "reliably better" in words
    for narrative in (NARRATIVE, CONTRIBUTION, CLIENT_COMMENT):
        assert narrative not in words
    # Summary, scores, alliance, repairs: each section starts a page of its own.
    assert len(document.pages) >= 4
    assert html.count("<svg") >= 3


def test_markup_in_a_client_name_fetches_nothing(world, login, caplog):
    needs_weasyprint()
    with recording_server() as (port, requests):
        name = (
            f'<img src="http://127.0.0.1:{port}/x.png">'
            '<link rel=stylesheet href="https://example.invalid/x.css">'
            '<img src="file:///etc/passwd">'
        )
        Client.objects.filter(pk=client_of(world.case).pk).update(name=name)
        with caplog.at_level(logging.WARNING, logger="reattune.reports.assets"):
            response = login(world.clinician).get(pdf_url(client_of(world.case)))
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF-")
    assert requests == []
    # Escaped, the markup was never a URL to WeasyPrint: nothing was even asked for.
    assert "refused to load" not in caplog.text


def test_without_pango_the_pdf_is_a_503_that_points_to_the_printable_page(
    world, login, monkeypatch
):
    def unavailable() -> None:
        raise PdfUnavailable("no libpango in this test")

    monkeypatch.setattr(pdf_module, "weasyprint_module", unavailable)
    client = client_of(world.case)
    response = login(world.clinician).get(pdf_url(client))
    assert response.status_code == 503
    page = response.content.decode()
    assert "PDF downloads need Pango on the server" in page
    assert "Print → Save as PDF" in page
    assert reverse("client_report", args=[client.pk]) in page
    # And the printable page itself still works.
    assert login(world.clinician).get(reverse("client_report", args=[client.pk])).status_code == 200
