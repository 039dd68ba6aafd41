"""Every table that holds a clinic's data carries the clinic in a required column of its own, so
each can be filtered, partitioned and distributed by clinic without a join (docs/scale.md).

The test reads every installed model, so a new model that forgets its clinic fails here unless
it is added, with its reason, to GLOBAL below."""

from __future__ import annotations

from django.apps import apps
from django.db import models

from reattune.clinics.models import Clinic
from reattune.clinics.tenancy import ClinicFromParent

# Tables that belong to the installation, not to one clinic. Each with why; docs/scale.md says
# what becomes of them when tenant tables are distributed (reference or coordinator tables).
GLOBAL = {
    # The tenants themselves.
    "clinics.Clinic": "the clinic table: its id is the distribution key",
    # People: an installation superuser belongs to no clinic (clinic may be empty), and every
    # tenant table points at users, so users are a small reference table on every node.
    "clinics.User": "people; superusers stand outside every clinic",
    "clinics.User_groups": "Django's permission groups of a user",
    "clinics.User_user_permissions": "Django's permissions of a user",
    "accounts.UserSession": "a person's signed-in sessions, kept with the user",
    "sessions.Session": "Django's session store, keyed by a random session key",
    "otp_totp.TOTPDevice": "a person's authenticator, kept with the user",
    "otp_static.StaticDevice": "a person's backup codes, kept with the user",
    "otp_static.StaticToken": "one backup code, kept with its device",
    "axes.AccessAttempt": "failed sign-ins by address and email, before anyone is known",
    "axes.AccessAttemptExpiration": "when a lockout ends, with its attempt",
    "axes.AccessFailureLog": "failed sign-ins by address and email, before anyone is known",
    "axes.AccessLog": "sign-ins by address and email",
    "auth.Permission": "Django's permission names",
    "auth.Group": "Django's permission groups",
    "auth.Group_permissions": "Django's permission groups",
    "contenttypes.ContentType": "Django's model names",
    # One hash chain over the whole installation: `seq` and `row_hash` are unique across
    # clinics, and some rows (a failed sign-in for an unknown email) belong to no clinic. The
    # rows carry clinic_id, indexed with seq, for the audit page; the table stays whole.
    "audit.AuditEvent": "the installation's tamper-evident audit chain",
    # The task queue and the worker's bookkeeping serve every clinic from one queue.
    "django_tasks_database.DBTaskResult": "the task queue",
    "worker.WorkerHeartbeat": "a running worker process",
    "worker.ScheduledRun": "which periodic run was enqueued for which slot",
    "worker.HandledFailure": "an admin's dismissal of a failed task (a task may name no clinic)",
}


def _clinic_column(model: type[models.Model]) -> models.Field | None:  # type: ignore[type-arg]
    return next((f for f in model._meta.concrete_fields if f.attname == "clinic_id"), None)


def _all_models() -> list[type[models.Model]]:
    return list(apps.get_models(include_auto_created=True))


def test_every_tenant_model_has_a_required_clinic_column() -> None:
    missing, optional = [], []
    for model in _all_models():
        if model._meta.label in GLOBAL:
            continue
        column = _clinic_column(model)
        if column is None:
            missing.append(model._meta.label)
        elif column.null:
            optional.append(model._meta.label)
    assert not missing, f"tenant models without a clinic column: {missing}"
    assert not optional, f"tenant models whose clinic may be empty: {optional}"


def test_clinic_foreign_keys_protect_the_rows() -> None:
    # A clinic is never deleted with its records by accident: PROTECT (or CASCADE for settings
    # that are nothing without it) as before, never SET_NULL, which the NOT NULL would refuse.
    for model in _all_models():
        column = _clinic_column(model)
        if column is None or not column.is_relation:
            continue
        assert column.related_model is Clinic, model._meta.label
        on_delete = column.remote_field.on_delete  # type: ignore[union-attr]
        assert on_delete in (models.PROTECT, models.CASCADE), model._meta.label


def test_the_global_list_names_only_installed_models() -> None:
    installed = {m._meta.label for m in _all_models()}
    assert set(GLOBAL) - installed == set()


def test_child_tables_take_their_clinic_from_a_parent_that_has_one() -> None:
    children = [m for m in _all_models() if issubclass(m, ClinicFromParent)]
    assert len(children) >= 15
    for model in children:
        parent = model._meta.get_field(model.clinic_parent).related_model
        assert isinstance(parent, type), model._meta.label
        assert _clinic_column(parent) is not None, model._meta.label


def test_unique_constraints_of_tenant_tables_include_the_clinic() -> None:
    # Citus enforces a unique constraint only when it contains the distribution column.
    # Exceptions are single-column keys that docs/scale.md lists for the distribution step.
    without = []
    for model in _all_models():
        clinic = _clinic_column(model)
        if model._meta.label in GLOBAL or clinic is None:
            continue
        for constraint in model._meta.constraints:
            # The clinic is a foreign key ("clinic") or, on the worker's rows, a plain id.
            if isinstance(constraint, models.UniqueConstraint) and clinic.name not in (
                constraint.fields
            ):
                without.append(f"{model._meta.label}.{constraint.name}")
    assert without == []
