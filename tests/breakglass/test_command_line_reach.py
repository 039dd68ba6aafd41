"""Requirement 2 (the command line): no `reattune` management command takes the id or code of
a client, case, session, response, repair, note or report, so none can be used to read
another clinic's data. A command that needs one must be added to SCOPED below with how it
checks the clinic, and given its own cross-clinic test.

Today's commands work on whole clinics or the whole installation for its operator (alerts,
calibration, escalation, demo, server, audit, keys, backups), never on one client's record.
"""

from __future__ import annotations

import argparse
import re

from django.core.management import get_commands, load_command_class

# Commands allowed to take a per-record argument, with the way they confine it to one clinic.
SCOPED: dict[str, str] = {}

RECORD_WORDS = re.compile(
    r"(^|_)(client|case|participant|session|response|answer|repair|disclosure|note|"
    r"report|meeting|review|reflection|goal|alert|grant)s?(_?(id|ids|code|pk))?$"
)


def reattune_commands() -> dict[str, str]:
    return {name: app for name, app in get_commands().items() if app.startswith("reattune")}


def all_actions(parser: argparse.ArgumentParser) -> list[argparse.Action]:
    """The parser's arguments and its subcommands' (`reattune audit export --clinic`)."""
    found = []
    for action in parser._actions:
        found.append(action)
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                found += all_actions(sub)
    return found


def per_record_arguments(app: str, name: str) -> list[str]:
    parser = load_command_class(app, name).create_parser("reattune", name)
    found = []
    for action in all_actions(parser):
        words = [action.dest, *(o.lstrip("-").replace("-", "_") for o in action.option_strings)]
        if any(RECORD_WORDS.search(w) for w in words):
            found.append(action.dest)
    return found


def test_the_survey_reads_subcommands_arguments_too() -> None:
    parser = load_command_class("reattune.audit", "audit").create_parser("reattune", "audit")
    assert "since" in {a.dest for a in all_actions(parser)}


def test_the_survey_sees_reattunes_own_commands() -> None:
    assert {"raise_alerts", "recalibrate", "demo", "serve"} <= set(reattune_commands())


def test_no_command_reaches_a_single_clients_record_unless_it_is_scoped() -> None:
    """Requirement 2: the command line cannot be pointed at another clinic's client."""
    reaching = {
        name: args
        for name, app in sorted(reattune_commands().items())
        if (args := per_record_arguments(app, name)) and name not in SCOPED
    }
    assert reaching == {}, f"commands taking a record id without a clinic scope: {reaching}"
