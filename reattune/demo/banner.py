"""What `reattune demo` prints: the counts, the logins and, before serving, the banner."""

from __future__ import annotations

from django.db.models import Count
from django.urls import NoReverseMatch, reverse

from reattune.alerts.models import Alert, Severity
from reattune.cases.models import Case, Client, TherapySession
from reattune.checks.models import CheckLink, Response
from reattune.clinics.models import Clinic, Role, User
from reattune.demo.people import DEMO_PASSWORD, DEMO_SECOND_FACTOR_GRACE_DAYS, STAFF
from reattune.demo.seed import waiting_links

RULE = "=" * 78


def summary(clinic: Clinic) -> list[str]:
    cases = dict(
        Case.objects.filter(clinic=clinic).values_list("kind").annotate(n=Count("pk")).order_by()
    )
    open_alerts = Alert.objects.filter(clinic=clinic).open()
    return [
        f"{clinic.name}:",
        f"  {Client.objects.filter(clinic=clinic).count()} clients (pseudonyms), cases: "
        + ", ".join(f"{n} {kind}" for kind, n in sorted(cases.items())),
        f"  {TherapySession.objects.filter(case__clinic=clinic).count()} sessions, "
        f"{Response.objects.filter(clinic=clinic).count()} answered measures",
        f"  open alerts: {open_alerts.filter(severity=Severity.URGENT).count()} urgent (safety), "
        f"{open_alerts.filter(severity=Severity.WARNING).count()} needing attention",
        f"  {len(waiting_links(clinic))} check links sent and waiting for an answer",
    ]


def caseloads(clinic: Clinic) -> list[str]:
    people = (
        User.objects.filter(clinic=clinic, assignments__isnull=False)
        .annotate(caseload=Count("assignments", distinct=True))
        .order_by("full_name")
    )
    return ["Caseloads:"] + [f"  {p.full_name}: {p.caseload} cases" for p in people]


def logins() -> list[str]:
    lines = [
        f"Log in as any of these; the password for every account is: {DEMO_PASSWORD}",
        f"No second factor is asked for in the demo for {DEMO_SECOND_FACTOR_GRACE_DAYS} days; "
        "try one under 'Sign-in settings'.",
    ]
    for member in STAFF:
        note = f"  ({member.note})" if member.note else ""
        lines.append(f"  {Role(member.role).label:<13} {member.email:<22} {member.full_name}{note}")
    return lines


def check_page(link: CheckLink) -> str | None:
    """The client's page for this link, if the check pages are installed."""
    try:
        return reverse("check_form", args=[link.token])
    except NoReverseMatch:
        return None


def waiting(clinic: Clinic, address: str) -> list[str]:
    lines = ["Checks waiting for an answer (open one to see the client's side):"]
    for link in waiting_links(clinic):
        path = check_page(link)
        where = f"{address}{path}" if path else "(the check page is not installed yet)"
        lines.append(
            f"  {link.participant.client.code} after session {link.session.number}: {where}"
        )
    return lines


def banner(clinic: Clinic, address: str, notes: list[str]) -> str:
    lines = [
        RULE,
        "Reattune demo. ALL DATA IS SYNTHETIC: invented staff, pseudonymous clients, made-up",
        "scores and comments. Never enter real client data into the demo.",
        "",
        f"Open {address}/",
        "",
        *logins(),
        "",
        *waiting(clinic, address),
        "",
        "Repairs: see the Repairs page; helen@demo.example has the supervision queue.",
        "Emails (check links, urgent alerts) are printed here in the console, not sent.",
        *notes,
        "Stop the server with Ctrl+C; run `reattune demo --reset` to start afresh.",
        RULE,
    ]
    return "\n".join(lines)
