"""Choosing the task backend, and what `reattune worker` says when it is the wrong one."""

from __future__ import annotations

import subprocess

from tests.processes import REATTUNE, own_sqlite_env


def run(*args: str, tmp_path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603
        [str(REATTUNE), *args],
        env={**own_sqlite_env(tmp_path), **env},
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_an_unknown_task_backend_stops_start_up_naming_the_variable(tmp_path):
    done = run("check", tmp_path=tmp_path, REATTUNE_TASK_BACKEND="redis")
    assert done.returncode != 0
    assert "REATTUNE_TASK_BACKEND must be one of database, immediate, not 'redis'" in done.stderr


def test_the_worker_refuses_to_start_without_the_database_backend(tmp_path):
    done = run("worker", tmp_path=tmp_path, REATTUNE_TASK_BACKEND="immediate")
    assert done.returncode != 0
    assert "REATTUNE_TASK_BACKEND=database" in done.stderr


def test_a_bad_time_for_a_daily_job_names_the_variable(tmp_path):
    done = run("check", tmp_path=tmp_path, REATTUNE_RECALIBRATE_AT="25:00")
    assert done.returncode != 0
    assert "REATTUNE_RECALIBRATE_AT must be a time of day as HH:MM" in done.stderr
