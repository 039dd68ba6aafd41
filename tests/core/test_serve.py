"""`reattune serve` runs gunicorn and serves real requests."""

from __future__ import annotations

import subprocess
import urllib.request

from tests.processes import REATTUNE, free_port, own_sqlite_env, wait_for_page


def test_it_serves_the_login_page_the_health_check_and_static_files(tmp_path):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        server = subprocess.Popen(  # noqa: S603
            [str(REATTUNE), "serve", "--port", str(port), "--workers", "1", "--verbosity", "0"],
            env=own_sqlite_env(tmp_path),
            stdout=out,
            stderr=out,
        )
        try:
            assert wait_for_page(f"{base}/health/", server, seconds=60, log=log) == "ok"
            assert "Log in" in wait_for_page(f"{base}/login/", server, seconds=5, log=log)
            with urllib.request.urlopen(f"{base}/static/reattune/reattune.css", timeout=5) as r:  # noqa: S310
                assert r.status == 200
            # gunicorn's control socket is in the data folder, not the account's home.
            assert (tmp_path / "gunicorn.ctl").is_socket()
        finally:
            server.terminate()
            server.wait(timeout=20)
