"""Tests for ethics files, the rule that picks obligations, and the clinic admin's page."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.test import override_settings

from reattune.ethics import registry
from reattune.ethics.definitions import EthicsCode


@contextmanager
def ethics_dir(folder: Path) -> Iterator[dict[str, EthicsCode]]:
    """Load the shipped codes plus `folder` as REATTUNE_ETHICS_DIR, and put the real set back
    afterwards even when loading fails."""
    try:
        with override_settings(ETHICS_DIR=str(folder)):
            yield registry.reload()
    finally:
        registry.reload()


# Synthetic, invented wording: a minimal valid file that the error tests break in one place.
# Line numbers matter: the tests expect errors on the lines marked here.
GOOD = """\
id = "invented"
title = "Invented Association Code of Ethics"
short_title = "Invented"
type = "code"
source = "https://example.org/invented-code"
version = "1"

[[obligation]]
key = "tell_client"
standard = "Invented 1.1"
what = "Tell the client what went wrong."
who = "clinician"
due_days = 1
kinds = ["*"]
harms = ["harm"]

[[obligation]]
key = "write_down"
standard = "Invented 1.2"
what = "Write down what happened."
who = "admin"
due_days = 7
kinds = [
  "clinical_error",
  "confidentiality",
]
harms = ["any"]
written = true
"""
