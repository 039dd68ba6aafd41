"""gunicorn's access log without check-link tokens or query strings: a token in a log would let
anyone who reads the log answer the client's check, and a query string may carry what was typed.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from gunicorn.glogging import Logger

from reattune.lib.logs import without_query


class RedactingAccessLogger(Logger):  # type: ignore[misc]
    def atoms(self, resp: Any, req: Any, environ: Any, request_time: Any) -> dict[str, Any]:
        atoms: dict[str, Any] = super().atoms(resp, req, environ, request_time)
        for key in ("r", "U"):
            if isinstance(atoms.get(key), str):
                atoms[key] = without_query(atoms[key])
        referer = atoms.get("f")
        if isinstance(referer, str) and referer != "-":
            atoms["f"] = without_query(urlsplit(referer).path or "/")
        atoms["q"] = ""
        return atoms
