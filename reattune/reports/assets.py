"""What a PDF may load while it renders: the app's own static files and `data:` URIs, nothing
else. A report holds a client's scores; a stylesheet or image that reached the network (or read
an arbitrary file) could leak that it was printed, or pull someone else's content into it.

Plain Django, no WeasyPrint: `reattune.reports.pdf` adapts `OfflineAssets` to WeasyPrint's
fetcher interface, and the tests can exercise the rules without Pango.
"""

from __future__ import annotations

import logging
import mimetypes
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit
from urllib.request import DataHandler, Request

from django.conf import settings
from django.contrib.staticfiles import finders

logger = logging.getLogger(__name__)

# Longest URL written to the log: a data: URI or an injected URL can be arbitrarily long.
LOGGED_URL_CHARS = 200
# The biggest asset a report may embed; the app's own CSS and icons are a few kilobytes.
MAX_ASSET_BYTES = 5 * 1024 * 1024


class RefusedURL(ValueError):
    """A URL a PDF may not load. The message says why, for the log and the tests."""


@dataclass(frozen=True)
class Asset:
    url: str
    body: bytes
    content_type: str


@dataclass
class OfflineAssets:
    """Serves `data:` URIs and files under the app's static URL (as seen from `base_url`),
    found by the staticfiles finders or in STATIC_ROOT. Everything else is refused and logged.
    `served` and `refused` record each decision, in order, for tests and debugging."""

    base_url: str
    served: list[str] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)

    def fetch(self, url: str) -> Asset:
        try:
            asset = self._fetch(url)
        except RefusedURL as refusal:
            self.refused.append((url, str(refusal)))
            logger.warning("PDF: refused to load %s: %s", url[:LOGGED_URL_CHARS], refusal)
            raise
        self.served.append(url)
        return asset

    def _fetch(self, url: str) -> Asset:
        scheme = urlsplit(url).scheme.lower()
        if scheme == "data":
            return _data_uri(url)
        if scheme not in ("http", "https"):
            raise RefusedURL(f"the {scheme or 'missing'} scheme is never loaded")
        path = self._static_file(url)
        body = path.read_bytes()
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return Asset(url=url, body=body, content_type=content_type)

    def _static_file(self, url: str) -> Path:
        static_base = urlsplit(urljoin(self.base_url, settings.STATIC_URL))
        parts = urlsplit(url)
        same_origin = (parts.scheme.lower(), parts.netloc.lower()) == (
            static_base.scheme.lower(),
            static_base.netloc.lower(),
        )
        if not same_origin or not parts.path.startswith(static_base.path):
            raise RefusedURL("not one of this app's static files")
        relative = unquote(parts.path[len(static_base.path) :])
        segments = relative.split("/")
        # Checked after unquoting, so %2e%2e and %2f cannot slip a traversal past the prefix.
        if any(s in ("", ".", "..") for s in segments) or "\\" in relative or "\x00" in relative:
            raise RefusedURL("a path that tries to leave the static folders")
        found = finders.find(relative)
        if isinstance(found, str):
            candidate = Path(found)
        elif settings.STATIC_ROOT:
            candidate = Path(settings.STATIC_ROOT, relative)
        else:
            raise RefusedURL("no such static file")
        real = candidate.resolve()
        if not any(real.is_relative_to(root) for root in _static_roots()):
            raise RefusedURL("a path outside the static folders")
        if not real.is_file():
            raise RefusedURL("no such static file")
        if real.stat().st_size > MAX_ASSET_BYTES:
            raise RefusedURL("a static file too large to embed")
        return real


def _static_roots() -> list[Path]:
    """Every folder the staticfiles finders search, and STATIC_ROOT."""
    roots = [Path(settings.STATIC_ROOT).resolve()] if settings.STATIC_ROOT else []
    for finder in finders.get_finders():
        for storage in getattr(finder, "storages", {}).values():
            roots.append(Path(storage.location).resolve())
    return roots


def _data_uri(url: str) -> Asset:
    """Decoded in memory by the standard library's handler; no I/O of any kind."""
    try:
        # Only ever reached for data: (checked above), so S310's file: worry does not apply.
        opened = DataHandler().data_open(Request(url))  # noqa: S310
    except ValueError as error:
        raise RefusedURL(f"a malformed data: URI ({error})") from error
    body = opened.read(MAX_ASSET_BYTES + 1)
    if len(body) > MAX_ASSET_BYTES:
        raise RefusedURL("a data: URI too large to embed")
    return Asset(url=url, body=body, content_type=opened.headers.get_content_type())
