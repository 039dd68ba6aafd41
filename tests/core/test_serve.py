"""`reattune serve` runs gunicorn and serves real requests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

REATTUNE = Path(sys.executable).with_name("reattune")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_it_serves_the_login_page_and_the_health_check(tmp_path):
    port = free_port()
    # The server gets its own SQLite file, whichever database the suite itself runs on.
    env = {k: v for k, v in os.environ.items() if k != "REATTUNE_DATABASE_URL"}
    env["REATTUNE_DATA_DIR"] = str(tmp_path)
    server = subprocess.Popen(  # noqa: S603
        [str(REATTUNE), "serve", "--port", str(port), "--workers", "1", "--verbosity", "0"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health/", timeout=2) as r:
                    assert r.read() == b"ok"
                    break
            except OSError:
                assert server.poll() is None, server.stdout.read().decode()  # type: ignore[union-attr]
                assert time.monotonic() < deadline, "the server did not come up in 60 s"
                time.sleep(0.3)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=5) as r:
            assert "Log in" in r.read().decode()
        with urllib.request.urlopen(
            f"http://127.0.0.1:{port}/static/reattune/reattune.css", timeout=5
        ) as r:
            assert r.status == 200
    finally:
        server.terminate()
        server.wait(timeout=20)
