"""The demo's background worker: a child process of `reattune demo`, so the demo needs nothing
else running. It stops with the server, and by itself if the server is killed."""

from __future__ import annotations

import os
import subprocess
import sys

from django_tasks import task_backends
from django_tasks_db.backend import DatabaseBackend


def demo_worker_start(*, base_url: str) -> subprocess.Popen[bytes] | None:
    """Start `reattune worker` on the demo's database; None with the immediate backend, where
    tasks run inside the request and no worker is needed."""
    if not isinstance(task_backends["default"], DatabaseBackend):
        return None
    env = {
        **os.environ,
        "REATTUNE_BASE_URL": base_url,
        # Whatever the installation's mail settings, the demo never sends a real email.
        "REATTUNE_EMAIL_HOST": "",
    }
    command = [sys.executable, "-m", "reattune.cli", "worker", "--parent-pid", str(os.getpid())]
    return subprocess.Popen(command, env=env)  # noqa: S603 - our own command


def demo_worker_stop(worker: subprocess.Popen[bytes]) -> None:
    """SIGTERM lets it finish the task in hand; a worker that hangs is killed."""
    if worker.poll() is None:
        worker.terminate()
    try:
        worker.wait(timeout=15)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()
