"""Logging in through the login page, as tests outside tests/accounts need it.

`Client.login()` cannot be used: django-axes needs the request to count failures by address.
"""

from __future__ import annotations

from django.contrib.auth import SESSION_KEY
from django.test import Client as HttpClient
from django.urls import reverse


def password_login(client: HttpClient, email: str, password: str) -> bool:
    """Post the login form; True if it signed the client in (second factor not yet passed)."""
    client.post(reverse("login"), {"username": email, "password": password})
    return SESSION_KEY in client.session
