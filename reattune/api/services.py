"""Making and revoking API tokens."""

from __future__ import annotations

from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from reattune.api.models import (
    SHOWN_PREFIX_LENGTH,
    TOKEN_PREFIX,
    ApiToken,
    Scope,
    hash_secret,
    new_secret,
)
from reattune.clinics.models import User

NEEDS_A_SCOPE = "Choose at least one scope: read, write, or both."
ADMINS_ONLY = "Only a clinic admin can make or revoke API tokens."


@transaction.atomic
def token_create(*, admin: User, name: str, scopes: Sequence[str]) -> tuple[ApiToken, str]:
    """A new token for the admin's clinic and its secret, which is returned this once and
    never stored: only its hash is."""
    if not admin.is_clinic_admin or admin.clinic_id is None:
        raise ValidationError(ADMINS_ONLY)
    chosen = [s for s in Scope.values if s in scopes]
    if not chosen or len(set(scopes)) != len(chosen):
        raise ValidationError({"scopes": NEEDS_A_SCOPE})
    secret = new_secret()
    token = ApiToken(
        clinic_id=admin.clinic_id,
        name=name.strip(),
        scopes=chosen,
        secret_hash=hash_secret(secret),
        prefix=secret[: len(TOKEN_PREFIX) + SHOWN_PREFIX_LENGTH],
        created_by=admin,
    )
    token.full_clean()
    token.save()
    return token, secret


def token_revoke(*, token: ApiToken, admin: User) -> ApiToken:
    """Revoked at once: the next request with it is refused. Revoking twice keeps the first
    revocation's time and admin."""
    if not admin.is_clinic_admin or admin.clinic_id != token.clinic_id:
        raise ValidationError(ADMINS_ONLY)
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_by=admin
    )
    token.refresh_from_db()
    return token
