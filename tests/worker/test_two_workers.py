"""Two workers on one database: every task runs exactly once, and every periodic job is
enqueued exactly once, whichever worker gets there first."""

from __future__ import annotations

import time
from collections import Counter

from reattune.worker.schedule import jobs
from tests.worker.conftest import Processes, recorded_runs, task_rows, wait_until

TASKS = 60
ALWAYS_DUE = {  # every daily job past its time, whenever the test runs
    "REATTUNE_RECALIBRATE_AT": "00:00",
    "REATTUNE_CLEAR_LINKS_AT": "00:00",
    "REATTUNE_PRUNE_TASKS_AT": "00:00",
    "REATTUNE_ESCALATE_AT": "00:00",
    "REATTUNE_SESSION_REMINDER_AT": "00:00",
}


# Each periodic job's task, and how many of it one run enqueues with three clinics.
JOB_TASKS = {
    "recalibrate": "recalibrate_clinic",
    "learning_figures": "refresh_learning_figures",
    "escalate_obligations": "escalate_overdue_obligations",
    "raise_alerts": "raise_missing_alerts",
    "clear_expired_links": "clear_expired_links",
    "link_reminders": "send_link_reminders",
    "session_reminders": "send_session_reminders",
    "sweep_uploads": "sweep_uploads",
    "prune_tasks": "prune_task_results",
}
PER_RUN = {
    task: 1 if task in ("sweep_uploads", "prune_task_results") else 3 for task in JOB_TASKS.values()
}


def test_two_workers_run_each_of_many_tasks_exactly_once(processes: Processes):
    processes.helper("enqueue-many", str(TASKS), "0.02")
    first = processes.worker("--no-schedule", "--batch")
    second = processes.worker("--no-schedule", "--batch")
    assert first.wait(timeout=240) == 0, processes.log(first)
    assert second.wait(timeout=240) == 0, processes.log(second)

    rows = task_rows(processes.database)
    assert len(rows) == TASKS
    assert Counter(status for _, status, _ in rows) == {"SUCCESSFUL": TASKS}
    assert all(len(worker_ids) == 1 for _, _, worker_ids in rows), "each claimed once"
    assert recorded_runs(processes.database) == sorted(f"task-{n}" for n in range(TASKS))


def test_two_workers_enqueue_each_periodic_job_exactly_once(processes: Processes):
    processes.helper("clinics", "3")
    workers = [processes.worker(**ALWAYS_DUE), processes.worker(**ALWAYS_DUE)]
    database = processes.database

    def all_jobs_done() -> bool:
        runs = database.query(
            "SELECT count(DISTINCT job) FROM worker_scheduledrun WHERE job <> 'test-run'"
        )
        rows = task_rows(database)
        done = all(s == "SUCCESSFUL" for _, s, _ in rows)
        return runs == [(len(jobs()),)] and bool(rows) and done

    wait_until(all_jobs_done, seconds=120, why="every job to be enqueued and run")
    time.sleep(2)  # a few more housekeeping rounds each, in which nothing more may happen
    for worker in workers:
        assert worker.poll() is None, processes.log(worker)

    runs = database.query("SELECT job, tasks FROM worker_scheduledrun WHERE job <> 'test-run'")
    # Each job once per slot. A test that runs across a slot's boundary (a quarter past, the
    # hour) sees the jobs due again then run for the new slot as well: once more, not twice.
    slots = Counter(job for job, _ in runs)
    assert set(slots) == {job.name for job in jobs()}
    assert all(n <= 2 for n in slots.values()), slots
    # One task for the installation-wide jobs, one per clinic for the rest, each run.
    assert all(tasks == PER_RUN[JOB_TASKS[job]] for job, tasks in runs), runs
    per_task = Counter(path.rsplit(".", 1)[1] for path, _, _ in task_rows(database))
    assert per_task == {JOB_TASKS[job]: PER_RUN[JOB_TASKS[job]] * n for job, n in slots.items()}
    assert sum(tasks for _, tasks in runs) == sum(per_task.values())


def test_two_workers_send_each_session_reminder_exactly_once(processes: Processes):
    # Each of the two workers runs one of two runs of the job, at the same moment.
    processes.helper("session-tomorrow", "3")
    reminders_on = {"REATTUNE_SESSION_REMINDER_AT": "10:00"}  # off unless turned on
    workers = [processes.worker("--no-schedule", "--batch", **reminders_on) for _ in range(2)]
    for worker in workers:
        assert worker.wait(timeout=240) == 0, processes.log(worker)

    rows = task_rows(processes.database)
    assert Counter((path.rsplit(".", 1)[1], status) for path, status, _ in rows) == {
        ("send_session_reminders", "SUCCESSFUL"): 2,
        ("email_session_reminder", "SUCCESSFUL"): 3,
    }
    sent = processes.database.query(
        "SELECT count(*) FROM worker_sessionreminder WHERE sent_at IS NOT NULL"
    )
    assert sent == [(3,)]
    logs = "".join(processes.log(worker) for worker in workers)
    assert logs.count("Subject: A reminder: your session at") == 3, "one email per person"
