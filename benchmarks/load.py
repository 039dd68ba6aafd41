"""How much load does `reattune serve` take on PostgreSQL? (docs/benchmarks.md)

    .venv/bin/python benchmarks/load.py [--database-url postgres://…/bench_small]
        [--users 2,4,8,16] [--seconds 15] [--workers 5] [--no-worker] [--locust PATH]

Prepares a synthetic clinic through the ORM (clinicians signed in, clients with open check
links), starts `reattune serve` (gunicorn) on loopback with REATTUNE_BENCHMARK_VIEWS=1, and
drives it with locust, stepping the number of simultaneous users. Four phases at each step (see
PHASES): the bare view alone; check submissions alone (the POST of a form already open; every
link is used once), with no worker; the same with one `reattune worker` beside the server on
the same cores (detection after a check is its task); and client checks (GET the form, POST
the answers) mixed half and half with clinicians opening their pages, with the worker. Prints
throughput and p50/p95/p99 per kind and step, the load average, and a PASS/FAIL line per target:
check submissions at least half the bare view's throughput, and p99 under 250 ms for every kind
at the step where the mixed load saturates the machine.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from _django import ROOT, django_setup, form_fields, migrate, typical_answers

LOCUSTFILE = Path(__file__).with_name("load_locustfile.py")
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/bench_small"
THROUGHPUT_SHARE_TARGET = 0.5  # check submissions / bare view requests, per second
P99_TARGET_MS = 250.0
SATURATED = 0.9  # a step within 10% of the best throughput counts as saturating
ANSWERED_SESSIONS = 4  # sessions per client with answers already, before the open links


@dataclass
class Kind:
    """One kind of request at one step: locust's figures for it."""

    requests: int
    failures: int
    per_second: float
    p50: float
    p95: float
    p99: float


def _tenant(model: Any, clinic_id: int) -> dict[str, int]:
    # Tenant tables are gaining a `clinic` column (issue 8); set it wherever the model has one.
    names = {f.name for f in model._meta.get_fields()}
    return {"clinic_id": clinic_id} if "clinic" in names else {}


def prepare(folder: Path, *, clinicians: int, clients_each: int, open_links: int) -> Path:
    """A synthetic clinic for this run, and the plan the locust users follow."""
    from django.conf import settings
    from django.contrib.auth.hashers import make_password
    from django.test import Client as TestClient
    from django.utils import timezone

    from reattune.cases.models import Case, CaseClinician, Client, Participant, TherapySession
    from reattune.checks.models import CheckLink, Response
    from reattune.clinics.models import Role, User
    from reattune.clinics.services import clinic_create
    from reattune.measures.models import MeasureSchedule
    from reattune.measures.registry import get_definition

    rng = random.Random(20261127)  # noqa: S311 - synthetic data, not secrets
    now = timezone.now()
    stamp = now.strftime("%Y%m%d%H%M%S")
    clinic = clinic_create(name=f"Load benchmark clinic {stamp} (synthetic)", slug=f"load-{stamp}")
    password = make_password(None)  # unusable: these people only ever have forced sessions
    people = User.objects.bulk_create(
        User(
            email=f"clinician{n}@load-{stamp}.example",
            full_name=f"Synthetic clinician {n}",
            clinic=clinic,
            role=Role.CLINICIAN,
            password=password,
            second_factor_due=now + dt.timedelta(days=365),
        )
        for n in range(clinicians)
    )
    count = clinicians * clients_each
    clients = Client.objects.bulk_create(
        Client(clinic=clinic, code=f"L{n:06d}", created_by=people[n % clinicians])
        for n in range(count)
    )
    cases = Case.objects.bulk_create(
        Case(clinic=clinic, title="Synthetic case", opened_on=now.date() - dt.timedelta(weeks=30))
        for _ in clients
    )
    CaseClinician.objects.bulk_create(
        CaseClinician(
            case=case, clinician=people[n % clinicians], **_tenant(CaseClinician, clinic.pk)
        )
        for n, case in enumerate(cases)
    )
    participants = Participant.objects.bulk_create(
        Participant(case=case, client=client, **_tenant(Participant, clinic.pk))
        for case, client in zip(cases, clients, strict=True)
    )
    per_client = ANSWERED_SESSIONS + -(-open_links // count)
    sessions = TherapySession.objects.bulk_create(
        TherapySession(
            case=case,
            number=number,
            date=now.date() - dt.timedelta(weeks=per_client - number),
            **_tenant(TherapySession, clinic.pk),
        )
        for case in cases
        for number in range(1, per_client + 1)
    )
    definitions = {m: get_definition(m) for m in MeasureSchedule.objects.due_at(clinic, 1)}
    by_case = {p.case_id: p for p in participants}
    answered = [s for s in sessions if s.number <= ANSWERED_SESSIONS]
    Response.objects.bulk_create(
        _response(session, by_case[session.case_id], definition, rng, now, clinic.pk)
        for session in answered
        for definition in definitions.values()
    )
    links = CheckLink.objects.bulk_create(
        CheckLink(
            clinic=clinic,
            session=session,
            participant=by_case[session.case_id],
            measure_ids=MeasureSchedule.objects.due_at(clinic, session.number),
            created_by=people[0],
            expires_at=now + dt.timedelta(hours=settings.CHECK_LINK_HOURS),
        )
        for session in sessions
        if session.number > ANSWERED_SESSIONS
    )
    rng.shuffle(links)
    checks = [
        (link.token, _fields(link.measure_ids, definitions, rng)) for link in links[:open_links]
    ]
    signed_in = []
    for n, person in enumerate(people):
        browser = TestClient()
        browser.force_login(person, backend="django.contrib.auth.backends.ModelBackend")
        cookie = (
            f"{settings.SESSION_COOKIE_NAME}={browser.cookies[settings.SESSION_COOKIE_NAME].value}"
        )
        mine = [c for i, c in enumerate(cases) if i % clinicians == n][:5]
        paths = ["/", "/clients/"]
        for case in mine:
            paths += [f"/clients/{by_case[case.pk].client_id}/", f"/cases/{case.pk}/"]
        signed_in.append((cookie, paths))
    plan = folder / "plan.json"
    plan.write_text(json.dumps({"checks": checks, "clinicians": signed_in}))
    return plan


def _response(
    session: Any, participant: Any, definition: Any, rng: random.Random, now: Any, clinic: int
) -> Any:
    from reattune.checks.models import Response, ResponseSource

    answers = typical_answers(definition, rng)
    score = definition.score(answers)
    return Response(
        clinic_id=clinic,
        source=ResponseSource.IMPORT,
        session=session,
        participant=participant,
        client_id=participant.client_id,
        measure_id=definition.id,
        measure_version=definition.version,
        answers=answers,
        total=score.total,
        subscales=score.subscales,
        submitted_at=now,
    )


def _fields(measure_ids: list[str], definitions: dict[str, Any], rng: random.Random) -> dict:
    fields: dict[str, str] = {}
    for m in measure_ids:
        fields |= form_fields(definitions[m], typical_answers(definitions[m], rng))
    return fields


class Server:
    """`reattune serve` in the background, with the benchmark's bare view switched on."""

    def __init__(self, env: dict[str, str], port: int, workers: int, log: Path) -> None:
        reattune = Path(sys.executable).with_name("reattune")
        self.url = f"http://127.0.0.1:{port}"
        command = [str(reattune), "serve", "--port", str(port), "--workers", str(workers)]
        self.process = subprocess.Popen(  # noqa: S603 - our own fixed command
            [*command, "--no-migrate"],
            env=env,
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
            cwd=ROOT,
        )

    def wait(self, seconds: float = 30) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit("reattune serve stopped at start-up; see its log")
            try:
                with urllib.request.urlopen(f"{self.url}/health/", timeout=2) as answer:  # noqa: S310
                    if answer.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        raise SystemExit("reattune serve did not answer /health/ within 30 s")

    def check(self, path: str, cookie: str = "") -> int:
        request = urllib.request.Request(f"{self.url}{path}", headers={"Cookie": cookie})  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310
                return int(answer.status)
        except urllib.error.HTTPError as e:
            return e.code

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()


def run_locust(
    locust: str,
    server: Server,
    plan: Path,
    offset: int,
    users: int,
    seconds: int,
    classes: list[str],
    folder: Path,
) -> dict[str, Kind]:
    prefix = folder / f"{'-'.join(classes)}-{users}"
    taken = folder / "taken.txt"
    taken.write_text("0")
    env = {
        **os.environ,
        "BENCH_LOAD_PLAN": str(plan),
        "BENCH_LOAD_OFFSET": str(offset),
        "BENCH_LOAD_TAKEN": str(taken),
    }
    subprocess.run(  # noqa: S603 - our own fixed command
        [
            locust,
            "-f",
            str(LOCUSTFILE),
            "--headless",
            "--host",
            server.url,
            "-u",
            str(users),
            "-r",
            str(users),
            "-t",
            f"{seconds}s",
            "--reset-stats",
            "--csv",
            str(prefix),
            "--only-summary",
            "--loglevel",
            "ERROR",
            "--exit-code-on-error",
            "0",
            *classes,
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=(folder / "locust.log").open("ab"),
        check=True,
    )
    kinds = {"links taken": Kind(int(taken.read_text()), 0, 0, 0, 0, 0)}
    with open(f"{prefix}_stats.csv", newline="") as f:
        for row in csv.DictReader(f):
            kinds[row["Name"]] = Kind(
                requests=int(row["Request Count"]),
                failures=int(row["Failure Count"]),
                per_second=float(row["Requests/s"]),
                p50=_number(row["50%"]),
                p95=_number(row["95%"]),
                p99=_number(row["99%"]),
            )
    return kinds


def _number(cell: str) -> float:
    """A percentile from locust's CSV: "N/A" (no request of that kind) reads as NaN."""
    try:
        return float(cell)
    except ValueError:
        return float("nan")


def used_links(kinds: dict[str, Kind]) -> int:
    return kinds["links taken"].requests


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=DEFAULT_DB)
    parser.add_argument(
        "--users", default="2,4,8,16", help="steps of simultaneous users (at least 2)"
    )
    parser.add_argument("--seconds", type=int, default=15, help="measured time per phase and step")
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--links", type=int, default=12000, help="check links to prepare")
    parser.add_argument("--no-worker", action="store_true", help="no `reattune worker` beside")
    parser.add_argument(
        "--locust",
        default=shutil.which("locust")
        or str(Path(tempfile.gettempdir()) / "bench-locust/bin/locust"),
    )
    args = parser.parse_args(argv)
    steps = [int(u) for u in args.users.split(",")]
    folder = Path(tempfile.mkdtemp(prefix="bench-load-"))
    data_dir = folder / "data"
    print(f"load average at start  {_load()}  ({os.cpu_count()} cores)")

    django_setup(args.database_url, data_dir)
    migrate()
    started = time.perf_counter()
    plan = prepare(folder, clinicians=40, clients_each=25, open_links=args.links)
    print(
        f"prepared               {args.links:,} check links, 40 clinicians signed in "
        f"({time.perf_counter() - started:.0f} s); files in {folder}"
    )

    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"},
        "REATTUNE_BENCHMARK_VIEWS": "1",
        "REATTUNE_REQUEST_LOG": "false",
    }
    # A backlog left by an earlier run (its worker stopped) is worked off first by this one.
    print(f"before the run         {_backlog()}")
    server = Server(env, args.port, args.workers, folder / "server.log")
    worker: subprocess.Popen[bytes] | None = None
    try:
        server.wait()
        _check_plan(server, plan)
        _warm_up(server, plan, args.workers)
        results: dict[str, dict[int, dict[str, Kind]]] = {phase: {} for phase in PHASES}
        loads: dict[int, str] = {}
        offset = 0
        for users in steps:
            for phase, (classes, with_worker) in PHASES.items():
                if with_worker and not args.no_worker and worker is None:
                    worker = _worker(env, folder / "worker.log")
                elif not with_worker and worker is not None:
                    _stop(worker)  # its backlog waits in the queue for the next phase with it
                    worker = None
                kinds = run_locust(
                    args.locust, server, plan, offset, users, args.seconds, classes, folder
                )
                results[phase][users] = kinds
                offset += used_links(kinds)
            loads[users] = _load()
        if offset >= args.links:
            print(f"WARNING: all {args.links:,} links were used; rerun with more --links")
        backlog = _backlog()
    finally:
        server.stop()
        if worker is not None:
            _stop(worker)
    code = report(results, loads, steps, args)
    print(f"worker                 {'none (--no-worker)' if args.no_worker else 'one'}; {backlog}")
    return code


def _stop(worker: subprocess.Popen[bytes]) -> None:
    worker.terminate()  # SIGTERM: it finishes the task in hand, then stops
    worker.wait(timeout=60)


def _worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """One `reattune worker` beside the server, as in production: a submission queues its
    detection as a task (checks/services.py alerts_raise_after), and the worker runs it on the
    same two cores."""
    reattune = Path(sys.executable).with_name("reattune")
    return subprocess.Popen(  # noqa: S603 - our own fixed command
        [str(reattune), "worker", "--no-schedule"],
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        cwd=ROOT,
    )


def _backlog() -> str:
    """Tasks still waiting when the load stops: alerts the worker had not yet raised."""
    try:
        from reattune.worker.stats import queue_depth
    except ImportError:
        return "no task queue in this version"
    depth = queue_depth()
    age = f", oldest waiting {depth.oldest_ready_age}" if depth.oldest_ready_age else ""
    return f"{depth.ready:,} tasks waiting at the end{age}"


def _check_plan(server: Server, plan: Path) -> None:
    """Every page a clinician user will open answers 200 before the clock starts."""
    clinicians = json.loads(plan.read_text())["clinicians"]
    cookie, paths = clinicians[0]
    for path in [*paths, "/benchmark/bare/"]:
        status = server.check(path, cookie)
        if status != 200:
            raise SystemExit(f"{path} answered {status} before the run; nothing measured")


def _warm_up(server: Server, plan: Path, workers: int) -> None:
    """Every gunicorn worker opens every kind of page a few times before the clock starts: each
    compiles its templates and fills its caches on first use, and a first request in the
    measured time is a cold start, not the steady state the figures are about. The check forms
    opened are the plan's last links, which the measured phases reach only when --links runs
    out (load.py warns then)."""
    from concurrent.futures import ThreadPoolExecutor

    content = json.loads(plan.read_text())
    paths = [
        (path, cookie)
        for cookie, clinician_paths in content["clinicians"][:8]
        for path in clinician_paths
    ]
    paths += [(f"/c/{token}/", "") for token, _ in content["checks"][-4 * workers :]]
    paths += [("/benchmark/bare/", "")] * 4 * workers
    with ThreadPoolExecutor(max_workers=2 * workers) as pool:
        for _ in range(3):
            list(pool.map(lambda pair: server.check(*pair), paths))


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


# Each phase: the locust user classes, and whether `reattune worker` runs beside the server.
# The server's own throughput is measured without it ("checks"): detection is the worker's
# work, deferred by design, and a worker can run on another machine. "checks+worker" is the
# same load with one worker on the same two cores, as a small clinic runs it: the rate the
# machine sustains while it also raises the alerts.
PHASES: dict[str, tuple[list[str], bool]] = {
    "bare": (["Bare"], False),
    "checks": (["ClientSubmit"], False),
    "checks+worker": (["ClientSubmit"], True),
    "mixed": (["ClientCheck", "Clinician"], True),
}
KIND_ROWS = {
    "bare": ["bare view"],
    "checks": ["check submit (POST)"],
    "checks+worker": ["check submit (POST)"],
    "mixed": ["check form (GET)", "check submit (POST)", "clinician page"],
}


def report(
    results: dict[str, dict[int, dict[str, Kind]]],
    loads: dict[int, str],
    steps: list[int],
    args: argparse.Namespace,
) -> int:
    print()
    print(
        f"{'phase':13} {'users':>5} {'kind':22} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} "
        f"{'p99 ms':>7} {'fail':>5}  load avg after"
    )
    for phase, rows in KIND_ROWS.items():
        for users in steps:
            kinds = results[phase][users]
            for name in rows:
                k = kinds.get(name)
                if k is None:
                    continue
                print(
                    f"{phase:13} {users:5} {name:22} {k.per_second:7.1f} {k.p50:7.0f} "
                    f"{k.p95:7.0f} {k.p99:7.0f} {k.failures:5}  {loads[users]}"
                )
    print()

    def best(phase: str, name: str) -> tuple[float, int]:
        rates = {u: results[phase][u].get(name, Kind(0, 0, 0, 0, 0, 0)).per_second for u in steps}
        top = max(rates.values())
        # The saturating step: the fewest users that reach (nearly) the best throughput.
        first = next(u for u in steps if rates[u] >= SATURATED * top)
        return top, first

    bare, bare_at = best("bare", "bare view")
    submit, submit_at = best("checks", "check submit (POST)")
    share = submit / bare if bare else 0.0
    ok = share >= THROUGHPUT_SHARE_TARGET
    failures = 0 if ok else 1
    print(f"bare view              {bare:7.1f} req/s at best (within 10% from {bare_at} users)")
    print(
        f"check submissions      {submit:7.1f} /s at best (within 10% from {submit_at} users; "
        "each the POST of an open form)"
    )
    print(
        f"{'PASS' if ok else 'FAIL'}  check submissions are {share:.2f} of the bare view's "
        f"throughput (target >= {THROUGHPUT_SHARE_TARGET}; the server alone)"
    )
    beside, beside_at = best("checks+worker", "check submit (POST)")
    print(
        f"with a worker beside   {beside:7.1f} /s at best (from {beside_at} users), "
        f"{beside / bare if bare else 0.0:.2f} of the bare view's: not the target, for sizing"
    )
    mixed_total = {
        u: sum(k.per_second for n, k in results["mixed"][u].items() if n in KIND_ROWS["mixed"])
        for u in steps
    }
    at = next(u for u in steps if mixed_total[u] >= SATURATED * max(mixed_total.values()))
    print(f"mixed load saturates at {at} users ({mixed_total[at]:.1f} req/s in all)")
    for name in KIND_ROWS["mixed"]:
        k = results["mixed"][at].get(name)
        if k is None:
            continue
        ok = k.p99 < P99_TARGET_MS
        failures += 0 if ok else 1
        print(
            f"{'PASS' if ok else 'FAIL'}  {name}: p99 {k.p99:.0f} ms at {at} users "
            f"(target < {P99_TARGET_MS:.0f} ms)"
        )
    print(f"load average at end    {_load()}  (the machine is shared: rerun when it is quiet)")
    print(f"server {args.workers} gunicorn workers; locust on the same machine")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
