"""Session lifetimes and who holds which session.

Two timestamps live in every signed-in session: when it started and when the person last did
something. A request is activity unless it says it is background work (the header
`X-Reattune-Background: 1`, or an htmx request fired by a polling trigger), so a page left open
that polls never keeps its session alive.
"""

from __future__ import annotations

import datetime as dt
import time
from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.http import HttpRequest
from django.utils import timezone

from reattune.accounts.models import UserSession

STARTED = "reattune_started"
SEEN = "reattune_seen"
# Activity is written to the session at most this often, in seconds (session_mark_activity).
ACTIVITY_STEP = 30
# Left in the fresh, anonymous session after one is ended, for the login page to explain.
SIGNED_OUT_REASON = "reattune_signed_out"
IDLE = "idle"
TOO_LONG = "max"
BACKGROUND_HEADER = "X-Reattune-Background"

SIGNED_OUT_IDLE = (
    "You were signed out because nothing happened for {minutes} minutes. Log in again to carry on."
)
SIGNED_OUT_TOO_LONG = (
    "You were signed out because you had been signed in for {hours} hours, the longest "
    "Reattune allows. Log in again to carry on."
)


def now() -> float:
    return time.time()


def is_background(request: HttpRequest) -> bool:
    """Requests that a page makes on its own, not because the person did something."""
    if request.headers.get(BACKGROUND_HEADER) == "1":
        return True
    trigger = request.headers.get("HX-Trigger-Name", "") + request.headers.get("HX-Trigger", "")
    return request.headers.get("HX-Request") == "true" and "poll" in trigger.lower()


def expiry_reason(session: SessionBase) -> str | None:
    """IDLE or TOO_LONG if this signed-in session has run out, else None. A session without
    the timestamps predates this policy (or was forged around it) and counts as too long."""
    started, seen = session.get(STARTED), session.get(SEEN)
    if not isinstance(started, int | float) or not isinstance(seen, int | float):
        return TOO_LONG
    moment = now()
    if moment - started > settings.SESSION_MAX_HOURS * 3600:
        return TOO_LONG
    if moment - seen > settings.SESSION_IDLE_MINUTES * 60:
        return IDLE
    return None


def signed_out_message(reason: str) -> str:
    if reason == IDLE:
        return SIGNED_OUT_IDLE.format(minutes=settings.SESSION_IDLE_MINUTES)
    return SIGNED_OUT_TOO_LONG.format(hours=settings.SESSION_MAX_HOURS)


def session_mark_activity(session: SessionBase) -> None:
    """Note the activity, at most every ACTIVITY_STEP seconds: each change writes the session
    row (a database write and commit on every page view otherwise). The idle timeout can then
    end a session at most that much early, a twentieth of the timeout at most."""
    moment = now()
    seen = session.get(SEEN)
    step = min(ACTIVITY_STEP, settings.SESSION_IDLE_MINUTES * 60 / 20)
    if not isinstance(seen, int | float) or moment - seen >= step:
        session[SEEN] = moment


def session_start(request: HttpRequest, user: Any) -> None:
    """At log-in (after Django has given the session a new key): stamp it and note whose it is."""
    moment = now()
    request.session[STARTED] = moment
    request.session[SEEN] = moment
    if request.session.session_key is None:
        request.session.save()
    session_track(user=user, session_key=str(request.session.session_key))


def session_track(*, user: Any, session_key: str) -> None:
    UserSession.objects.update_or_create(
        session_key=session_key, defaults={"user": user, "started_at": timezone.now()}
    )
    # Sessions cannot outlive the absolute lifetime, so older rows point at nothing.
    oldest = timezone.now() - dt.timedelta(hours=settings.SESSION_MAX_HOURS)
    UserSession.objects.filter(user=user, started_at__lt=oldest).delete()


def session_rotate(request: HttpRequest) -> None:
    """A new session id for the same session (after the second factor), still tracked."""
    old_key = request.session.session_key
    request.session.cycle_key()
    UserSession.objects.filter(session_key=old_key).update(
        session_key=str(request.session.session_key)
    )


def session_forget(session_key: str | None) -> None:
    if session_key:
        UserSession.objects.filter(session_key=session_key).delete()


def sessions_end(*, user: Any) -> int:
    """End every session the person has open, wherever; they are out on their next request.
    Returns how many were ended."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    keys = list(UserSession.objects.filter(user=user).values_list("session_key", flat=True))
    for key in keys:
        store(session_key=key).delete()
    UserSession.objects.filter(user=user).delete()
    return len(keys)
