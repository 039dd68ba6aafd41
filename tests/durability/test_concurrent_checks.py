"""Requirement 19: many client checks arriving at once, on whichever database the suite runs
on (SQLite or PostgreSQL), lose no response and meet no "database is locked" error.

Real concurrency: gunicorn with several worker processes serves the real check form, and
several client processes post to it at once. Every link is posted twice, by two different
processes, so the same link is also raced against itself."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter

from tests.durability.owndb import REPO, OwnDatabase
from tests.processes import REATTUNE, free_port, wait_for_page

LINKS = 16
CLIENT_PROCESSES = 4
SERVER_WORKERS = 3


def test_concurrent_client_checks_are_each_stored_exactly_once(own_database: OwnDatabase, tmp_path):
    links = json.loads(own_database.worker("seed-links", str(LINKS)).stdout)
    tokens = list(links)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = tmp_path / "server.log"
    with log.open("wb") as out:
        server = subprocess.Popen(  # noqa: S603
            [
                str(REATTUNE),
                "serve",
                "--no-migrate",
                "--port",
                str(port),
                "--workers",
                str(SERVER_WORKERS),
                "--verbosity",
                "0",
            ],
            env=own_database.env(),
            stdout=out,
            stderr=out,
            cwd=REPO,
        )
        try:
            wait_for_page(f"{base}/health/", server, seconds=60, log=log)
            outcomes = _post_from_several_processes(base, tokens)
        finally:
            server.terminate()
            server.wait(timeout=30)
    server_log = log.read_text()

    assert "database is locked" not in server_log
    assert "Traceback" not in server_log
    errors = [line for line in outcomes if not line.startswith(("ack ", "used "))]
    assert errors == []
    acked = Counter(line.split()[1] for line in outcomes if line.startswith("ack "))
    # Each link: one post stored the answers, the other was told they were already in.
    assert acked == Counter(tokens)
    assert len(outcomes) == 2 * LINKS
    stored = dict(
        own_database.query("SELECT link_id, count(*) FROM checks_response GROUP BY link_id")
    )
    assert stored == {link_id: measures for link_id, measures in links.values()}


def _post_from_several_processes(base: str, tokens: list[str]) -> list[str]:
    """Each process posts every link in its share, then every link in the next share, so
    each link is posted by two processes, at about the same time."""
    shares = [tokens[i::CLIENT_PROCESSES] for i in range(CLIENT_PROCESSES)]
    clients = [
        subprocess.Popen(  # noqa: S603
            [
                sys.executable,
                "-m",
                "tests.durability.workers",
                "post",
                base,
                *shares[i],
                *shares[(i + 1) % CLIENT_PROCESSES],
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=REPO,
        )
        for i in range(CLIENT_PROCESSES)
    ]
    lines = []
    for client in clients:
        out, err = client.communicate(timeout=300)
        assert client.returncode == 0, err
        lines += out.splitlines()
    return lines
