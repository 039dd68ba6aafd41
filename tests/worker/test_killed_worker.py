"""A worker killed mid-task (SIGKILL: no chance to clean up) does not lose the task: once its
heartbeat is older than the lease, another worker runs it again, to completion, once."""

from __future__ import annotations

import signal
from pathlib import Path

from tests.worker.conftest import Processes, recorded_runs, task_rows, wait_until

WAIT_TASK = "tests.worker.sample_tasks.wait_for_file"


def test_a_task_whose_worker_was_killed_runs_again_and_completes_exactly_once(
    processes: Processes, tmp_path: Path
):
    folder = tmp_path / "signals"
    folder.mkdir()
    processes.helper("enqueue-wait", "killed", str(folder))
    first = processes.worker("--no-schedule")
    wait_until(lambda: (folder / "started-1").exists(), seconds=60, why="the first run to start")
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=30)
    [(_, status, worker_ids)] = task_rows(processes.database)
    assert status == "RUNNING", "killed mid-task, it is left running by a worker that is gone"
    assert len(worker_ids) == 1

    (folder / "release").touch()
    second = processes.worker("--no-schedule")
    wait_until(
        lambda: task_rows(processes.database)[0][1] == "SUCCESSFUL",
        seconds=90,
        why=f"the task to run again:\n{processes.log(second)}",
    )
    [(path, status, worker_ids)] = task_rows(processes.database)
    assert path == WAIT_TASK
    assert len(worker_ids) == 2 and worker_ids[0] != worker_ids[1], "a second attempt, elsewhere"
    assert (folder / "started-2").exists() and not (folder / "started-3").exists()
    assert recorded_runs(processes.database) == ["killed"], "completed exactly once"
    assert "was left running by worker" in processes.log(second)


def test_sigterm_lets_the_running_task_finish_before_the_worker_exits(
    processes: Processes, tmp_path: Path
):
    folder = tmp_path / "signals"
    folder.mkdir()
    processes.helper("enqueue-wait", "graceful", str(folder))
    worker = processes.worker("--no-schedule")
    wait_until(lambda: (folder / "started-1").exists(), seconds=60, why="the task to start")
    worker.send_signal(signal.SIGTERM)
    (folder / "release").touch()
    assert worker.wait(timeout=60) == 0, processes.log(worker)
    [(_, status, worker_ids)] = task_rows(processes.database)
    assert status == "SUCCESSFUL" and len(worker_ids) == 1
    assert recorded_runs(processes.database) == ["graceful"]
    # It said goodbye: no heartbeat row is left to look alive.
    assert processes.database.query("SELECT count(*) FROM worker_workerheartbeat") == [(0,)]
