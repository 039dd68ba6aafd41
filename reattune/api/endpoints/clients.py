"""Clients: create, list and read."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Query, Router, Status

from reattune.api.auth import read_auth, token_of, write_auth
from reattune.api.common import ERRORS, about
from reattune.api.errors import invalid
from reattune.api.pagination import paginate
from reattune.api.schemas import ClientIn, ClientOut, Id, Page, PageQuery, QueryText
from reattune.api.scope import for_token, get_for_token
from reattune.cases.models import Client
from reattune.cases.services import client_create

router = Router(tags=["Clients"])


def client_out(client: Client) -> dict[str, Any]:
    return {
        "id": client.pk,
        "code": client.code,
        "name": client.name,
        "date_of_birth": client.date_of_birth,
        "email": client.email,
        "created_at": client.created_at,
    }


@router.get(
    "/clients",
    response={200: Page[ClientOut], **ERRORS},
    auth=read_auth,
    url_name="api_clients",
    summary="List the clinic's clients",
)
def client_list(
    request: HttpRequest, page: Query[PageQuery], code: QueryText | None = None
) -> dict[str, Any]:
    """Newest first. `code` finds one client by their clinic code (any letter case)."""
    clients = for_token(Client, token_of(request)).order_by("-created_at", "-pk")
    if code is not None:
        clients = clients.filter(code__iexact=code)
        # A code names at most one client (unique in the clinic whatever its letter case):
        # the audit row names them, as it would for /clients/<id>.
        about(request, client_id=clients.values_list("pk", flat=True).first())
    return paginate(request, clients, page, client_out)


@router.post(
    "/clients",
    response={201: ClientOut, **ERRORS},
    auth=write_auth,
    url_name="api_clients",
    summary="Add a client",
)
def client_add(request: HttpRequest, body: ClientIn) -> Status[dict[str, Any]]:
    token = token_of(request)
    try:
        client = client_create(clinic=token.clinic, created_by=None, **body.model_dump())
    except ValidationError as error:
        raise invalid(error) from error
    about(request, client_id=client.pk)
    return Status(201, client_out(client))


@router.get(
    "/clients/{int:client_id}",
    response={200: ClientOut, **ERRORS},
    auth=read_auth,
    url_name="api_client",
    summary="Read one client",
)
def client_read(request: HttpRequest, client_id: Id) -> dict[str, Any]:
    client = get_for_token(Client.objects.all(), client_id, "client", token_of(request))
    return client_out(client)
