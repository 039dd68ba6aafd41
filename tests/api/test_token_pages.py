"""The clinic admin's API token pages: make (the secret shown once), list, revoke."""

from __future__ import annotations

import pytest
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import dateformat
from django.utils.timezone import localtime

from reattune.api.forms import SCOPES_REQUIRED
from reattune.api.models import ApiToken
from reattune.api.services import token_create
from reattune.clinics.models import Role
from reattune.clinics.services import person_update
from tests.api.conftest import Api
from tests.factories import make_person

TOKENS = reverse("api_token_list")


def make(login, world, **data):  # type: ignore[no-untyped-def]
    return login(world.admin).post(TOKENS, {"name": "EHR sync", "scopes": ["read"]} | data)


def test_an_admin_makes_a_token_and_sees_its_secret_once(login, world) -> None:
    response = make(login, world, scopes=["read", "write"])
    assert response.status_code == 201
    token = ApiToken.objects.get()
    secret = response.context["secret"]
    assert secret.startswith(token.prefix) and secret in response.content.decode()
    assert (token.name, token.scopes, token.created_by) == (
        "EHR sync",
        ["read", "write"],
        world.admin,
    )
    again = login(world.admin).get(TOKENS)
    assert secret not in again.content.decode()
    assert token.prefix in again.content.decode()


def test_the_secret_shown_works_at_once(login, world) -> None:
    secret = make(login, world).context["secret"]
    api = Api(login(world.admin), secret, ApiToken.objects.get())
    assert api.get("clients").status_code == 200


def test_a_token_needs_a_scope_and_a_name(login, world) -> None:
    response = make(login, world, scopes=[], name="")
    assert response.status_code == 200
    assert SCOPES_REQUIRED in response.context["form"].errors["scopes"]
    assert "name" in response.context["form"].errors
    assert not ApiToken.objects.exists()


def test_an_unknown_scope_is_refused(login, world) -> None:
    make(login, world, scopes=["admin"])
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize("role", ["supervisor", "clinician", "trainee"])
def test_only_a_clinic_admin_sees_or_makes_tokens(role: str, login, world) -> None:
    person = getattr(world, role)
    assert login(person).get(TOKENS).status_code == 403
    assert login(person).post(TOKENS, {"name": "X", "scopes": ["read"]}).status_code == 403
    assert not ApiToken.objects.exists()


def test_anonymous_is_sent_to_sign_in(client) -> None:
    response = client.get(TOKENS)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_an_admin_sees_only_their_own_clinics_tokens(login, world, other_world) -> None:
    token_create(admin=other_world.admin, name="Their sync", scopes=["read"])
    page = login(world.admin).get(TOKENS).content.decode()
    assert "Their sync" not in page


def test_revoking_a_token_stops_it_on_the_next_request(login, world) -> None:
    token, secret = token_create(admin=world.admin, name="EHR sync", scopes=["read"])
    api = Api(login(world.admin), secret, token)
    assert api.get("clients").status_code == 200
    response = login(world.admin).post(reverse("api_token_revoke", args=[token.pk]))
    assert response.status_code == 302
    token.refresh_from_db()
    assert (token.revoked_by, token.is_live) == (world.admin, False)
    assert api.get("clients").status_code == 401


def test_revoking_twice_keeps_the_first_revocation(login, world) -> None:
    token, _ = token_create(admin=world.admin, name="EHR sync", scopes=["read"])
    url = reverse("api_token_revoke", args=[token.pk])
    login(world.admin).post(url)
    first = ApiToken.objects.get().revoked_at
    login(world.admin).post(url)
    assert ApiToken.objects.get().revoked_at == first


def test_another_clinics_token_cannot_be_revoked(login, world, other_world) -> None:
    theirs, _ = token_create(admin=other_world.admin, name="Their sync", scopes=["read"])
    response = login(world.admin).post(reverse("api_token_revoke", args=[theirs.pk]))
    assert response.status_code == 404
    assert ApiToken.objects.get(pk=theirs.pk).is_live


def test_a_clinician_cannot_revoke(login, world) -> None:
    token, _ = token_create(admin=world.admin, name="EHR sync", scopes=["read"])
    response = login(world.clinician).post(reverse("api_token_revoke", args=[token.pk]))
    assert response.status_code == 403
    assert ApiToken.objects.get().is_live


def test_revoking_is_post_only(login, world) -> None:
    token, _ = token_create(admin=world.admin, name="EHR sync", scopes=["read"])
    assert login(world.admin).get(reverse("api_token_revoke", args=[token.pk])).status_code == 405


def test_the_list_shows_who_made_each_token_and_when_it_was_last_used(login, world) -> None:
    used, secret = token_create(admin=world.admin, name="EHR sync", scopes=["read"])
    token_create(admin=world.admin, name="Old scheduler", scopes=["read"])
    assert Api(login(world.admin), secret, used).get("clients").status_code == 200
    used.refresh_from_db()
    assert used.last_used_at is not None
    page = login(world.admin).get(TOKENS).content.decode()
    rows = page.split("<tr>")
    made = next(row for row in rows if "EHR sync" in row)
    unused = next(row for row in rows if "Old scheduler" in row)
    assert f"by {world.admin.full_name}" in made
    assert dateformat.format(localtime(used.last_used_at), "j M Y H:i") in made
    assert "never" in unused and "never" not in made


def test_a_token_keeps_working_when_its_maker_leaves_the_clinic(login, world) -> None:
    """It is the clinic's, not its maker's: a record system does not stop the day a person
    moves on. docs/api.md tells admins to revoke tokens of retired systems instead."""
    token, secret = token_create(admin=world.admin, name="EHR sync", scopes=["read", "write"])
    successor = make_person(world.clinic, Role.ADMIN)
    person_update(person=world.admin, role=Role.ADMIN, is_active=False, changed_by=successor)
    api = Api(HttpClient(), secret, token)
    assert api.get("clients").status_code == 200
    created = api.post("sessions", {"case_id": world.case.pk, "date": "2026-03-02"})
    assert created.status_code == 201, created.content
    page = login(successor).get(TOKENS).content.decode()
    assert f"by {world.admin.full_name}" in page
