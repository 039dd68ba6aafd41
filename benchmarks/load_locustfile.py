"""The users benchmarks/load.py sends at `reattune serve`; not run on its own.

The plan (BENCH_LOAD_PLAN, a JSON file written by load.py) holds check-link tokens with the
answers to post, to be used from BENCH_LOAD_OFFSET on (how many were taken goes back in the file
BENCH_LOAD_TAKEN names), and signed-in clinicians' session cookies with the pages each may open.
Every request is named by its kind, so locust's statistics come out per kind.
"""

from __future__ import annotations

import itertools
import json
import os
from pathlib import Path
from typing import Any

from locust import FastHttpUser, constant, events, task

PLAN: dict[str, Any] = json.loads(Path(os.environ["BENCH_LOAD_PLAN"]).read_text())
# Each link is single use: one shared iterator hands every token out once. Locust runs its users
# as greenlets in one process, so next() needs no lock.
_links = iter(PLAN["checks"][int(os.environ.get("BENCH_LOAD_OFFSET", "0")) :])
_clinicians = itertools.cycle(PLAN["clinicians"])
_taken = 0
ALREADY_ANSWERED = "already have your answers"


@events.quitting.add_listener
def _tell_how_many_links_were_taken(**_: Any) -> None:
    # Requests made while users were starting are not in the statistics (--reset-stats), but
    # their links are used all the same: load.py starts the next run after the last one taken.
    Path(os.environ["BENCH_LOAD_TAKEN"]).write_text(str(_taken))


def _next_link(user: FastHttpUser) -> tuple[str, dict[str, str]] | None:
    """The next unused link and its answers; None, and locust stops, once they run out."""
    global _taken
    token, fields = next(_links, (None, None))
    if token is None:
        user.environment.runner.quit()  # load.py reports tokens running out
        return None
    _taken += 1
    return token, fields


def _post_answers(user: FastHttpUser, url: str, fields: dict[str, str]) -> None:
    with user.client.post(
        url, data=fields, name="check submit (POST)", catch_response=True
    ) as sent:
        if sent.status_code != 200 or ALREADY_ANSWERED in (sent.text or ""):
            sent.failure(f"answers not taken: {sent.status_code}")


class ClientCheck(FastHttpUser):
    """A client opening their check link and sending their answers, over and over."""

    wait_time = constant(0)

    @task
    def submit(self) -> None:
        if (link := _next_link(self)) is None:
            return
        token, fields = link
        url = f"/c/{token}/"
        with self.client.get(url, name="check form (GET)", catch_response=True) as got:
            if got.status_code != 200 or 'name="' not in (got.text or ""):
                got.failure(f"form not shown: {got.status_code}")
                return
        _post_answers(self, url, fields)


class ClientSubmit(FastHttpUser):
    """A client sending the answers of a form already open on their phone: the submission
    alone, as the throughput target counts it. Opening the form is the GET above, measured in
    the mixed phase; the view reads the link afresh on the POST either way."""

    wait_time = constant(0)

    @task
    def submit(self) -> None:
        if (link := _next_link(self)) is not None:
            _post_answers(self, f"/c/{link[0]}/", link[1])


class Clinician(FastHttpUser):
    """A signed-in clinician moving between their caseload, client and case pages."""

    wait_time = constant(0)

    def on_start(self) -> None:
        cookie, self.paths = next(_clinicians)
        self.headers = {"Cookie": cookie}
        self.turn = itertools.cycle(self.paths)

    @task
    def page(self) -> None:
        path = next(self.turn)
        with self.client.get(
            path,
            name="clinician page",
            headers=self.headers,
            allow_redirects=False,
            catch_response=True,
        ) as got:
            if got.status_code != 200:
                got.failure(f"{got.status_code} (signed out, or no access?)")


class Bare(FastHttpUser):
    """The bare page (reattune/core/benchmark_views.py): the floor every page stands on."""

    wait_time = constant(0)

    @task
    def bare(self) -> None:
        self.client.get("/benchmark/bare/", name="bare view")
