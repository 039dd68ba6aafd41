"""Requirement 4: every break-glass request writes a flagged audit row, granted or refused;
ending and revoking are audited too. The rows name ids and events, never the reason."""

from __future__ import annotations

from django.urls import reverse

from reattune.audit.models import Action, AuditEvent, Category, Outcome
from reattune.breakglass.models import Grant
from tests.breakglass.helpers import REASON, URL, authenticator_for, client_of, form, grant_for
from tests.factories import ClinicWorld


def break_glass_rows() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=Action.BREAK_GLASS).order_by("seq"))


def denied_rows() -> list[AuditEvent]:
    return [row for row in break_glass_rows() if row.outcome == Outcome.DENIED]


def test_a_grant_writes_a_flagged_audit_row(world: ClinicWorld, login) -> None:
    """Requirement 4: a flagged audit row naming the person, the client and the clinic. (The
    audit middleware also writes its own row for the request.)"""
    target = client_of(world.colleague_case)
    assert login(world.clinician).post(URL, form(target)).status_code == 302
    assert AuditEvent.objects.filter(
        category=Category.CLIENT,
        action=Action.BREAK_GLASS,
        outcome=Outcome.OK,
        flagged=True,
        user_id=world.clinician.pk,
        client_id=target.pk,
        clinic_id=world.clinic.pk,
        target="breakglass_request",
    ).exists()
    assert denied_rows() == []
    everything = [str(getattr(r, f.attname)) for r in break_glass_rows() for f in r._meta.fields]
    assert REASON[:20] not in " ".join(everything)


def test_a_wrong_password_writes_a_flagged_denied_row(world: ClinicWorld, login) -> None:
    """Requirement 4: a refused attempt is flagged too."""
    login(world.clinician).post(URL, form(client_of(world.colleague_case), password="wrong"))
    [row] = denied_rows()
    assert (row.outcome, row.flagged, row.user_id) == (Outcome.DENIED, True, world.clinician.pk)
    assert row.client_id is None


def test_a_wrong_code_writes_a_flagged_denied_row(world: ClinicWorld, login) -> None:
    authenticator_for(world.clinician)
    login(world.clinician).post(URL, form(client_of(world.colleague_case), otp_code="000000"))
    [row] = denied_rows()
    assert (row.outcome, row.flagged) == (Outcome.DENIED, True)


def test_another_clinics_code_writes_a_denied_row_naming_no_client(
    world: ClinicWorld, other_world: ClinicWorld, login
) -> None:
    """Requirement 2 and 4: denied, audited, and nothing about the other clinic's client."""
    login(world.clinician).post(URL, form(client_of(other_world.case)))
    [row] = denied_rows()
    assert (row.outcome, row.flagged, row.client_id) == (Outcome.DENIED, True, None)
    assert row.clinic_id == world.clinic.pk
    assert not Grant.objects.exists()


def test_ending_and_revoking_are_audited(world: ClinicWorld, login) -> None:
    ended = grant_for(world.clinician, client_of(world.colleague_case))
    revoked = grant_for(world.trainee, client_of(world.case))
    login(world.clinician).post(reverse("breakglass_end", args=[ended.pk]))
    login(world.admin).post(reverse("breakglass_revoke", args=[revoked.pk]))
    targets = {(r.target, r.user_id, r.client_id) for r in break_glass_rows()}
    assert ("breakglass_end", world.clinician.pk, ended.client_id) in targets
    assert ("breakglass_revoke", world.admin.pk, revoked.client_id) in targets


def test_pages_open_only_through_a_grant_are_flagged_even_for_a_partner(
    world: ClinicWorld, login
) -> None:
    """Requirement 4: a grant for one partner of a couple also opens the couple's case and the
    other partner's page; every such read is flagged, while the person's own clients are not."""
    from tests.audit.helpers import request_rows
    from tests.factories import make_case

    couple = make_case(world.colleague, kind="couple")
    first, second = (p.client for p in couple.participants.order_by("pk"))
    grant_for(world.clinician, first)
    http = login(world.clinician)
    own = world.case.participants.get().client_id
    for url in (
        reverse("client_detail", args=[first.pk]),
        reverse("client_detail", args=[second.pk]),
        reverse("case_detail", args=[couple.pk]),
    ):
        response = http.get(url)
        assert response.status_code == 200, url
        (row,) = request_rows(response)
        assert row.flagged, url
    (own_row,) = request_rows(http.get(reverse("client_detail", args=[own])))
    assert not own_row.flagged
