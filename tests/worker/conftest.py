from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.durability.conftest import migrated_template, own_database  # noqa: F401
from tests.durability.owndb import REPO, OwnDatabase
from tests.processes import REATTUNE

DATABASE_TASKS = {"default": {"BACKEND": "reattune.worker.backend.QueueBackend"}}
# Short enough for a test to wait out; the settings' minimum lease is 5 s.
FAST_WORKER_ENV = {
    "REATTUNE_TASK_BACKEND": "database",
    "REATTUNE_WORKER_LEASE_SECONDS": "5",
    "REATTUNE_TASK_RETRY_SECONDS": "1",
    "REATTUNE_EMAIL_HOST": "",
}


@pytest.fixture(autouse=True)
def database_tasks(settings: Any) -> None:
    """The worker's tests queue tasks in the database, whatever the rest of the suite does."""
    settings.TASKS = DATABASE_TASKS
    settings.TASK_RETRY_SECONDS = 0  # a failed task is ready again at once: no waiting in tests


@dataclass
class Processes:
    """Worker processes on the test's own database, stopped (and their logs kept) at the end."""

    database: OwnDatabase
    folder: Path
    started: list[tuple[subprocess.Popen[str], Path]] = field(default_factory=list)

    def env(self, **extra: str) -> dict[str, str]:
        return {**self.database.env(), **FAST_WORKER_ENV, **extra}

    def worker(self, *args: str, **extra_env: str) -> subprocess.Popen[str]:
        return self.start([str(REATTUNE), "worker", *args], **extra_env)

    def start(self, command: list[str], **extra_env: str) -> subprocess.Popen[str]:
        """A worker process run by `command` (`reattune worker`, or a test's own wrapper of
        it), polling fast; its output goes to a log of its own, stopped with the test."""
        log = self.folder / f"worker-{len(self.started)}.log"
        process = subprocess.Popen(  # noqa: S603
            [*command, "--interval", "0.1", "--housekeeping-seconds", "0.5"],
            env=self.env(**extra_env),
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
            text=True,
            cwd=REPO,
        )
        self.started.append((process, log))
        return process

    def helper(self, *args: str) -> str:
        done = subprocess.run(  # noqa: S603
            [sys.executable, "-m", "tests.worker.processes", *args],
            env=self.env(),
            capture_output=True,
            text=True,
            check=False,
            cwd=REPO,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    def log(self, process: subprocess.Popen[str]) -> str:
        return next(log.read_text() for p, log in self.started if p is process)

    def stop_all(self) -> None:
        for process, _ in self.started:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process, _ in self.started:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture
def processes(own_database: OwnDatabase, tmp_path: Path) -> Iterator[Processes]:  # noqa: F811
    running = Processes(own_database, tmp_path)
    try:
        yield running
    finally:
        running.stop_all()


def wait_until(check: Callable[[], bool], *, seconds: float, why: str) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, f"waited {seconds} s for {why}"
        time.sleep(0.1)


def task_rows(database: OwnDatabase) -> list[tuple[str, str, list[str]]]:
    """(task_path, status, worker_ids) of every queued task, read straight from the database."""
    rows = database.query(
        "SELECT task_path, status, worker_ids FROM django_tasks_database_dbtaskresult"
    )
    return [(path, status, _json(ids)) for path, status, ids in rows]


def recorded_runs(database: OwnDatabase) -> list[str]:
    """The keys of every run of the sample tasks that got as far as recording itself."""
    rows = database.query("SELECT slot FROM worker_scheduledrun WHERE job = 'test-run'")
    return sorted(row[0] for row in rows)


def _json(value: Any) -> list[str]:
    return list(json.loads(value) if isinstance(value, str) else value)


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True
