"""Sign-in, second-factor and role events, each one audit row (connected in AuditConfig.ready).

A row written here during a request shares the request's id and its transaction: if it cannot
be written, AuditUnavailable stops the request and nothing it did is kept.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_delete, post_init, post_save, pre_save
from django.http import HttpRequest
from django.utils.crypto import salted_hmac

from reattune.audit.log import current_request, record
from reattune.audit.models import Action, Category, Outcome

ROLE_FIELDS = ("role", "is_active")


def _actor() -> Any:
    request = current_request.get()
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


# Signing in and out.


def logged_in(sender: object, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    record(category=Category.SIGN_IN, action=Action.LOGIN, user=user, request=request)


def logged_out(sender: object, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if user is not None:
        record(category=Category.SIGN_IN, action=Action.LOGOUT, user=user, request=request)


def login_failed(
    sender: object, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    """The email tried (never the password), and whose account it is if it is one: the clinic's
    admin then sees failures on their people's accounts."""
    tried = str(credentials.get("username") or credentials.get("email") or "").strip()
    known = _user_by_email(tried)
    record(
        category=Category.SIGN_IN,
        action=Action.LOGIN_FAILED,
        outcome=Outcome.DENIED,
        user=known,
        user_label=_label(tried, known),
        request=request,
    )


def locked_out(
    sender: object, request: HttpRequest | None = None, username: str | None = None, **kwargs: Any
) -> None:
    tried = str(username or "").strip()
    known = _user_by_email(tried)
    record(
        category=Category.SIGN_IN,
        action=Action.LOCKOUT,
        outcome=Outcome.DENIED,
        user=known,
        user_label=_label(tried, known),
        request=request,
        flagged=True,
    )


def _label(tried: str, known: Any) -> str:
    """The account's email, or for text that matches no account a keyed fingerprint of it: a
    password typed into the email box must never sit in a log that cannot be edited, yet
    repeated tries of the same unknown name still show as one."""
    if known is not None:
        return str(known.email)
    if not tried:
        return "no account given"
    fingerprint = salted_hmac("reattune.audit.unknown-account", tried.lower()).hexdigest()[:12]
    return f"unknown account #{fingerprint}"


def _user_by_email(email: str) -> Any:
    from reattune.clinics.models import User

    if not email:
        return None
    return User.objects.filter(email__iexact=email).first()


# A person's role, or whether they may log in.


def user_before_save(sender: Any, instance: Any, update_fields: Any = None, **kwargs: Any) -> None:
    touched = set(update_fields) if update_fields is not None else set(ROLE_FIELDS)
    if instance.pk is None or not touched & set(ROLE_FIELDS):
        instance._audit_old_role = None
        return
    instance._audit_old_role = (
        sender._default_manager.filter(pk=instance.pk).values_list(*ROLE_FIELDS).first()
    )


def user_after_save(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    if kwargs.get("raw"):
        return
    if created:
        change = f"added as {instance.role}" + ("" if instance.is_active else ", deactivated")
    else:
        old = getattr(instance, "_audit_old_role", None)
        if old is None or old == (instance.role, instance.is_active):
            return
        change = _role_change(old, (instance.role, instance.is_active))
    _people_event(f"person={instance.pk} {change}", clinic_id=instance.clinic_id)


def _role_change(old: tuple[str, bool], new: tuple[str, bool]) -> str:
    parts = []
    if old[0] != new[0]:
        parts.append(f"role {old[0]} to {new[0]}")
    if old[1] != new[1]:
        parts.append("reactivated" if new[1] else "deactivated")
    return ", ".join(parts)


# Supervision links and clinicians on cases.


def supervision_before_save(sender: Any, instance: Any, **kwargs: Any) -> None:
    instance._audit_was_open = (
        sender._default_manager.filter(pk=instance.pk, ends_on__isnull=True).exists()
        if instance.pk
        else None
    )


def supervision_after_save(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    if kwargs.get("raw"):
        return
    if created:
        what = "started"
    elif getattr(instance, "_audit_was_open", False) and instance.ends_on is not None:
        what = "ended"
    else:
        return
    _people_event(
        f"supervision={instance.pk} supervisor={instance.supervisor_id} "
        f"supervisee={instance.supervisee_id} {what}",
        clinic_id=instance.clinic_id,
    )


def supervision_deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    _people_event(
        f"supervision={instance.pk} supervisor={instance.supervisor_id} "
        f"supervisee={instance.supervisee_id} removed",
        clinic_id=instance.clinic_id,
    )


def case_clinician_saved(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    if created and not kwargs.get("raw"):
        _case_clinician_event(instance, "assigned")


def case_clinician_deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    _case_clinician_event(instance, "removed")


def _case_clinician_event(assignment: Any, what: str) -> None:
    from reattune.cases.models import Case

    cases = Case.objects.filter(pk=assignment.case_id)
    clinic_id = cases.values_list("clinic_id", flat=True).first()
    _people_event(
        f"case={assignment.case_id} clinician={assignment.clinician_id} {what}",
        clinic_id=clinic_id,
        case_id=assignment.case_id,
    )


def _people_event(target: str, *, clinic_id: int | None, case_id: int | None = None) -> None:
    record(
        category=Category.PEOPLE,
        action=Action.ROLE,
        user=_actor(),
        clinic_id=clinic_id,
        case_id=case_id,
        target=target,
    )


# Second factors (django-otp devices).


def device_loaded(sender: Any, instance: Any, **kwargs: Any) -> None:
    instance._audit_confirmed = instance.confirmed if instance.pk else None


def device_saved(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    if kwargs.get("raw"):
        return
    was = getattr(instance, "_audit_confirmed", None)
    if created:
        what = "added" + (", confirmed" if instance.confirmed else "")
    elif instance.confirmed and was is False:
        what = "confirmed"
    else:
        return
    instance._audit_confirmed = instance.confirmed
    _device_event(instance, what)


def device_deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    _device_event(instance, "removed")


def _device_event(device: Any, what: str) -> None:
    owner = device.user
    record(
        category=Category.SIGN_IN,
        action=Action.SECOND_FACTOR,
        user=_actor() or owner,
        clinic_id=getattr(owner, "clinic_id", None),
        target=f"{device._meta.model_name}={device.pk} person={device.user_id} {what}",
    )


def connect() -> None:
    from axes.signals import user_locked_out
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from reattune.cases.models import CaseClinician
    from reattune.clinics.models import Supervision, User

    uid = "reattune.audit"
    user_logged_in.connect(logged_in, dispatch_uid=f"{uid}.logged_in")
    user_logged_out.connect(logged_out, dispatch_uid=f"{uid}.logged_out")
    user_login_failed.connect(login_failed, dispatch_uid=f"{uid}.login_failed")
    user_locked_out.connect(locked_out, dispatch_uid=f"{uid}.locked_out")
    pre_save.connect(user_before_save, sender=User, dispatch_uid=f"{uid}.user_pre")
    post_save.connect(user_after_save, sender=User, dispatch_uid=f"{uid}.user_post")
    pre_save.connect(supervision_before_save, sender=Supervision, dispatch_uid=f"{uid}.sup_pre")
    post_save.connect(supervision_after_save, sender=Supervision, dispatch_uid=f"{uid}.sup_post")
    post_delete.connect(supervision_deleted, sender=Supervision, dispatch_uid=f"{uid}.sup_del")
    post_save.connect(case_clinician_saved, sender=CaseClinician, dispatch_uid=f"{uid}.cc_post")
    post_delete.connect(case_clinician_deleted, sender=CaseClinician, dispatch_uid=f"{uid}.cc_del")
    for device in (TOTPDevice, StaticDevice):
        name = device._meta.model_name
        post_init.connect(device_loaded, sender=device, dispatch_uid=f"{uid}.{name}_init")
        post_save.connect(device_saved, sender=device, dispatch_uid=f"{uid}.{name}_post")
        post_delete.connect(device_deleted, sender=device, dispatch_uid=f"{uid}.{name}_del")
