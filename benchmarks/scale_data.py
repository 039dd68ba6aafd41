"""A synthetic clinic at scale, written into PostgreSQL with COPY (docs/benchmarks.md).

    .venv/bin/python benchmarks/scale_data.py --database bench_small --size small
    .venv/bin/python benchmarks/scale_data.py --database bench_big --size big   # ~1,000 clinicians

The database is dropped, created and migrated first: use a database of your own. Every row is
synthetic and says so where there is a name to say it in. Fixed seed: the same data every run.

Each table has one builder below (`_users`, `_sessions`, …) yielding plain dicts keyed by the
model's attnames; `Table` writes them with COPY. A column a builder leaves out takes the
model's default, NULL or '' where the field allows; any other column stops the run, naming it,
so a schema change (a new non-null `clinic`, say) shows up at once and is fixed in one place.
Encrypted fields are sealed once per distinct value and the sealed text reused (a sealed value
is bound to its table and column, not its row): measured against sealing every row, it is what
keeps generation within minutes. Foreign-key triggers are off while copying (the rows are
consistent by construction) and every table is ANALYZEd at the end.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from _django import django_setup, migrate, typical_answers

SEED = 20261127
SIZES = {
    # clinicians, clients, sessions
    "small": (100, 10_000, 200_000),
    "big": (1_000, 100_000, 2_000_000),
}
CLOSED_SHARE = 0.55  # of cases, closed: the history the nightly recalibration learns from
ATTENDED, CANCELLED, NO_SHOW = "attended", "cancelled", "no_show"
OUTCOMES_EVERY = 4  # PHQ-9 and GAD-7 at intake and every fourth session; alliance every session
ALERTS_OPEN_WEEKS = 3  # alerts newer than this are still open; older ones were acknowledged


class Sealed(str):
    """A value already sealed for its column: written as it is."""


@dataclass
class Table:
    """One model's rows, written with COPY."""

    model: Any
    cursor: Any
    now: dt.datetime
    sealed: dict[tuple[str, str], str] = field(default_factory=dict)

    def write(self, rows: Iterable[dict[str, Any]]) -> int:
        from psycopg.types.json import Jsonb

        from reattune.vault.fields import EncryptedTextField

        spec = []
        for f in self.model._meta.concrete_fields:
            kind = (
                "sealed"
                if isinstance(f, EncryptedTextField)
                else "json"
                if f.get_internal_type() == "JSONField"
                else "plain"
            )
            spec.append((f, f.attname, self._default(f), kind))
        table = self.model._meta.db_table
        columns = ", ".join(f'"{f.column}"' for f, *_ in spec)
        count = 0
        with self.cursor.copy(f'COPY "{table}" ({columns}) FROM STDIN') as copy:
            for row in rows:
                values = []
                for f, attname, default, kind in spec:
                    value = row.get(attname, default)
                    if value is _REQUIRED:
                        raise SystemExit(
                            f"{table}.{f.column} needs a value: add it to the builder for "
                            f"{self.model.__name__} in benchmarks/scale_data.py"
                        )
                    if kind == "json" and value is not None:
                        value = Jsonb(value)
                    elif kind == "sealed" and not isinstance(value, Sealed):
                        value = self.seal(f, value)
                    values.append(value)
                copy.write_row(values)
                count += 1
        # The ids were given here, so the sequence must continue after them.
        sequence = f"pg_get_serial_sequence('\"{table}\"', 'id')"
        highest = f'(SELECT max(id) FROM "{table}")'  # noqa: S608 - the model's own table
        restart = f"SELECT setval({sequence}, COALESCE({highest}, 0) + 1, false)"
        self.cursor.execute(restart)
        return count

    def seal(self, f: Any, value: Any) -> Sealed:
        from django.db import connection

        key = (f.attname, json.dumps(value, sort_keys=True, default=str))
        if key not in self.sealed:
            self.sealed[key] = f.get_db_prep_save(value, connection)
        return Sealed(self.sealed[key])

    def _default(self, f: Any) -> Any:
        if f.primary_key:
            return _REQUIRED
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            return self.now
        if f.has_default():
            return f.get_default()
        if f.null:
            return None
        if f.blank and f.get_internal_type() in ("CharField", "TextField", "EmailField"):
            return ""
        return _REQUIRED


_REQUIRED = object()


# --- The clinic's shape, decided up front so every builder agrees -----------------------------


@dataclass
class Plan:
    clinic_id: int
    today: dt.date
    now: dt.datetime
    people: list[tuple[int, str]]  # (id, role)
    caseload: list[int]  # ids of people who carry clients
    supervision: list[tuple[int, int]]  # (supervisor, supervisee)
    clients: list[ClientPlan]
    schedule: dict[str, int]  # measure id -> every n sessions


@dataclass
class ClientPlan:
    n: int  # also the client's, case's and participant's id
    clinician: int
    opened_on: dt.date
    attendance: str  # one letter a session: a, c, n
    closed: bool
    first_session_id: int
    severity: float
    improves: float
    alliance: float

    def session_date(self, number: int) -> dt.date:
        return self.opened_on + dt.timedelta(weeks=number - 1)


def make_plan(
    clinic_id: int, clinicians: int, clients: int, sessions: int, today: dt.date, now: Any
) -> Plan:
    rng = random.Random(SEED)  # noqa: S311 - synthetic data, not secrets
    people = [(1, "admin")]
    supervisors = max(1, clinicians // 12)
    trainees = clinicians // 8
    for n in range(2, clinicians + 2):
        role = (
            "supervisor"
            if n < 2 + supervisors
            else "trainee"
            if n < 2 + supervisors + trainees
            else "clinician"
        )
        people.append((n, role))
    caseload = [pid for pid, role in people if role != "admin"]
    supervisor_ids = [pid for pid, role in people if role == "supervisor"]
    supervision = [
        (supervisor_ids[i % len(supervisor_ids)], pid)
        for i, (pid, role) in enumerate(people)
        if role == "trainee" or (role == "clinician" and pid % 4 == 0)
    ]
    lengths = [rng.randint(4, 36) for _ in range(clients)]
    scale = sessions / sum(lengths)
    lengths = [max(1, round(k * scale)) for k in lengths]
    lengths[-1] = max(1, lengths[-1] + sessions - sum(lengths))
    plans = []
    next_session = 1
    for n, k in enumerate(lengths, start=1):
        closed = rng.random() < CLOSED_SHARE
        weeks_ago = k - 1 + (rng.randint(2, 150) if closed else rng.randint(0, 1))
        attendance = "".join(
            "a" if (r := rng.random()) < 0.9 else "c" if r < 0.95 else "n" for _ in range(k)
        )
        attendance = "a" + attendance[1:]  # the intake took place
        plans.append(
            ClientPlan(
                n=n,
                clinician=caseload[rng.randrange(len(caseload))],
                opened_on=today - dt.timedelta(weeks=weeks_ago),
                attendance=attendance,
                closed=closed,
                first_session_id=next_session,
                severity=rng.uniform(0.2, 0.85),
                improves=rng.uniform(-0.2, 0.8),
                alliance=rng.uniform(0.6, 0.95),
            )
        )
        next_session += k
    schedule = {"alliance": 1, "phq9": OUTCOMES_EVERY, "gad7": OUTCOMES_EVERY}
    return Plan(clinic_id, today, now, people, caseload, supervision, plans, schedule)


# --- One builder per table ---------------------------------------------------------------------


def _users(plan: Plan) -> Iterator[dict[str, Any]]:
    far = plan.now + dt.timedelta(days=3650)
    for pid, role in plan.people:
        yield {
            "id": pid,
            "email": f"{role}{pid}@synthetic-scale.example",
            "full_name": f"Synthetic {role} {pid}",
            "clinic_id": plan.clinic_id,
            "role": role,
            "password": "!synthetic",  # unusable: benchmarks sign in with force_login
            "second_factor_due": far,
        }


def _supervisions(plan: Plan) -> Iterator[dict[str, Any]]:
    for n, (supervisor, supervisee) in enumerate(plan.supervision, start=1):
        yield {
            "id": n,
            "clinic_id": plan.clinic_id,
            "supervisor_id": supervisor,
            "supervisee_id": supervisee,
            "starts_on": plan.today - dt.timedelta(days=400),
        }


def _clients(plan: Plan) -> Iterator[dict[str, Any]]:
    for c in plan.clients:
        yield {
            "id": c.n,
            "clinic_id": plan.clinic_id,
            "code": f"SYN{c.n:07d}",
            "created_by_id": c.clinician,
            "created_at": _at(c.opened_on),
        }


def _cases(plan: Plan) -> Iterator[dict[str, Any]]:
    for c in plan.clients:
        last = c.session_date(len(c.attendance))
        yield {
            "id": c.n,
            "clinic_id": plan.clinic_id,
            "kind": "individual",
            "title": "Synthetic case",
            "opened_on": c.opened_on,
            "closed_on": last if c.closed else None,
            "created_at": _at(c.opened_on),
        }


def _case_clinicians(plan: Plan) -> Iterator[dict[str, Any]]:
    for c in plan.clients:
        yield {"id": c.n, "clinic_id": plan.clinic_id, "case_id": c.n, "clinician_id": c.clinician}


def _participants(plan: Plan) -> Iterator[dict[str, Any]]:
    for c in plan.clients:
        yield {"id": c.n, "clinic_id": plan.clinic_id, "case_id": c.n, "client_id": c.n}


ATTENDANCE = {"a": ATTENDED, "c": CANCELLED, "n": NO_SHOW}


def _sessions(plan: Plan) -> Iterator[dict[str, Any]]:
    for c in plan.clients:
        for number, mark in enumerate(c.attendance, start=1):
            day = c.session_date(number)
            yield {
                "id": c.first_session_id + number - 1,
                "clinic_id": plan.clinic_id,
                "case_id": c.n,
                "number": number,
                "date": day,
                "attendance": ATTENDANCE[mark],
                "created_at": _at(day),
            }


@dataclass
class Pool:
    """Sealed answer sets for one measure, by total: a row picks one with the total it needs."""

    definition: Any
    by_total: dict[int, list[tuple[Sealed, dict[str, Any], dict[str, int], bool]]]
    totals: list[int]

    def pick(self, rng: random.Random, share: float) -> tuple[int, Sealed, dict[str, int], bool]:
        want = self.totals[0] + share * (self.totals[-1] - self.totals[0])
        total = min(self.totals, key=lambda t: abs(t - want))
        sealed, _, subscales, flagged = rng.choice(self.by_total[total])
        return total, sealed, subscales, flagged


def make_pools(table: Table, schedule: dict[str, int], per_total: int = 8) -> dict[str, Pool]:
    from reattune.measures.registry import get_definition

    rng = random.Random(SEED + 1)  # noqa: S311 - synthetic data, not secrets
    answers_field = table.model._meta.get_field("answers")
    pools = {}
    for measure in schedule:
        definition = get_definition(measure)
        by_total: dict[int, list[Any]] = {}
        for _ in range(6000):
            answers = typical_answers(definition, rng, level=rng.random())
            score = definition.score(answers)
            bucket = by_total.setdefault(score.total, [])
            if len(bucket) < per_total:
                flagged = bool(definition.alerts_raised(answers))
                sealed = table.seal(answers_field, answers)
                bucket.append((sealed, answers, score.subscales, flagged))
        pools[measure] = Pool(definition, by_total, sorted(by_total))
    return pools


@dataclass
class Raised:
    """What the responses pass noticed, for the alerts, repairs and requests after it."""

    alerts: list[dict[str, Any]] = field(default_factory=list)


def _responses(plan: Plan, pools: dict[str, Pool], raised: Raised) -> Iterator[dict[str, Any]]:
    from reattune.detection.catalogue import info_for

    rid = 0
    for c in plan.clients:
        rng = random.Random(SEED * 31 + c.n)  # noqa: S311 - synthetic data, not secrets
        for number, mark in enumerate(c.attendance, start=1):
            if mark != "a":
                continue
            session_id = c.first_session_id + number - 1
            day = c.session_date(number)
            for measure, every in plan.schedule.items():
                if (number - 1) % every:
                    continue
                pool = pools[measure]
                if measure == "alliance":
                    rupture = rng.random() < 0.03
                    share = c.alliance - (rng.uniform(0.3, 0.5) if rupture else 0)
                    share += rng.gauss(0, 0.05)
                else:
                    rupture = False
                    progress = c.improves * (1 - math.exp(-(number - 1) / 6))
                    share = c.severity * (1 - progress) + rng.gauss(0, 0.05)
                total, sealed, subscales, flagged = pool.pick(rng, min(max(share, 0.0), 1.0))
                rid += 1
                yield {
                    "id": rid,
                    "clinic_id": plan.clinic_id,
                    "source": "import",
                    "session_id": session_id,
                    "participant_id": c.n,
                    "client_id": c.n,
                    "measure_id": measure,
                    "measure_version": pool.definition.version,
                    "answers": sealed,
                    "total": total,
                    "subscales": subscales,
                    "submitted_at": _at(day) + dt.timedelta(hours=2),
                }
                signal = (
                    "safety"
                    if flagged and measure == "phq9"
                    else ("alliance_rupture" if rupture else "")
                )
                if signal:
                    info = info_for(signal, pool.definition.short_title)
                    raised.alerts.append(
                        {
                            "clinic_id": plan.clinic_id,
                            "case_id": c.n,
                            "client_id": c.n,
                            "participant_id": c.n,
                            "session_id": session_id,
                            "response_id": rid,
                            "signal": signal,
                            "measure_id": measure,
                            "severity": "urgent" if signal == "safety" else "warning",
                            "title": info.title,
                            "next_step": info.next_step,
                            "explanation": "Synthetic alert (benchmark data).",
                            "rule": "Synthetic alert (benchmark data).",
                            "_day": day,
                            "_clinician": c.clinician,
                            "_number": number,
                        }
                    )


def _alerts(plan: Plan, raised: Raised) -> Iterator[dict[str, Any]]:
    recent = plan.today - dt.timedelta(weeks=ALERTS_OPEN_WEEKS)
    for n, alert in enumerate(raised.alerts, start=1):
        alert["id"] = n
        done = alert["_day"] < recent
        yield {
            **{k: v for k, v in alert.items() if not k.startswith("_")},
            "status": "acknowledged" if done else "open",
            "created_at": _at(alert["_day"]),
            "acknowledged_by_id": alert["_clinician"] if done else None,
            "acknowledged_at": _at(alert["_day"]) + dt.timedelta(days=1) if done else None,
        }


def _repaired(raised: Raised) -> list[dict[str, Any]]:
    """A third of the alliance ruptures had a repair recorded."""
    ruptures = [a for a in raised.alerts if a["signal"] == "alliance_rupture"]
    return ruptures[::3]


def _repairs(plan: Plan, raised: Raised) -> Iterator[dict[str, Any]]:
    recent = plan.today - dt.timedelta(weeks=ALERTS_OPEN_WEEKS)
    for n, alert in enumerate(_repaired(raised), start=1):
        status = "open" if alert["_day"] >= recent else ("not_held" if n % 10 == 0 else "held")
        yield {
            "id": n,
            "clinic_id": plan.clinic_id,
            "case_id": alert["case_id"],
            "participant_id": alert["participant_id"],
            "client_id": alert["client_id"],
            "source": "alert",
            "alert_id": alert["id"],
            "response_id": alert["response_id"],
            "opened_by_id": alert["_clinician"],
            "opened_at": _at(alert["_day"]) + dt.timedelta(days=1),
            "discovered_on": alert["_day"],
            "kind": "alliance_rupture",
            "harm": "no_harm",
            "status": status,
            "verify_after": alert["_number"],
        }


def _repair_versions(plan: Plan, raised: Raised) -> Iterator[dict[str, Any]]:
    for n, alert in enumerate(_repaired(raised), start=1):
        yield {
            "id": n,
            "clinic_id": plan.clinic_id,
            "repair_id": n,
            "session_id": alert["session_id"],
            "what_happened": "Synthetic: the client went quiet after a homework review.",
            "kind": "alliance_rupture",
            "marker": "withdrawal",
            "harm": "no_harm",
            "number": 1,
            "recorded_by_id": alert["_clinician"],
            "recorded_at": _at(alert["_day"]) + dt.timedelta(days=1),
        }


def _supervision_requests(plan: Plan) -> Iterator[dict[str, Any]]:
    """Some open cases of supervised people brought to supervision."""
    supervised = {supervisee for _, supervisee in plan.supervision}
    n = 0
    for c in plan.clients:
        if not c.closed and c.clinician in supervised and c.n % 7 == 0:
            n += 1
            yield {
                "id": n,
                "clinic_id": plan.clinic_id,
                "by_id": c.clinician,
                "note": "Synthetic: would like to think about the pace of this work.",
                "client_id": c.n,
                "created_at": _at(plan.today - dt.timedelta(days=c.n % 20)),
            }


def _at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(10, 0), tzinfo=dt.UTC)


# --- Running it ------------------------------------------------------------------------------


def recreate(database: str, host: str, user: str) -> None:
    for tool in ("dropdb", "createdb"):
        extra = ["--if-exists"] if tool == "dropdb" else []
        subprocess.run([tool, *extra, "-h", host, "-U", user, database], check=True)  # noqa: S603


def generate(clinicians: int, clients: int, sessions: int) -> dict[str, tuple[int, float]]:
    from django.db import connection, transaction
    from django.utils import timezone

    from reattune.alerts.models import Alert
    from reattune.cases.models import Case, CaseClinician, Client, Participant, TherapySession
    from reattune.checks.models import Response
    from reattune.clinics.models import Supervision, User
    from reattune.clinics.services import clinic_create
    from reattune.measures.models import MeasureSchedule
    from reattune.repairs.models import Repair, RepairVersion
    from reattune.supervision.models import SupervisionRequest

    now = timezone.now()
    clinic = clinic_create(name="Synthetic scale clinic (benchmark data)", slug="synthetic-scale")
    plan = make_plan(clinic.pk, clinicians, clients, sessions, timezone.localdate(), now)
    for measure, every in plan.schedule.items():
        MeasureSchedule.objects.filter(clinic=clinic, measure_id=measure).update(
            every_n_sessions=every
        )
    raised = Raised()
    timings: dict[str, tuple[int, float]] = {}
    with transaction.atomic(), connection.cursor() as django_cursor:
        cursor = django_cursor.cursor  # psycopg's own, for COPY
        cursor.execute("SET LOCAL session_replication_role = replica")  # no FK triggers
        cursor.execute("SET LOCAL synchronous_commit = off")

        def table(model: Any) -> Table:
            return Table(model, cursor, now)

        responses = table(Response)
        started = time.perf_counter()
        pools = make_pools(responses, plan.schedule)
        timings["answer pools (sealed)"] = (
            sum(len(v) for p in pools.values() for v in p.by_total.values()),
            time.perf_counter() - started,
        )
        steps: list[tuple[str, Any, Callable[[], Iterable[dict[str, Any]]]]] = [
            ("users", table(User), lambda: _users(plan)),
            ("supervisions", table(Supervision), lambda: _supervisions(plan)),
            ("clients", table(Client), lambda: _clients(plan)),
            ("cases", table(Case), lambda: _cases(plan)),
            ("case clinicians", table(CaseClinician), lambda: _case_clinicians(plan)),
            ("participants", table(Participant), lambda: _participants(plan)),
            ("sessions", table(TherapySession), lambda: _sessions(plan)),
            ("responses", responses, lambda: _responses(plan, pools, raised)),
            ("alerts", table(Alert), lambda: _alerts(plan, raised)),
            ("repairs", table(Repair), lambda: _repairs(plan, raised)),
            ("repair versions", table(RepairVersion), lambda: _repair_versions(plan, raised)),
            (
                "supervision requests",
                table(SupervisionRequest),
                lambda: _supervision_requests(plan),
            ),
        ]
        for label, target, rows in steps:
            started = time.perf_counter()
            count = target.write(rows())
            timings[label] = (count, time.perf_counter() - started)
            print(f"  {label:22} {count:>10,} rows  {timings[label][1]:7.1f} s", flush=True)
    started = time.perf_counter()
    with connection.cursor() as cursor:
        # VACUUM as well: it sets every page's visibility bit, without which the planner
        # prices index-only reads of freshly copied tables as if each row were fetched.
        cursor.execute("VACUUM ANALYZE")
    timings["analyze"] = (0, time.perf_counter() - started)
    return timings


def seal_cost(rows: int = 2000) -> float:
    """Seconds to seal one answer set, so the pool choice can be checked against per-row."""
    from django.db import connection

    from reattune.checks.models import Response
    from reattune.measures.registry import get_definition

    f = Response._meta.get_field("answers")
    rng = random.Random(1)  # noqa: S311 - synthetic data, not secrets
    answers = [typical_answers(get_definition("phq9"), rng) for _ in range(rows)]
    started = time.perf_counter()
    for a in answers:
        f.get_db_prep_save(a, connection)
    return (time.perf_counter() - started) / rows


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", required=True, help="a database name of your own")
    parser.add_argument("--size", choices=SIZES, default="small")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--user", default="postgres")
    parser.add_argument(
        "--data-dir", type=Path, default=Path(tempfile.gettempdir()) / "bench-scale-data"
    )
    args = parser.parse_args(argv)
    clinicians, clients, sessions = SIZES[args.size]
    started = time.perf_counter()
    recreate(args.database, args.host, args.user)
    django_setup(f"postgres://{args.user}@{args.host}:5432/{args.database}", args.data_dir)
    migrate()
    migrated = time.perf_counter() - started
    print(f"database {args.database} recreated and migrated in {migrated:.0f} s")
    print(
        f"synthetic clinic: {clinicians:,} clinicians, {clients:,} clients, {sessions:,} sessions"
    )
    per_row = seal_cost()
    timings = generate(clinicians, clients, sessions)
    responses = timings["responses"][0]
    total = time.perf_counter() - started
    print(
        f"sealing every answer set would add {per_row * responses:.0f} s "
        f"({per_row * 1e6:.0f} µs a row); the pool of "
        f"{timings['answer pools (sealed)'][0]} sealed sets took "
        f"{timings['answer pools (sealed)'][1]:.1f} s"
    )
    print(f"ANALYZE {timings['analyze'][1]:.0f} s")
    print(f"total {total / 60:.1f} min (target under 15 min for the big clinic)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
