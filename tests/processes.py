"""Running `reattune` as a real process, as a person would, for the tests that need it."""

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


def own_sqlite_env(data_dir: Path) -> dict[str, str]:
    """The process gets its own SQLite file, whichever database the suite itself runs on."""
    env = {k: v for k, v in os.environ.items() if k != "REATTUNE_DATABASE_URL"}
    env["REATTUNE_DATA_DIR"] = str(data_dir)
    return env


def wait_for_page(url: str, process: subprocess.Popen[bytes], *, seconds: float, log: Path) -> str:
    """The page's text once the server answers; fails with the server's output if it dies
    or does not answer in time."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - loopback only
                return str(response.read().decode())
        except OSError:
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, f"no answer from {url} in {seconds} s"
            time.sleep(0.3)
