"""How fast are the busiest pages, and the nightly recalibration, on a big clinic? And how do
they grow with the data? (docs/benchmarks.md)

    .venv/bin/python benchmarks/scale_pages.py                     # bench_small and bench_big
    .venv/bin/python benchmarks/scale_pages.py --databases bench_small --runs 30

Needs databases filled by benchmarks/scale_data.py (--size small / --size big). For each
database, in a process of its own, it times in-process with Django's test Client (server time:
no network, no browser) the caseload page, a client page, the supervision queue and the
learning page, each --runs times with a different person or client each time, after one
untimed warm-up request per page; then the nightly jobs for the clinic: the recalibration,
and the learning page's clinic-wide figures where this version has them. Prints p50/p95
per page side by side with the ratio of the big figure to the small one, the number of queries
one request makes, and PASS/FAIL against the targets: p95 under 150 ms, recalibration under
2 minutes.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _django import django_setup

PAGE_P95_TARGET_MS = 150.0
RECALIBRATION_TARGET_S = 120.0
CLINIC_SLUG = "synthetic-scale"  # benchmarks/scale_data.py
PAGES = ("caseload", "client page", "supervision queue", "learning page")


def people_and_paths(runs: int) -> dict[str, list[tuple[Any, str]]]:
    """For each page, `runs` (person, path) pairs: varied people, and varied clients."""
    from reattune.cases.models import CaseClinician
    from reattune.clinics.models import Role, User
    from reattune.supervision.queue import supervisee_ids

    # Only the synthetic clinic's people: another benchmark may have added a clinic here.
    people = User.objects.filter(clinic__slug=CLINIC_SLUG, is_active=True).order_by("pk")
    carriers = list(people.filter(role__in=[Role.CLINICIAN, Role.TRAINEE]))
    step = max(1, len(carriers) // runs)
    chosen = (carriers[::step] * runs)[:runs]
    supervisors = [u for u in people.filter(role=Role.SUPERVISOR) if supervisee_ids(u)]
    clients = []
    for person in chosen:
        # The person's newest case, so the page shows a client with a long history in reach.
        client_id = (
            CaseClinician.objects.filter(clinician=person)
            .order_by("-case_id")
            .values_list("case__participants__client_id", flat=True)
            .first()
        )
        clients.append((person, f"/clients/{client_id}/"))
    return {
        "caseload": [(p, "/") for p in chosen],
        "client page": clients,
        "supervision queue": [
            (supervisors[i % len(supervisors)], "/supervision/") for i in range(runs)
        ],
        "learning page": [(p, "/learning/") for p in chosen],
    }


def time_pages(runs: int, explain: bool) -> dict[str, Any]:
    from django.db import connection
    from django.test import Client as TestClient

    browsers: dict[int, TestClient] = {}

    def browser(person: Any) -> TestClient:
        if person.pk not in browsers:
            b = TestClient(SERVER_NAME="127.0.0.1")
            b.force_login(person, backend="django.contrib.auth.backends.ModelBackend")
            browsers[person.pk] = b
        return browsers[person.pk]

    results: dict[str, Any] = {}
    for page, visits in people_and_paths(runs).items():
        person, path = visits[0]
        browser(person).get(path)  # warm-up: templates compiled, caches filled
        queries: list[tuple[float, str, Any]] = []
        with connection.execute_wrapper(_Recorder(queries)):
            browser(person).get(path)
        times, statuses = [], set()
        for person, path in visits:
            b = browser(person)
            started = time.perf_counter()
            answer = b.get(path)
            times.append((time.perf_counter() - started) * 1000)
            statuses.add(answer.status_code)
        results[page] = {
            "n": len(times),
            "p50": statistics.median(times),
            "p95": _percentile(times, 95),
            "max": max(times),
            "queries": len(queries),
            "query_ms": sum(q[0] for q in queries),
            "slowest": [
                (ms, sql, _explain(sql, params) if explain else "")
                for ms, sql, params in sorted(queries, key=lambda q: -q[0])[:2]
            ],
            "statuses": sorted(statuses),
        }
    return results


class _Recorder:
    """Every statement one request runs, with its time (Django's own query log is reset at the
    start of each request, so it cannot be read around one)."""

    def __init__(self, into: list[tuple[float, str, Any]]) -> None:
        self.into = into

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.into.append(((time.perf_counter() - started) * 1000, sql, params))


def _explain(sql: str, params: Any) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    # Nearest rank: with 30 runs, p95 is the 29th slowest (ceil(0.95 * 30)).
    rank = max(1, -(-len(ordered) * q // 100))
    return ordered[int(rank) - 1]


def recalibration() -> float:
    from reattune.alerts.calibration import calibration_refresh
    from reattune.clinics.models import Clinic

    clinic = Clinic.objects.get(slug=CLINIC_SLUG)
    started = time.perf_counter()
    calibration_refresh(clinic=clinic)
    return time.perf_counter() - started


def learning_figures() -> float | None:
    """The other nightly job on this data: the learning page's clinic-wide figures, every
    period (None where this version has no such job)."""
    try:
        from reattune.learning.figures import figures_refresh
    except ImportError:
        return None
    from django.utils import timezone

    from reattune.clinics.models import Clinic

    clinic = Clinic.objects.get(slug=CLINIC_SLUG)
    started = time.perf_counter()
    figures_refresh(clinic.pk, timezone.localdate())
    return time.perf_counter() - started


def sizes() -> dict[str, int]:
    from reattune.cases.models import Client, TherapySession
    from reattune.checks.models import Response
    from reattune.clinics.models import User

    mine = {"clinic__slug": CLINIC_SLUG}
    return {
        "people": User.objects.filter(**mine).count(),
        "clients": Client.objects.filter(**mine).count(),
        "sessions": TherapySession.objects.filter(case__clinic__slug=CLINIC_SLUG).count(),
        "responses": Response.objects.filter(**mine).count(),
    }


def one(database: str, runs: int, skip_recalibration: bool, explain: bool) -> int:
    django_setup(
        f"postgres://postgres@127.0.0.1:5432/{database}",
        Path(tempfile.gettempdir()) / "bench-scale-data",
    )
    result = {"sizes": sizes(), "pages": time_pages(runs, explain)}
    result["recalibration_s"] = None if skip_recalibration else recalibration()
    result["learning_figures_s"] = None if skip_recalibration else learning_figures()
    print(json.dumps(result))
    return 0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--databases", default="bench_small,bench_big")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--skip-recalibration", action="store_true")
    parser.add_argument(
        "--queries",
        action="store_true",
        help="show each page's two slowest statements with EXPLAIN ANALYZE",
    )
    parser.add_argument("--one", help=argparse.SUPPRESS)  # a child process: one database
    args = parser.parse_args(argv)
    if args.one:
        return one(args.one, args.runs, args.skip_recalibration, args.queries)

    print(f"load average at start  {_load()}  ({os.cpu_count()} cores, shared)")
    names = args.databases.split(",")
    found: dict[str, Any] = {}
    for name in names:
        command = [sys.executable, __file__, "--one", name, "--runs", str(args.runs)]
        if args.skip_recalibration:
            command.append("--skip-recalibration")
        if args.queries:
            command.append("--queries")
        done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
        if done.returncode != 0:
            print(done.stderr[-3000:])
            return 1
        found[name] = json.loads(done.stdout.strip().splitlines()[-1])
        s = found[name]["sizes"]
        print(
            f"{name}: {s['people']:,} people, {s['clients']:,} clients, "
            f"{s['sessions']:,} sessions, {s['responses']:,} responses"
        )
    return report(found, names, args.runs, args.queries)


def report(found: dict[str, Any], names: list[str], runs: int, show_queries: bool) -> int:
    print()
    header = f"{'page':18}" + "".join(
        f"{n + ' p50':>16}{n + ' p95':>16}{'queries':>8}" for n in names
    )
    if len(names) == 2:
        header += f"{'p95 ratio':>10}"
    print(header + "  (ms, server time, n=" + str(runs) + ")")
    failures = 0
    verdicts = []
    for page in PAGES:
        line = f"{page:18}"
        for n in names:
            r = found[n]["pages"][page]
            line += f"{r['p50']:16.0f}{r['p95']:16.0f}{r['queries']:8}"
            if r["statuses"] != [200]:
                verdicts.append(f"FAIL  {page} on {n}: answered {r['statuses']}, not only 200")
                failures += 1
        if len(names) == 2:
            small, big = (found[n]["pages"][page]["p95"] for n in names)
            line += f"{big / small:10.1f}"
        print(line)
        biggest = found[names[-1]]["pages"][page]["p95"]
        ok = biggest < PAGE_P95_TARGET_MS
        failures += 0 if ok else 1
        verdicts.append(
            f"{'PASS' if ok else 'FAIL'}  {page}: p95 {biggest:.0f} ms on {names[-1]} "
            f"(target < {PAGE_P95_TARGET_MS:.0f} ms)"
        )
    figures = {n: found[n].get("learning_figures_s") for n in names}
    if all(s is not None for s in figures.values()):
        print(f"{'learning figures':18}" + "".join(f"{figures[n]:>15.1f}s{'':24}" for n in names))
    seconds = {n: found[n]["recalibration_s"] for n in names}
    if all(s is not None for s in seconds.values()):
        print(f"{'recalibration':18}" + "".join(f"{seconds[n]:>15.1f}s{'':24}" for n in names))
        ok = seconds[names[-1]] < RECALIBRATION_TARGET_S
        failures += 0 if ok else 1
        verdicts.append(
            f"{'PASS' if ok else 'FAIL'}  recalibration: {seconds[names[-1]]:.1f} s on "
            f"{names[-1]} (target < {RECALIBRATION_TARGET_S:.0f} s)"
        )
    print()
    print("\n".join(verdicts))
    if show_queries:
        for n in names:
            for page in PAGES:
                r = found[n]["pages"][page]
                print(
                    f"\n{n} {page}: {r['queries']} queries, {r['query_ms']:.0f} ms in the "
                    "database; slowest:"
                )
                for ms, sql, plan in r["slowest"]:
                    print(f"  {ms:7.1f} ms  {sql[:1500]}")
                    print("    " + plan.replace("\n", "\n    "))
    print(f"load average at end    {_load()}  (the machine is shared: rerun when it is quiet)")
    return 1 if failures else 0


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
