"""render_pdf: offline by construction. Raw HTML with external URLs renders, and nothing but the
app's own static files is loaded."""

from __future__ import annotations

import logging
import re

import pytest

from reattune.reports.assets import OfflineAssets
from reattune.reports.pdf import render_document, render_pdf, safe_filename
from tests.reports.helpers import laid_out_text, needs_weasyprint, recording_server

BASE = "http://testserver/"


@pytest.fixture(autouse=True)
def _weasyprint() -> None:
    needs_weasyprint()


def page(body: str, head: str = "") -> str:
    head = f"<title>T-0042 report</title>{head}"
    return f"<!doctype html><html><head>{head}</head><body>{body}</body></html>"


def test_it_renders_a_pdf_with_the_text_and_title():
    pdf = render_pdf(page("<p>Client T-0042</p>"), base_url=BASE)
    assert pdf.startswith(b"%PDF-")
    assert b"%%EOF" in pdf[-32:]
    # The PDF's own streams are compressed and its text is glyph ids, so the words are read
    # from the layout that write_pdf serialises.
    document = render_document(page("<p>Client T-0042</p>"), base_url=BASE)
    assert document.metadata.title == "T-0042 report"
    assert "Client T-0042" in laid_out_text(document)
    assert len(document.pages) == 1


def test_an_injected_external_url_is_not_fetched(caplog):
    with recording_server() as (port, requests):
        injected = [
            f"http://127.0.0.1:{port}/x.png",
            "https://example.invalid/x.css",
            "file:///etc/passwd",
            f"http://127.0.0.1:{port}/font.woff",
            f"http://127.0.0.1:{port}/bg.png",
            "http://testserver/static/../../etc/passwd",
        ]
        html = page(
            f'<img src="{injected[0]}" alt="x"><img src="{injected[2]}" alt="y">'
            f'<svg width="10" height="10"><image href="{injected[0]}" width="9" height="9"/></svg>'
            f'<p class="bg">text</p><div class="up">up</div>',
            head=(
                f'<link rel="stylesheet" href="{injected[1]}">'
                f'<style>@font-face {{ font-family: X; src: url("{injected[3]}"); }}'
                f' .bg {{ font-family: X; background: url("{injected[4]}"); }}'
                f' .up {{ background-image: url("{injected[5]}"); }}</style>'
            ),
        )
        assets = OfflineAssets(base_url=BASE)
        with caplog.at_level(logging.WARNING, logger="reattune.reports.assets"):
            pdf = render_pdf(html, base_url=BASE, assets=assets)
    assert pdf.startswith(b"%PDF-")
    assert requests == []
    refused = {url for url, _ in assets.refused}
    # The traversal arrives as written, and is refused for its `..`.
    assert refused == set(injected)
    assert assets.served == []
    for url in injected:
        assert f"refused to load {url}" in caplog.text


def test_the_apps_own_stylesheet_is_loaded():
    assets = OfflineAssets(base_url=BASE)
    render_pdf(
        page("<p>x</p>", head='<link rel="stylesheet" href="/static/reattune/print.css">'),
        base_url=BASE,
        assets=assets,
    )
    assert assets.served == ["http://testserver/static/reattune/print.css"]
    assert assets.refused == []


def test_print_css_makes_a4_pages():
    document = render_document(
        page("<p>x</p>", head='<link rel="stylesheet" href="/static/reattune/print.css">'),
        base_url=BASE,
    )
    width, height = document.pages[0].width, document.pages[0].height
    # A4 is 210 x 297 mm; WeasyPrint measures in CSS px at 96 per inch.
    assert round(width * 25.4 / 96) == 210
    assert round(height * 25.4 / 96) == 297


def test_a_traversal_through_the_static_url_is_refused():
    assets = OfflineAssets(base_url=BASE)
    render_pdf(
        page('<img src="/static/%2e%2e/%2e%2e/settings.py" alt="x">'),
        base_url=BASE,
        assets=assets,
    )
    assert assets.served == []
    assert len(assets.refused) == 1


def test_a_data_uri_image_is_allowed():
    pixel = (
        "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNk"
        "YAAAAAYAAjCB0C8AAAAASUVORK5CYII="
    )
    assets = OfflineAssets(base_url=BASE)
    render_pdf(page(f'<img src="{pixel}" alt="dot">'), base_url=BASE, assets=assets)
    assert assets.served == [pixel]


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("progress-report-C0001-2026-01-05.pdf", "progress-report-C0001-2026-01-05.pdf"),
        ('a"b\r\nContent-Type: text/html.pdf', "a-b-Content-Type-text-html.pdf"),
        ("../../etc/passwd", "etc-passwd.pdf"),
        ("", "report.pdf"),
        ("ÄÖÜ", "report.pdf"),
        ("x" * 500, "x" * 100 + ".pdf"),
    ],
)
def test_download_names_are_safe(given, expected):
    name = safe_filename(given)
    assert name == expected
    assert re.fullmatch(r"[A-Za-z0-9._-]+\.pdf", name)
