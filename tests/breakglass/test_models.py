"""The grant's own rules: its reason is encrypted at rest (Requirement 16), a grant cannot end
before it starts, and it is ended or revoked, never both."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction

from reattune.breakglass.models import Grant, Status
from tests.breakglass.helpers import REASON, client_of, expire, grant_for
from tests.factories import ClinicWorld


def test_the_reason_is_ciphertext_in_the_database(world: ClinicWorld) -> None:
    grant = grant_for(world.clinician, client_of(world.colleague_case))
    with connection.cursor() as cursor:
        table = connection.ops.quote_name(Grant._meta.db_table)
        cursor.execute(f"SELECT reason FROM {table} WHERE id = %s", [grant.pk])
        [raw] = cursor.fetchone()
    assert REASON[:20] not in raw
    assert Grant.objects.get(pk=grant.pk).reason == REASON


def test_a_grant_must_expire_after_it_is_granted(world: ClinicWorld) -> None:
    grant = grant_for(world.clinician, client_of(world.colleague_case))
    with pytest.raises(IntegrityError), transaction.atomic():
        Grant.objects.filter(pk=grant.pk).update(expires_at=grant.granted_at)


def test_a_grant_is_ended_or_revoked_not_both(world: ClinicWorld) -> None:
    grant = grant_for(world.clinician, client_of(world.colleague_case))
    with pytest.raises(IntegrityError), transaction.atomic():
        Grant.objects.filter(pk=grant.pk).update(
            ended_at=grant.granted_at, revoked_at=grant.granted_at, revoked_by=world.admin
        )


def test_status_reads_as_a_person_would_say_it(world: ClinicWorld) -> None:
    grant = grant_for(world.clinician, client_of(world.colleague_case))
    assert grant.status() == Status.ACTIVE
    assert grant.status(at=grant.expires_at + dt.timedelta(seconds=1)) == Status.EXPIRED
    expire(grant)
    grant.refresh_from_db()
    assert not grant.is_active
    assert grant not in Grant.objects.active()
