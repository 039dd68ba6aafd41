"""`reattune demo` runs a worker beside its server, and the worker stops with it."""

from __future__ import annotations

import shutil
import signal
import sqlite3
import subprocess
from pathlib import Path

import pytest

from tests.processes import REATTUNE, free_port, own_sqlite_env, wait_for_page
from tests.worker.conftest import pid_alive, wait_until


def heartbeats(data_dir: Path) -> list[tuple[int, str]]:
    connection = sqlite3.connect(data_dir / "reattune.sqlite3")
    try:
        return connection.execute("SELECT pid, host FROM worker_workerheartbeat").fetchall()
    except sqlite3.OperationalError:
        return []  # not migrated yet
    finally:
        connection.close()


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One demo data folder, seeded once: each test serves a copy of it."""
    folder = tmp_path_factory.mktemp("demo-seeded")
    subprocess.run(  # noqa: S603
        [str(REATTUNE), "demo", "--no-serve", "--verbosity", "0"],
        env=own_sqlite_env(folder),
        check=True,
        timeout=600,
    )
    return folder


@pytest.fixture
def data_dir(seeded: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "data"
    shutil.copytree(seeded, copy)
    return copy


def swept(data_dir: Path) -> list[tuple[str]]:
    connection = sqlite3.connect(data_dir / "reattune.sqlite3")
    try:
        return connection.execute(
            "SELECT status FROM django_tasks_database_dbtaskresult "
            "WHERE task_path = 'reattune.worker.tasks.sweep_uploads' AND status = 'SUCCESSFUL'"
        ).fetchall()
    finally:
        connection.close()


def test_the_demo_starts_a_worker_and_stops_it_when_stopped(data_dir, tmp_path):
    port = free_port()
    log = tmp_path / "demo.log"
    env = {**own_sqlite_env(data_dir), "REATTUNE_TASK_BACKEND": "database"}
    with log.open("wb") as out:
        demo = subprocess.Popen(  # noqa: S603
            [str(REATTUNE), "demo", "--port", str(port)], env=env, stdout=out, stderr=out
        )
        try:
            wait_for_page(f"http://127.0.0.1:{port}/login/", demo, seconds=180, log=log)
            wait_until(lambda: bool(heartbeats(data_dir)), seconds=60, why="the demo's worker")
            [(worker_pid, _)] = heartbeats(data_dir)
            assert pid_alive(worker_pid)
            # It is working: it enqueued (and ran) the periodic jobs due now.
            wait_until(lambda: bool(swept(data_dir)), seconds=60, why="the hourly sweep to run")
        finally:
            demo.send_signal(signal.SIGTERM)
            demo.wait(timeout=60)
    wait_until(lambda: not pid_alive(worker_pid), seconds=30, why="the worker to stop")
    assert heartbeats(data_dir) == [], "it stopped cleanly, saying so"


def test_the_demos_worker_stops_by_itself_if_the_server_is_killed(data_dir, tmp_path):
    port = free_port()
    log = tmp_path / "demo.log"
    env = {**own_sqlite_env(data_dir), "REATTUNE_TASK_BACKEND": "database"}
    with log.open("wb") as out:
        demo = subprocess.Popen(  # noqa: S603
            [str(REATTUNE), "demo", "--port", str(port)], env=env, stdout=out, stderr=out
        )
        try:
            wait_for_page(f"http://127.0.0.1:{port}/login/", demo, seconds=180, log=log)
            wait_until(lambda: bool(heartbeats(data_dir)), seconds=60, why="the demo's worker")
            [(worker_pid, _)] = heartbeats(data_dir)
        finally:
            demo.kill()
            demo.wait(timeout=30)
    wait_until(lambda: not pid_alive(worker_pid), seconds=30, why="the orphaned worker to stop")
