"""Evidence for docs/scale.md: fill a scratch PostgreSQL database with generated rows in 20
clinics, then print the plan PostgreSQL chooses for each list page's clinic-scoped query.

Not a test (the planner's choice depends on the data and the machine); run it by hand against
an empty, migrated database of your own:

    REATTUNE_DATABASE_URL=postgres://postgres@127.0.0.1:5432/hs_explain \\
        .venv/bin/python -m django migrate --settings=reattune.settings
    REATTUNE_DATABASE_URL=postgres://postgres@127.0.0.1:5432/hs_explain \\
        .venv/bin/python -m tests.scale.explain_plans

The rows are made by SQL (generate_series), not the services: only their shape matters here,
and the text columns hold placeholders, never ciphertext anyone reads.
"""

from __future__ import annotations

import os
import re
import sys
import time
from collections.abc import Callable
from typing import Any

CLINICS = 20
SIZES = {
    "users": 2_000,
    "clients": 100_000,
    "sessions": 1_000_000,
    "responses": 500_000,
    "alerts": 200_000,
    "repairs": 50_000,
    "obligations": 150_000,
    "requests": 50_000,
    "meetings": 50_000,
    "hours": 200_000,
    "ratings": 100_000,
    "reflections": 50_000,
    "goals": 50_000,
    "audit": 500_000,
}

# Every row's clinic is 1 + (its number mod 20); people are numbered 0..1999 so that person
# ((n / 20) % 100) * 20 + n % 20 is in the same clinic as row n.
PERSON = "(((g / 20) % 100) * 20 + g % 20)"
OTHER_PERSON = "((((g / 20) + 1) % 100) * 20 + g % 20)"
CLINIC = "(1 + g % 20)"
FILL = f"""
INSERT INTO clinics_clinic (id, name, slug, created_at)
  SELECT g, 'Clinic ' || g, 'clinic-' || g, now() FROM generate_series(1, {CLINICS}) g;
INSERT INTO clinics_user (id, password, is_superuser, email, full_name, role, is_active,
    is_staff, date_joined, second_factor_due, clinic_id)
  SELECT g, '!', false, 'p' || g || '@example.test', 'Person ' || g, 'clinician', true, false,
    now(), now(), {CLINIC} FROM generate_series(0, {SIZES["users"]} - 1) g;
INSERT INTO cases_client (id, code, name, email, created_at, clinic_id)
  SELECT g, 'C' || g, '', '', now(), {CLINIC} FROM generate_series(1, {SIZES["clients"]}) g;
INSERT INTO cases_case (id, kind, title, opened_on, closed_on, created_at, clinic_id)
  SELECT g, 'individual', '', date '2024-01-01' + g % 600,
    CASE WHEN g % 2 = 0 THEN date '2024-01-01' + g % 600 + 90 END, now(), {CLINIC}
  FROM generate_series(1, {SIZES["clients"]}) g;
INSERT INTO cases_caseclinician (id, assigned_at, case_id, clinician_id, clinic_id)
  SELECT g, now(), g, {PERSON}, {CLINIC} FROM generate_series(1, {SIZES["clients"]}) g;
INSERT INTO cases_participant (id, label, case_id, client_id, clinic_id)
  SELECT g, '', g, g, {CLINIC} FROM generate_series(1, {SIZES["clients"]}) g;
INSERT INTO cases_therapysession (id, number, date, attendance, created_at, case_id, clinic_id)
  SELECT s, (s - 1) / {SIZES["clients"]} + 1, date '2024-01-01' + s % 700, 'attended', now(),
    1 + (s - 1) % {SIZES["clients"]}, 1 + (1 + (s - 1) % {SIZES["clients"]}) % 20
  FROM generate_series(1, {SIZES["sessions"]}) s;
INSERT INTO checks_response (id, measure_id, measure_version, answers, total, subscales,
    submitted_at, client_id, clinic_id, participant_id, session_id, source)
  SELECT s, CASE WHEN s % 2 = 0 THEN 'phq9' ELSE 'alliance' END, '1', '-', s % 27, '{{}}',
    timestamptz '2024-01-01' + (s % 700) * interval '1 day',
    1 + (s - 1) % {SIZES["clients"]}, 1 + (1 + (s - 1) % {SIZES["clients"]}) % 20,
    1 + (s - 1) % {SIZES["clients"]}, s, 'import'
  FROM generate_series(1, {SIZES["responses"]}) s;
INSERT INTO alerts_alert (id, signal, measure_id, severity, title, explanation, next_step, rule,
    status, created_at, case_id, client_id, clinic_id, participant_id, session_id, dismiss_reason)
  SELECT g, 'decline', 'phq9', (ARRAY['urgent', 'warning', 'info'])[1 + g % 3], 'Alert', '-',
    '', '-', CASE WHEN g % 10 < 2 THEN 'open' ELSE 'acknowledged' END,
    timestamptz '2024-01-01' + (g % 700) * interval '1 day',
    1 + (5 * g - 5 + g % 5) % {SIZES["clients"]}, 1 + (5 * g - 5 + g % 5) % {SIZES["clients"]},
    1 + (1 + (5 * g - 5 + g % 5) % {SIZES["clients"]}) % 20,
    1 + (5 * g - 5 + g % 5) % {SIZES["clients"]}, 5 * g - 4 + g % 5, ''
  FROM generate_series(1, {SIZES["alerts"]}) g;
INSERT INTO repairs_repair (id, source, opened_at, discovered_on, kind, harm, status,
    verify_after, close_reason, case_id, client_id, clinic_id, opened_by_id, participant_id)
  SELECT g, 'clinician', timestamptz '2024-01-01' + (g % 700) * interval '1 day',
    date '2024-01-01' + g % 700, 'other', 'none',
    (ARRAY['open', 'not_held', 'held', 'closed'])[1 + (g / 20) % 4], 1, '', g, g, {CLINIC},
    {PERSON}, g
  FROM generate_series(1, {SIZES["repairs"]}) g;
INSERT INTO repairs_obligation (id, code_id, code_title, key, standard, what, who, written,
    due_on, done_note, repair_id, clinic_id, done_at, done_by_id)
  SELECT g, 'bacp', 'BACP', 'k' || g, 's', '-', 'clinician', false, date '2024-01-01' + g % 700,
    '', 1 + (g - 1) % {SIZES["repairs"]}, 1 + (1 + (g - 1) % {SIZES["repairs"]}) % 20,
    CASE WHEN g % 3 <> 0 THEN now() END,
    CASE WHEN g % 3 <> 0 THEN (((1 + (g - 1) % {SIZES["repairs"]}) / 20) % 100) * 20
      + (1 + (g - 1) % {SIZES["repairs"]}) % 20 END
  FROM generate_series(1, {SIZES["obligations"]}) g;
INSERT INTO supervision_meeting (id, held_on, status, created_at, form_key, clinic_id,
    created_by_id, supervisee_id, supervisor_id)
  SELECT g, date '2024-01-01' + g % 700, 'draft', now(), gen_random_uuid(), {CLINIC},
    {OTHER_PERSON}, {PERSON}, {OTHER_PERSON}
  FROM generate_series(1, {SIZES["meetings"]}) g;
INSERT INTO supervision_supervisionrequest (id, note, created_at, by_id, clinic_id, client_id,
    resolved_by_meeting_id)
  SELECT g, '-', timestamptz '2024-01-01' + (g % 700) * interval '1 day', {PERSON}, {CLINIC}, g,
    CASE WHEN (g / 20) % 4 <> 0 THEN g END
  FROM generate_series(1, {SIZES["requests"]}) g;
INSERT INTO supervision_hoursentry (id, "on", kind, hours, note, recorded_at, form_key,
    clinic_id, person_id, recorded_by_id)
  SELECT g, date '2024-01-01' + g % 700, 'direct_contact', 1, '', now(), gen_random_uuid(),
    {CLINIC}, {PERSON}, {PERSON} FROM generate_series(1, {SIZES["hours"]}) g;
INSERT INTO learning_competency (id, key, title, description, position, active, clinic_id)
  SELECT g, 'k' || g, 'Competency', '', g, true, {CLINIC} FROM generate_series(1, 200) g;
INSERT INTO learning_competencyrating (id, rated_on, level, evidence, recorded_at, clinic_id,
    competency_id, person_id, rated_by_id)
  SELECT g, date '2024-01-01' + g % 700, 3, '-', now(), {CLINIC}, ((g % 9) + 1) * 20 + g % 20,
    {PERSON}, {OTHER_PERSON} FROM generate_series(1, {SIZES["ratings"]}) g;
INSERT INTO learning_reflection (id, created_at, prompt, text, about, clinic_id, person_id)
  SELECT g, timestamptz '2024-01-01' + (g % 700) * interval '1 day', 'noticed', '-', '',
    {CLINIC}, {PERSON} FROM generate_series(1, {SIZES["reflections"]}) g;
INSERT INTO learning_learninggoal (id, title, why, practice_plan, review_on, status,
    created_at, clinic_id, person_id)
  SELECT g, '-', '-', '-', date '2024-01-01' + g % 700,
    CASE WHEN g % 3 = 0 THEN 'achieved' ELSE 'active' END, now(), {CLINIC}, {PERSON}
  FROM generate_series(1, {SIZES["goals"]}) g;
INSERT INTO audit_auditevent (id, seq, at, user_id, user_label, clinic_id, client_id,
    category, action, outcome, request_id, target, flagged, prev_hash, row_hash)
  SELECT g, g, timestamptz '2024-01-01' + g * interval '1 minute', {PERSON}, '', {CLINIC},
    1 + g % {SIZES["clients"]}, 'client', 'read', 'ok', '', 'client_detail', false,
    md5((g - 1)::text), md5(g::text)
  FROM generate_series(1, {SIZES["audit"]}) g;
"""


def _queries() -> dict[str, Callable[[], Any]]:
    """Each list page's main query, as the page filters it by clinic (clinic 7, person 146)."""
    from django.db.models import Count

    from reattune.alerts.models import Alert
    from reattune.audit.models import AuditEvent
    from reattune.cases.models import Case, CaseClinician, Client, Participant, TherapySession
    from reattune.checks.models import Response
    from reattune.clinics.models import User
    from reattune.learning.models import CompetencyRating, LearningGoal, Reflection
    from reattune.repairs.models import OPEN_STATUSES, Obligation, Repair
    from reattune.supervision.models import HoursEntry, Meeting, SupervisionRequest

    clinic, person, client = 7, 146, 146  # person 146 and client 146 are in clinic 7
    return {
        "clients list (by code)": lambda: Client.objects.filter(clinic_id=clinic).order_by("code")[
            :50
        ],
        "caseload: a clinician's cases": lambda: CaseClinician.objects.filter(
            clinic_id=clinic, clinician_id=person
        ).values("case_id"),
        "open cases, newest first": lambda: Case.objects.filter(
            clinic_id=clinic, closed_on__isnull=True
        ).order_by("-opened_on")[:50],
        "a client's cases": lambda: Participant.objects.filter(
            clinic_id=clinic, client_id=client
        ).values("case_id"),
        "a case's sessions, newest first": lambda: TherapySession.objects.filter(
            clinic_id=clinic, case_id=client
        ).order_by("-date")[:50],
        "latest answer of a measure": lambda: Response.objects.filter(
            clinic_id=clinic, client_id=client, measure_id="phq9"
        ).order_by("-submitted_at")[:1],
        "open alerts, newest first": lambda: Alert.objects.filter(
            clinic_id=clinic, status="open"
        ).order_by("-created_at")[:100],
        "open repairs, newest first": lambda: Repair.objects.filter(
            clinic_id=clinic, status__in=OPEN_STATUSES
        ).order_by("-opened_at")[:200],
        "all repairs, newest first": lambda: Repair.objects.filter(clinic_id=clinic).order_by(
            "-opened_at"
        )[:200],
        "obligations outstanding, by due date": lambda: Obligation.objects.filter(
            clinic_id=clinic, done_at__isnull=True
        ).order_by("due_on")[:50],
        "supervision requests unresolved": lambda: SupervisionRequest.objects.filter(
            clinic_id=clinic, resolved_by_meeting__isnull=True
        ).order_by("-created_at")[:50],
        "a supervisee's meetings": lambda: Meeting.objects.filter(
            clinic_id=clinic, supervisee_id=person
        ).order_by("-held_on")[:50],
        "a person's hours": lambda: HoursEntry.objects.filter(
            clinic_id=clinic, person_id=person
        ).order_by("-on")[:300],
        "a person's competency ratings": lambda: CompetencyRating.objects.filter(
            clinic_id=clinic, person_id=person
        ).order_by("rated_on"),
        "a person's reflections": lambda: Reflection.objects.filter(
            clinic_id=clinic, person_id=person
        ).order_by("-created_at")[:50],
        "a person's active goals": lambda: LearningGoal.objects.filter(
            clinic_id=clinic, person_id=person, status="active"
        ).order_by("review_on"),
        "audit log, newest first": lambda: AuditEvent.objects.for_clinic(clinic).order_by("-seq")[
            :50
        ],
        "audit log of one client": lambda: (
            AuditEvent.objects.for_clinic(clinic).filter(client_id=client).order_by("-seq")[:50]
        ),
        "audit log of one person": lambda: (
            AuditEvent.objects.for_clinic(clinic).filter(user_id=person).order_by("-seq")[:50]
        ),
        "caseload: open alerts grouped by client": lambda: (
            Alert.objects.filter(clinic_id=clinic, status="open", client_id__in=range(7, 2000, 20))
            .values("client_id")
            .annotate(n=Count("pk"))
        ),
        "a client's alerts": lambda: Alert.objects.filter(clinic_id=clinic, client_id=client),
        "a client's repairs": lambda: Repair.objects.filter(
            clinic_id=clinic, client_id=client
        ).order_by("-opened_at"),
        "people page": lambda: User.objects.filter(clinic_id=clinic).order_by(
            "-is_active", "full_name"
        )[:50],
    }


def _plan_summary(plan: str) -> str:
    """The access paths of a plan: which index (or a sequential scan) on which table."""
    found = re.findall(
        r"((?:Index Only Scan|Index Scan|Bitmap Index Scan|Seq Scan)(?: Backward)?"
        r"(?: using \w+)?(?: on \w+)?)",
        plan,
    )
    timing = re.search(r"Execution Time: ([\d.]+) ms", plan)
    return "; ".join(dict.fromkeys(found)) + (f" ({timing.group(1)} ms)" if timing else "")


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reattune.settings")
    import django

    django.setup()
    from django.db import connection

    if connection.vendor != "postgresql":
        sys.exit("Set REATTUNE_DATABASE_URL to a scratch PostgreSQL database.")
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM clinics_clinic")
        if cursor.fetchone()[0] == 0:
            started = time.monotonic()
            cursor.execute(FILL)
            cursor.execute("ANALYZE")
            print(f"filled in {time.monotonic() - started:.0f} s")
    for name, query in _queries().items():
        plan = query().explain(analyze=True)
        print(f"{name}: {_plan_summary(plan)}")
        if "-v" in sys.argv:
            print(plan, end="\n\n")


if __name__ == "__main__":
    main()
