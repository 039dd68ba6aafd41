"""Requirement 4: while a grant is active every page scoped through `visible_case_ids` opens
the client; the first request after it expires, ends or is revoked is a 404. A banner says so
on every page meanwhile."""

from __future__ import annotations

from django.urls import reverse

from reattune.audit.models import Action, AuditEvent
from reattune.breakglass.models import Grant, Status
from reattune.cases.models import Case, Client
from reattune.clinics.access import visible_case_ids
from tests.breakglass.helpers import URL, client_of, expire, form, grant_for
from tests.factories import ClinicWorld


def detail(client: Client) -> str:
    return reverse("client_detail", args=[client.pk])


def test_the_client_opens_during_the_grant_and_is_404_the_moment_it_expires(
    world: ClinicWorld, login
) -> None:
    """Requirement 4: the time limit holds on the very next request."""
    target = client_of(world.colleague_case)
    http = login(world.clinician)
    assert http.get(detail(target)).status_code == 404
    assert http.post(URL, form(target)).status_code == 302
    assert http.get(detail(target)).status_code == 200
    assert http.get(reverse("case_detail", args=[world.colleague_case.pk])).status_code == 200
    expire(Grant.objects.get())
    assert http.get(detail(target)).status_code == 404
    assert http.get(reverse("case_detail", args=[world.colleague_case.pk])).status_code == 404


def test_visible_case_ids_adds_only_the_granted_clients_cases(world: ClinicWorld) -> None:
    before = set(Case.objects.filter(pk__in=visible_case_ids(world.clinician)))
    grant_for(world.clinician, client_of(world.colleague_case))
    after = set(Case.objects.filter(pk__in=visible_case_ids(world.clinician)))
    assert after - before == {world.colleague_case}


def test_a_grant_is_the_persons_alone_not_their_supervisors(world: ClinicWorld) -> None:
    grant_for(world.trainee, client_of(world.colleague_case))
    assert world.colleague_case not in Case.objects.filter(
        pk__in=visible_case_ids(world.supervisor)
    )


def test_a_grant_to_a_deactivated_person_gives_nothing(world: ClinicWorld) -> None:
    grant_for(world.clinician, client_of(world.colleague_case))
    world.clinician.is_active = False
    world.clinician.save()
    assert not Case.objects.filter(pk__in=visible_case_ids(world.clinician)).exists()


def test_the_person_can_end_it_early(world: ClinicWorld, login) -> None:
    """Requirement 4: "I'm done" ends the access at once."""
    target = client_of(world.colleague_case)
    grant = grant_for(world.clinician, target)
    http = login(world.clinician)
    assert http.get(detail(target)).status_code == 200
    response = http.post(reverse("breakglass_end", args=[grant.pk]))
    assert response.status_code == 302
    grant.refresh_from_db()
    assert grant.status() == Status.ENDED
    assert http.get(detail(target)).status_code == 404


def test_ending_is_a_post_and_only_the_persons_own(
    world: ClinicWorld, other_world: ClinicWorld, login
) -> None:
    grant = grant_for(world.clinician, client_of(world.colleague_case))
    foreign = grant_for(other_world.clinician, client_of(other_world.colleague_case))
    assert login(world.clinician).get(reverse("breakglass_end", args=[grant.pk])).status_code == 405
    assert login(world.trainee).post(reverse("breakglass_end", args=[grant.pk])).status_code == 404
    assert login(world.admin).post(reverse("breakglass_end", args=[grant.pk])).status_code == 404
    assert (
        login(world.clinician).post(reverse("breakglass_end", args=[foreign.pk])).status_code == 404
    )
    grant.refresh_from_db()
    foreign.refresh_from_db()
    assert grant.is_active and foreign.is_active


def test_a_banner_shows_on_every_page_while_the_grant_is_active(
    world: ClinicWorld, login, settings
) -> None:
    """Requirement 4: the person is reminded that every page they open is recorded."""
    settings.TIME_ZONE = "UTC"
    target = client_of(world.colleague_case)
    grant = grant_for(world.clinician, target)
    http = login(world.clinician)
    until = f"{grant.expires_at:%H:%M}"
    for page in (reverse("home"), reverse("repair_list"), detail(target)):
        html = http.get(page).content.decode()
        assert "break-glass-banner" in html
        assert f"Emergency access to {target.code} until {until}" in html
        assert "every page you open is recorded" in html
        assert reverse("breakglass_end", args=[grant.pk]) in html
    expire(grant)
    assert "break-glass-banner" not in http.get(reverse("home")).content.decode()


def test_nobody_else_sees_the_banner(world: ClinicWorld, login) -> None:
    grant_for(world.clinician, client_of(world.colleague_case))
    for person in (world.colleague, world.admin, world.supervisor):
        assert "break-glass-banner" not in login(person).get(reverse("home")).content.decode()


def test_the_caseload_page_offers_emergency_access_to_caseload_holders_only(
    world: ClinicWorld, login
) -> None:
    assert URL in login(world.clinician).get(reverse("home")).content.decode()
    assert f'href="{URL}"' not in login(world.admin).get(reverse("home")).content.decode()


def test_every_page_opened_under_the_grant_is_recorded_and_flagged(
    world: ClinicWorld, login
) -> None:
    """Requirement 4: what the banner promises, through the audit middleware."""
    target = client_of(world.colleague_case)
    grant_for(world.clinician, target)
    assert login(world.clinician).get(detail(target)).status_code == 200
    assert AuditEvent.objects.filter(
        user_id=world.clinician.pk, client_id=target.pk, action=Action.READ, flagged=True
    ).exists()
