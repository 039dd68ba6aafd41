"""Unknown query parameters are refused, not ignored.

A typo such as `?client_ld=5` would otherwise be dropped and the list would answer with the
whole clinic. Each operation's known query keys are read once from the operations ninja built
(the same declarations the OpenAPI description is made from), so there is no second list to
keep in step. The FHIR endpoints are left out: FHIR's search rules let a server ignore
parameters it does not know (and clients send `_format` and the like), and their errors are
OperationOutcomes, not this API's shape.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from django.http import HttpRequest

from reattune.api.errors import ApiError

UNKNOWN_QUERY = "Unknown query parameter {names} for {method} {path}. Known here: {known}."
UNKNOWN_QUERY_ITEM = "not a query parameter of this endpoint"
NO_QUERY = "none"
FHIR_PREFIX = "/fhir"


@cache
def known_query_keys() -> dict[tuple[str, str], frozenset[str]]:
    """(url name, method) → the query keys that operation declares, for every operation of
    the JSON API outside FHIR."""
    from reattune.api.urls import api

    known: dict[tuple[str, str], frozenset[str]] = {}
    for prefix, router in api._routers:
        if prefix.strip("/").startswith(FHIR_PREFIX.strip("/")):
            continue
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                keys = frozenset(_query_keys(operation.models))
                for method in operation.methods:
                    known[(str(operation.url_name), method.upper())] = keys
    return known


def _query_keys(models: list[Any]) -> set[str]:
    keys: set[str] = set()
    for model in models:
        if getattr(model, "__ninja_param_source__", None) == "query":
            flat = getattr(model, "__ninja_flatten_map__", None) or {}
            keys.update(flat or model.model_fields)
    return keys


def check_query(request: HttpRequest) -> None:
    """422 naming every query key the request's operation does not declare."""
    match = request.resolver_match
    method = (request.method or "GET").upper()
    known = known_query_keys().get((str(match.url_name if match else ""), method))
    if known is None:
        return
    unknown = sorted(key for key in request.GET if key not in known)
    if not unknown:
        return
    names = ", ".join(repr(key[:40]) for key in unknown)
    raise ApiError(
        422,
        "unknown_parameter",
        UNKNOWN_QUERY.format(
            names=names,
            method=method,
            path=request.path[:200],
            known=", ".join(sorted(known)) or NO_QUERY,
        ),
        [
            {"loc": ["query", key[:40]], "msg": UNKNOWN_QUERY_ITEM, "type": "unknown_parameter"}
            for key in unknown
        ],
    )
