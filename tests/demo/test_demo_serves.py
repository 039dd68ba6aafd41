"""`reattune demo --port P`, run as a person would: it serves the login page, and the seeded
clinic has open alerts."""

from __future__ import annotations

import subprocess

from tests.processes import REATTUNE, free_port, own_sqlite_env, wait_for_page


def test_the_demo_serves_the_login_page_and_says_it_has_open_alerts(tmp_path):
    port = free_port()
    log = tmp_path / "demo.log"
    with log.open("wb") as out:
        demo = subprocess.Popen(  # noqa: S603
            [str(REATTUNE), "demo", "--port", str(port)],
            env=own_sqlite_env(tmp_path),
            stdout=out,
            stderr=out,
        )
        try:
            page = wait_for_page(f"http://127.0.0.1:{port}/login/", demo, seconds=120, log=log)
            assert "Log in" in page
        finally:
            demo.terminate()
            demo.wait(timeout=20)
    printed = log.read_text()
    assert f"http://127.0.0.1:{port}/" in printed
    assert "admin@demo.example" in printed and "reattune-demo" in printed
    assert "open alerts: 3 urgent" in printed
    assert (tmp_path / "reattune.sqlite3").exists()
