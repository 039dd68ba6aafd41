"""What a PDF may load: the app's static files and data: URIs; every other URL is refused and
logged. Plain Django, no WeasyPrint needed."""

from __future__ import annotations

import logging

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reattune.reports.assets import OfflineAssets, RefusedURL

BASE = "http://testserver/"


def test_it_serves_the_apps_own_stylesheet():
    assets = OfflineAssets(base_url=BASE)
    asset = assets.fetch("http://testserver/static/reattune/print.css")
    assert b"@page" in asset.body
    assert asset.content_type == "text/css"
    assert assets.served == ["http://testserver/static/reattune/print.css"]


def test_it_serves_a_static_file_from_another_app_through_the_finders():
    asset = OfflineAssets(base_url=BASE).fetch("http://testserver/static/reattune/favicon.svg")
    assert asset.body.lstrip().startswith(b"<")


def test_it_decodes_data_uris_in_memory():
    asset = OfflineAssets(base_url=BASE).fetch("data:text/plain;base64,aGVsbG8=")
    assert asset.body == b"hello"
    assert asset.content_type == "text/plain"


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/static/reattune/print.css",  # another origin, even a local one
        "https://testserver/static/reattune/print.css",  # another scheme for the same host
        "https://example.invalid/x.css",
        "ftp://example.invalid/x.png",
        "file:///etc/passwd",
        "file:///work/main/reattune/static/reattune/print.css",  # a static file, but by path
        "gopher://example.invalid/",
        "javascript:alert(1)",
        "/etc/passwd",  # not absolute: WeasyPrint always joins first, so this is refused
        "http://testserver/etc/passwd",
        "http://testserver/admin/",
        "http://testserver/static/../settings.py",
        "http://testserver/static/reattune/../../../settings.py",
        "http://testserver/static/%2e%2e/%2e%2e/settings.py",
        "http://testserver/static/reattune%2f..%2f..%2fsettings.py",
        "http://testserver/static//etc/passwd",
        "http://testserver/static/reattune/..%5c..%5csettings.py",
        "http://testserver/static/reattune/print.css%00.png",
        "http://testserver/static/reattune/no-such-file.css",
        "http://testserver/static/reattune/",
    ],
)
def test_it_refuses_everything_else_and_logs_it(url, caplog):
    assets = OfflineAssets(base_url=BASE)
    with (
        caplog.at_level(logging.WARNING, logger="reattune.reports.assets"),
        pytest.raises(RefusedURL),
    ):
        assets.fetch(url)
    assert [u for u, _ in assets.refused] == [url]
    assert assets.served == []
    assert "refused to load" in caplog.text


def test_a_symlink_out_of_the_static_folders_is_refused(tmp_path, settings):
    (tmp_path / "secret.txt").write_text("not for a PDF")
    static = tmp_path / "static"
    static.mkdir()
    (static / "escape.css").symlink_to(tmp_path / "secret.txt")
    settings.STATICFILES_DIRS = [static]
    with pytest.raises(RefusedURL, match="outside the static folders"):
        OfflineAssets(base_url=BASE).fetch("http://testserver/static/escape.css")


def test_a_malformed_data_uri_is_refused():
    with pytest.raises(RefusedURL, match="malformed"):
        OfflineAssets(base_url=BASE).fetch("data:text/plain;base64")  # no comma


def test_the_log_line_is_cut_short_for_a_huge_url(caplog):
    url = "https://example.invalid/" + "a" * 10_000
    with caplog.at_level(logging.WARNING), pytest.raises(RefusedURL):
        OfflineAssets(base_url=BASE).fetch(url)
    assert len(caplog.records[-1].getMessage()) < 400


@given(st.text(max_size=80))
def test_no_url_under_static_ever_reads_outside_the_static_folders(tail):
    assets = OfflineAssets(base_url=BASE)
    try:
        asset = assets.fetch("http://testserver/static/" + tail)
    except RefusedURL:
        return
    # Anything served is a real static file: the served list holds it and nothing else.
    assert assets.served == ["http://testserver/static/" + tail]
    assert asset.body
