"""`reattune demo --port P`, run as a person would: it serves the login page, and the seeded
clinic has open alerts."""

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


def test_the_demo_serves_the_login_page_and_says_it_has_open_alerts(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "REATTUNE_DATABASE_URL"}
    env["REATTUNE_DATA_DIR"] = str(tmp_path)
    log = tmp_path / "demo.log"
    with log.open("wb") as out:
        demo = subprocess.Popen(  # noqa: S603
            [str(REATTUNE), "demo", "--port", str(port)], env=env, stdout=out, stderr=out
        )
        try:
            deadline = time.monotonic() + 120
            while True:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=2) as r:
                        assert "Log in" in r.read().decode()
                        break
                except OSError:
                    assert demo.poll() is None, log.read_text()
                    assert time.monotonic() < deadline, "the demo did not serve in 120 s"
                    time.sleep(0.5)
        finally:
            demo.terminate()
            demo.wait(timeout=20)
    printed = log.read_text()
    assert f"http://127.0.0.1:{port}/" in printed
    assert "admin@demo.example" in printed and "reattune-demo" in printed
    assert "open alerts: 3 urgent" in printed
    assert (tmp_path / "reattune.sqlite3").exists()
