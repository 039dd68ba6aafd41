"""HTML to PDF with WeasyPrint, offline by construction.

Every URL WeasyPrint wants (stylesheets, images, fonts, attachments) goes through
`OfflineAssets`: the app's own static files and `data:` URIs load, anything else raises and is
logged, so a report never touches the network or a file outside the static folders. The charts
are inline SVG and need nothing.

WeasyPrint needs Pango from the system. Where it cannot load, `pdf_response` answers 503 with a
page that points to the printable page, which works everywhere.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string

from reattune.reports.assets import OfflineAssets

logger = logging.getLogger(__name__)

PDF_UNAVAILABLE = (
    "PDF downloads need Pango on the server; the printable page works: use your browser's "
    "Print → Save as PDF."
)
FILENAME_MAX_CHARS = 100


class PdfUnavailable(RuntimeError):
    """WeasyPrint or the system's Pango could not be loaded."""


def weasyprint_module() -> Any:
    """The weasyprint module, or PdfUnavailable saying why not. Imported on first use so the
    rest of the app starts on a machine without Pango."""
    try:
        import weasyprint  # type: ignore[import-untyped]
    except (ImportError, OSError) as error:  # OSError: cffi could not dlopen libpango
        raise PdfUnavailable(f"{PDF_UNAVAILABLE} ({type(error).__name__}: {error})") from error
    return weasyprint


def offline_fetcher(assets: OfflineAssets) -> Any:
    """A WeasyPrint URL fetcher that answers only from `assets`. It is built on WeasyPrint's
    own class (which WeasyPrint expects) with no protocol allowed, so even the parent's network
    code would refuse; but `fetch` below never calls it."""
    urls = weasyprint_module().urls

    class OfflineFetcher(urls.URLFetcher):  # type: ignore[misc,name-defined]
        def fetch(self, url: str, headers: Any = None) -> Any:
            asset = assets.fetch(url)
            return urls.URLFetcherResponse(
                asset.url, asset.body, {"Content-Type": asset.content_type}
            )

    return OfflineFetcher(allowed_protocols=(), allow_redirects=False, timeout=1)


def render_document(html: str, *, base_url: str, assets: OfflineAssets | None = None) -> Any:
    """The laid-out WeasyPrint Document (what `render_pdf` writes), for callers and tests that
    want its pages or text."""
    weasyprint = weasyprint_module()
    fetcher = offline_fetcher(assets or OfflineAssets(base_url=base_url))
    return weasyprint.HTML(string=html, base_url=base_url, url_fetcher=fetcher).render()


def render_pdf(html: str, *, base_url: str, assets: OfflineAssets | None = None) -> bytes:
    """The PDF of `html`. Relative URLs resolve against `base_url` (the site's own address),
    and only its static files load. `assets` records what was served and refused."""
    pdf: bytes = render_document(html, base_url=base_url, assets=assets).write_pdf()
    return pdf


def safe_filename(name: str) -> str:
    """A download name that is safe in a header and on any file system: letters, digits, dot,
    hyphen and underscore, ending in .pdf."""
    stem = name.removesuffix(".pdf")
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", stem).strip(".-_")[:FILENAME_MAX_CHARS]
    return f"{stem or 'report'}.pdf"


def pdf_response(
    request: HttpRequest,
    template_name: str,
    context: dict[str, Any],
    filename: str,
    *,
    printable_url: str = "",
) -> HttpResponse:
    """Render `template_name` (with `for_pdf` set, so it can leave out the screen toolbar) as
    a PDF download; 503 with a way forward if PDFs cannot be made on this server."""
    html = render_to_string(template_name, {**context, "for_pdf": True}, request=request)
    try:
        pdf = render_pdf(html, base_url=request.build_absolute_uri("/"))
    except PdfUnavailable as error:
        logger.error("PDF: %s", error)
        return render(
            request,
            "reports/pdf_unavailable.html",
            {"message": PDF_UNAVAILABLE, "printable_url": printable_url},
            status=503,
        )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{safe_filename(filename)}"'
    # A client's record: no copy in a shared or browser cache.
    response["Cache-Control"] = "no-store, private"
    return response
