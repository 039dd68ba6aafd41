"""Every log-in stamps and tracks its session; every log-out forgets it."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.dispatch import receiver
from django.http import HttpRequest

from reattune.accounts.sessions import session_forget, session_start


@receiver(user_logged_in, dispatch_uid="reattune_session_start")
def _started(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        session_start(request, user)


@receiver(user_logged_out, dispatch_uid="reattune_session_forget")
def _ended(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        session_forget(request.session.session_key)
