"""`reattune demo`: the synthetic demo clinic it seeds, and how it serves it.

Seeding takes seconds, so it runs once for the module, committed (the alerts are raised on
commit, as in real use), and is deleted again afterwards. Each test runs in a transaction that is
rolled back, so none can change what the next one sees.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count
from django.utils import timezone

from reattune.alerts.models import Alert, AlertStatus, Severity
from reattune.cases.models import Attendance, Case, CaseKind, Client, TherapySession
from reattune.checks.models import CheckLink, Response
from reattune.checks.services import check_answers_clean, check_response_submit, open_link
from reattune.clinics.models import Clinic, Role, Supervision, User
from reattune.demo import banner
from reattune.demo.management.commands import demo as demo_command
from reattune.demo.people import DEMO_PASSWORD, STAFF
from reattune.demo.reset import clinic_delete_everything
from reattune.demo.seed import waiting_links
from reattune.demo.stories import RUPTURE_COMMENTS
from tests.checks.helpers import full_check
from tests.factories import make_clinic


@pytest.fixture(scope="module")
def demo(django_db_setup: None, django_db_blocker: Any) -> Iterator[Clinic]:
    with django_db_blocker.unblock():
        call_command("demo", "--no-serve", verbosity=0)
        clinic = Clinic.objects.get(slug="demo")
        yield clinic
        clinic_delete_everything(clinic)


def _counts(clinic: Clinic) -> dict[str, int]:
    return {
        "clinics": Clinic.objects.count(),
        "people": User.objects.filter(clinic=clinic).count(),
        "clients": Client.objects.filter(clinic=clinic).count(),
        "cases": Case.objects.filter(clinic=clinic).count(),
        "sessions": TherapySession.objects.filter(case__clinic=clinic).count(),
        "links": CheckLink.objects.filter(clinic=clinic).count(),
        "responses": Response.objects.filter(clinic=clinic).count(),
        "alerts": Alert.objects.filter(clinic=clinic).count(),
    }


def _open(clinic: Clinic, severity: str) -> Any:
    return Alert.objects.filter(clinic=clinic, severity=severity, status=AlertStatus.OPEN)


pytestmark = pytest.mark.django_db


def test_it_says_the_clinic_is_synthetic(demo: Clinic) -> None:
    assert "synthetic" in demo.name.lower()


def test_it_seeds_an_admin_two_supervisors_and_six_clinicians_and_trainees(demo: Clinic) -> None:
    roles = dict(
        User.objects.filter(clinic=demo).values_list("role").annotate(n=Count("pk")).order_by()
    )
    assert roles == {Role.ADMIN: 1, Role.SUPERVISOR: 2, Role.CLINICIAN: 4, Role.TRAINEE: 2}


def test_every_demo_login_works_with_the_printed_password(demo: Clinic) -> None:
    for member in STAFF:
        assert User.objects.get(email=member.email).check_password(DEMO_PASSWORD)


def test_each_trainee_is_supervised_and_one_clinician_is_in_consultation(demo: Clinic) -> None:
    links = Supervision.objects.active().filter(clinic=demo)
    for trainee in User.objects.filter(clinic=demo, role=Role.TRAINEE):
        assert links.filter(supervisee=trainee, supervisor__role=Role.SUPERVISOR).exists()
    assert links.filter(supervisee__role=Role.CLINICIAN).count() == 1


def test_it_seeds_sixty_pseudonymous_clients_over_all_six_caseloads(demo: Clinic) -> None:
    clients = Client.objects.filter(clinic=demo)
    assert clients.count() == 60
    assert all(c.code.startswith("DEMO-") and c.name for c in clients)
    assert all(c.email.endswith(".example") for c in clients)
    carrying = User.objects.filter(clinic=demo, assignments__isnull=False).distinct()
    assert set(carrying.values_list("role", flat=True)) == {Role.CLINICIAN, Role.TRAINEE}
    assert carrying.count() == 6


def test_every_client_has_a_case_and_there_is_a_couple_and_a_family(demo: Clinic) -> None:
    kinds = dict(
        Case.objects.filter(clinic=demo).values_list("kind").annotate(n=Count("pk")).order_by()
    )
    assert kinds == {CaseKind.INDIVIDUAL: 55, CaseKind.COUPLE: 1, CaseKind.FAMILY: 1}
    assert not Client.objects.filter(clinic=demo, participations__isnull=True).exists()


def test_each_case_has_three_to_sixteen_weekly_sessions_ending_near_today(demo: Clinic) -> None:
    today = timezone.localdate()
    for case in Case.objects.filter(clinic=demo).prefetch_related("sessions"):
        dates = [s.date for s in case.sessions.all()]
        assert 3 <= len(dates) <= 16
        assert all(b - a == dt.timedelta(weeks=1) for a, b in itertools.pairwise(dates))
        assert today - dt.timedelta(days=6) <= dates[-1] <= today
    attendance = set(
        TherapySession.objects.filter(case__clinic=demo).values_list("attendance", flat=True)
    )
    assert {Attendance.CANCELLED, Attendance.NO_SHOW} <= attendance


def test_answers_are_dated_to_the_evening_of_their_session(demo: Clinic) -> None:
    for response in Response.objects.filter(clinic=demo).select_related("session")[:200]:
        assert timezone.localtime(response.submitted_at).date() == response.session.date


def test_each_partner_in_the_couple_rates_and_only_one_drops_after_session_four(
    demo: Clinic,
) -> None:
    couple = Case.objects.get(clinic=demo, kind=CaseKind.COUPLE)
    partners = list(couple.participants.order_by("pk"))
    assert len(partners) == 2
    steady, pushed = (
        list(
            Response.objects.filter(participant=p, measure_id="alliance")
            .order_by("session__number")
            .values_list("session__number", "total")
        )
        for p in partners
    )
    assert len(steady) == len(pushed) >= 6
    assert min(total for _, total in steady) >= 32
    assert all(total >= 32 for n, total in pushed if n <= 4)
    assert all(total <= 27 for n, total in pushed if n > 4)


def test_the_family_case_has_every_member_rating_separately(demo: Clinic) -> None:
    family = Case.objects.get(clinic=demo, kind=CaseKind.FAMILY)
    raters = Response.objects.filter(session__case=family, measure_id="alliance")
    assert raters.values("participant").distinct().count() == 3


def test_there_are_two_or_three_recent_open_urgent_safety_alerts(demo: Clinic) -> None:
    urgent = _open(demo, Severity.URGENT)
    assert 2 <= urgent.count() <= 3
    assert set(urgent.values_list("signal", flat=True)) == {"safety"}
    week_ago = timezone.localdate() - dt.timedelta(days=7)
    assert all(a.session.date >= week_ago for a in urgent)


def test_there_are_open_rupture_alerts_with_the_clients_own_words(demo: Clinic) -> None:
    ruptures = _open(demo, Severity.WARNING).filter(signal="alliance_rupture")
    assert ruptures.count() >= 10
    said = [a.explanation for a in ruptures]
    assert any(comment in text for comment in RUPTURE_COMMENTS for text in said)


def test_some_clients_deteriorate_by_six_or_more_on_phq9(demo: Clinic) -> None:
    rises = 0
    for client in Client.objects.filter(clinic=demo):
        totals = list(
            client.responses.filter(measure_id="phq9")
            .order_by("session__number")
            .values_list("total", flat=True)
        )
        rises += len(totals) > 1 and totals[-1] - totals[0] >= 6
    assert rises >= 3


def test_some_clients_rate_at_the_ceiling_and_some_steadily_low(demo: Clinic) -> None:
    ceiling = low = 0
    for client in Client.objects.filter(clinic=demo):
        totals = list(
            client.responses.filter(measure_id="alliance").values_list("total", flat=True)
        )
        ceiling += sum(t >= 39 for t in totals) == len(totals) - 1
        low += all(22 <= t <= 26 for t in totals)
    assert ceiling >= 3
    assert low >= 3


def test_a_visitor_can_answer_one_of_the_waiting_check_links(demo: Clinic) -> None:
    waiting = waiting_links(demo)
    assert 1 <= len(waiting) <= 5
    link = open_link(waiting[0].token)
    stored = check_response_submit(link=link, cleaned=check_answers_clean(link, full_check()))
    assert {r.measure_id for r in stored} == {"alliance", "phq9", "gad7"}


def test_running_it_twice_leaves_the_counts_unchanged(demo: Clinic) -> None:
    before = _counts(demo)
    call_command("demo", "--no-serve", verbosity=0)
    assert _counts(demo) == before


def test_reset_deletes_the_demo_clinic_and_seeds_it_afresh(
    demo: Clinic, django_capture_on_commit_callbacks: Any
) -> None:
    before = _counts(demo)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("demo", "--no-serve", "--reset", verbosity=0)
    fresh = Clinic.objects.get(slug="demo")
    assert fresh.pk != demo.pk
    assert _counts(fresh) == before


def test_it_refuses_a_database_that_holds_another_clinic(demo: Clinic) -> None:
    make_clinic("Harbour Street Clinic")
    with pytest.raises(CommandError, match="only runs on a database of its own"):
        call_command("demo", "--no-serve", verbosity=0)


def test_the_banner_says_synthetic_and_lists_every_login(demo: Clinic) -> None:
    text = banner.banner(demo, "http://127.0.0.1:8000", [])
    assert "SYNTHETIC" in text
    assert "http://127.0.0.1:8000/" in text
    assert DEMO_PASSWORD in text
    assert all(member.email in text for member in STAFF)


def test_it_serves_with_the_reloader_off_and_allows_the_host_it_serves(
    demo: Clinic, settings: Any, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.BASE_URL = ""
    served: list[tuple[tuple[Any, ...], dict[str, Any]]] = []

    def fake_call_command(name: str, *args: Any, **options: Any) -> None:
        if name == "runserver":
            served.append((args, options))
        else:
            call_command(name, *args, **options)

    monkeypatch.setattr(demo_command, "call_command", fake_call_command)
    call_command("demo", "--host", "127.0.0.2", "--port", "8765")
    assert served == [(("127.0.0.2:8765",), {"use_reloader": False, "use_ipv6": False})]
    assert "127.0.0.2" in settings.ALLOWED_HOSTS
    assert settings.EMAIL_BACKEND.endswith("console.EmailBackend")
    assert settings.BASE_URL == "http://127.0.0.2:8765"
    out = capsys.readouterr().out
    assert "Open http://127.0.0.2:8765/" in out
    assert "SYNTHETIC" in out


def test_at_verbosity_two_it_also_lists_each_caseload(demo: Clinic) -> None:
    out = io.StringIO()
    call_command("demo", "--no-serve", verbosity=2, stdout=out)
    assert "Reusing the demo clinic" in out.getvalue()
    assert "Nia Campbell: 9 cases" in out.getvalue()


def test_at_verbosity_zero_it_prints_nothing(demo: Clinic) -> None:
    out = io.StringIO()
    call_command("demo", "--no-serve", verbosity=0, stdout=out)
    assert out.getvalue() == ""
