"""Response headers for pages that may show client data (docs/security.md).

Django's SecurityMiddleware sends HSTS, nosniff and the Referrer-Policy, and django-csp the
Content-Security-Policy; this adds what they leave to us:

- `Cache-Control: no-store` (with Django's other never-cache headers) on every response to a
  signed-in person, on the client's check link and on the JSON API (token-authenticated, so
  never "signed in"), so no browser, proxy or back button keeps a
  copy of client data. Static files never reach this middleware: WhiteNoise answers them first.
- A per-response nonce in the policy of every HTML page, whether or not the page uses it, so an
  inline script runs only if the template gave it `nonce="{{ request.csp_nonce }}"`.
- A Permissions-Policy that turns off the browser features Reattune never uses.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers

# The JSON API's URL namespace (reattune/api/urls.py; not imported, which would load the API).
API_NAMESPACE = "api-v1"
# Pages without a login that still show a client's questions or answers.
PRIVATE_PUBLIC_PAGES = frozenset({"check_form"})
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"


def is_private(request: HttpRequest) -> bool:
    """True for a signed-in person's request, the client's check link and the JSON API."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return True
    match = getattr(request, "resolver_match", None)
    if match is None:
        return False
    return match.url_name in PRIVATE_PUBLIC_PAGES or API_NAMESPACE in match.namespaces


def is_html(response: HttpResponse) -> bool:
    return str(response.get("Content-Type", "")).startswith("text/html")


class PrivatePageHeadersMiddleware:
    """Listed just inside django-csp's middleware, so the nonce it asks for reaches the header
    and every response passes through it, whichever middleware produced it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if is_private(request):
            add_never_cache_headers(response)
        if is_html(response):
            nonce = getattr(request, "csp_nonce", None)
            if nonce is not None:
                str(nonce)  # generated lazily: asking for it puts it in the policy
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response
