"""Requirement 20: a writer killed with SIGKILL in the middle of its stream of check
submissions leaves an intact database holding every response it acknowledged.

The writer (tests/durability/workers.py) submits checks through the real service and prints
each set of response ids only after its transaction committed; it is killed while it is still
writing, with no chance to clean up."""

from __future__ import annotations

import os
import signal
import subprocess

from tests.durability.owndb import OwnDatabase

ACKNOWLEDGEMENTS_BEFORE_KILL = 12


def test_a_killed_writer_leaves_every_acknowledged_response_in_an_intact_database(
    own_database: OwnDatabase,
):
    writer = own_database.start_worker("write")
    acknowledged = _read_acknowledgements(writer, ACKNOWLEDGEMENTS_BEFORE_KILL)
    os.kill(writer.pid, signal.SIGKILL)
    writer.wait(timeout=30)
    assert writer.returncode == -signal.SIGKILL
    # Anything it printed between our last read and the kill was acknowledged too.
    assert writer.stdout is not None
    acknowledged |= _ids(writer.stdout.read().splitlines())

    if own_database.vendor == "sqlite":
        assert own_database.sqlite_integrity() == "ok"
    stored = {row[0] for row in own_database.query("SELECT id FROM checks_response")}
    assert acknowledged <= stored
    # The database still takes writes after the crash.
    after = own_database.worker("write", "--count", "1")
    new_ids = _ids(after.stdout.splitlines())
    assert len(new_ids) > 0
    stored_now = {row[0] for row in own_database.query("SELECT id FROM checks_response")}
    assert acknowledged | new_ids <= stored_now


def _read_acknowledgements(writer: subprocess.Popen[str], wanted: int) -> set[int]:
    assert writer.stdout is not None
    lines: list[str] = []
    while len([line for line in lines if line.startswith("ack ")]) < wanted:
        line = writer.stdout.readline()
        if not line:
            assert writer.stderr is not None
            raise AssertionError(f"the writer stopped early: {writer.stderr.read()}")
        lines.append(line)
    return _ids(lines)


def _ids(lines: list[str]) -> set[int]:
    return {
        int(number)
        for line in lines
        if line.startswith("ack ")
        for number in line.split()[1].split(",")
    }
