"""Log records that hold no client data (docs/security.md, "Logging").

An exception's message can quote the data that caused it: a database error names the value of
a duplicate key, a ValueError repeats the text it could not read. Django's request logger also
carries the whole request (its body and query string) on the record. `NoClientData` rewrites
each record before any handler writes it: it keeps the exception's type and the lines of code
it passed through, the route's name and the request id, and drops the rest. Logged paths and
request lines lose their query string, and a check link's token.

The filter changes the record itself rather than returning a copy, so every handler after it
on the way up to the root logger (a test's caplog among them) sees only the cleaned record.
"""

from __future__ import annotations

import logging
import re
import traceback
from typing import Any

WITHHELD = "(message withheld: it may quote client data)"
NO_VALUE = "-"
# A logged path ("/clients/?q=Ann") or request line ("GET /clients/?q=Ann HTTP/1.1").
REQUEST_LINE = re.compile(r"(?P<method>[A-Z]+ )(?P<target>.*?)(?P<version> HTTP/[\d.]+)?")
# The client's check link is a key to their form while it is open: logs name only the route.
CHECK_TOKEN = re.compile(r"/c/[^/\s\"'?]+")


class NoClientData(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        record.route = getattr(record, "route", None) or route_name(request)
        record.request_id = getattr(record, "request_id", None) or str(
            getattr(request, "request_id", "") or NO_VALUE
        )
        if request is not None:
            # A formatter or an email handler could print its body, headers and cookies.
            record.request = None
        exception = record.exc_info[1] if record.exc_info else None
        if exception is not None:
            if isinstance(record.msg, str) and not record.args and record.msg == str(exception):
                record.msg = f"{type_name(exception)} {WITHHELD}"
            record.exc_text = traceback_without_messages(exception)
            record.exc_info = None
        record.args = _clean_args(record.args)
        return True


def route_name(request: Any) -> str:
    match = getattr(request, "resolver_match", None)
    return str(match.view_name) if match is not None and match.view_name else NO_VALUE


def type_name(exception: BaseException) -> str:
    kind = type(exception)
    return (
        kind.__qualname__
        if kind.__module__ == "builtins"
        else f"{kind.__module__}.{kind.__qualname__}"
    )


def traceback_without_messages(exception: BaseException) -> str:
    """The traceback as Python prints it, chained exceptions included, with each exception's
    message (and any notes added to it) replaced by WITHHELD. The code lines shown are the
    source's, never the values the code was handling."""
    chain: list[BaseException] = []
    current: BaseException | None = exception
    while current is not None and all(current is not seen for seen in chain):
        chain.append(current)
        if current.__cause__ is not None:
            current = current.__cause__
        elif not current.__suppress_context__:
            current = current.__context__
        else:
            current = None
    parts = [
        "Traceback (most recent call last):\n"
        + "".join(traceback.format_tb(e.__traceback__))
        + f"{type_name(e)}: {WITHHELD}"
        for e in reversed(chain)
    ]
    return "\n\nThe exception above led to this one:\n\n".join(parts)


def _clean_args(args: Any) -> Any:
    if isinstance(args, tuple):
        return tuple(_clean_arg(a) for a in args)
    if isinstance(args, dict):
        return {k: _clean_arg(v) for k, v in args.items()}
    return args


def _clean_arg(value: Any) -> Any:
    if isinstance(value, BaseException):
        return f"{type_name(value)} {WITHHELD}"
    if isinstance(value, str):
        return without_query(value)
    return value


def without_query(text: str) -> str:
    """A path or request line without its query string or check token; other text as it is."""
    if text.startswith("/"):
        return CHECK_TOKEN.sub("/c/<token>", text.split("?", 1)[0])
    line = REQUEST_LINE.fullmatch(text)
    if line is None or not line["target"].startswith("/"):
        return text
    return line["method"] + without_query(line["target"]) + (line["version"] or "")
