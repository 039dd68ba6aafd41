"""The load benchmark's bare page exists only when REATTUNE_BENCHMARK_VIEWS is on."""

from __future__ import annotations

import importlib
from collections.abc import Iterator

import pytest
from django.urls import NoReverseMatch, clear_url_caches, reverse

import reattune.urls

pytestmark = pytest.mark.django_db


def _reload_urls() -> None:
    importlib.reload(reattune.urls)
    clear_url_caches()


@pytest.fixture
def benchmark_views(settings) -> Iterator[None]:
    settings.BENCHMARK_VIEWS = True
    _reload_urls()
    yield
    settings.BENCHMARK_VIEWS = False
    _reload_urls()


def test_it_has_no_bare_page_by_default(client):
    with pytest.raises(NoReverseMatch):
        reverse("benchmark_bare")
    assert client.get("/benchmark/bare/").status_code == 404


def test_it_serves_the_bare_page_when_switched_on(client, benchmark_views):
    response = client.get(reverse("benchmark_bare"))
    assert response.status_code == 200
    assert response.content == b"ok"
