"""A bare page for the load benchmark (benchmarks/load.py) to measure the app's pages against.

It passes through the whole middleware stack but runs no query and renders no template, so the
gap between it and a real page is the page's own work. Routed only when
REATTUNE_BENCHMARK_VIEWS is on (reattune/urls.py), so a real server has no such URL.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse


def bare(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")
