"""How far an import has got, shown on a terminal or kept in a small file another process reads.

The import runs in one transaction, so nothing it writes to the database can be seen until it
ends; a web page polling for progress (another request, perhaps another process once tasks run
on a worker) reads a JSON file under the data folder instead, replaced whole on each update so a
reader never sees half of one.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any, Protocol, TextIO

from django.conf import settings

# Updates closer together than this are skipped (a phase's first and last always go through).
MIN_INTERVAL = 0.25
BAR_WIDTH = 30


class Progress(Protocol):
    def __call__(self, *, phase: str, done: int, total: int) -> None: ...


def no_progress(*, phase: str, done: int, total: int) -> None:
    del phase, done, total


def percent(done: int, total: int) -> int:
    return 100 if total <= 0 else min(100, done * 100 // total)


class TerminalProgress:
    """On a terminal, one bar redrawn in place; elsewhere (a log, a pipe) a plain line at
    each phase and each tenth of the way, so a log is not flooded."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.tty = stream.isatty()
        self.last = 0.0
        self.last_phase = ""
        self.last_tenth = -1

    def __call__(self, *, phase: str, done: int, total: int) -> None:
        share = percent(done, total)
        if self.tty:
            now = time.monotonic()
            if phase == self.last_phase and done < total and now - self.last < MIN_INTERVAL:
                return
            self.last, self.last_phase = now, phase
            filled = BAR_WIDTH * share // 100
            bar = "#" * filled + "-" * (BAR_WIDTH - filled)
            end = "\n" if done >= total else ""
            self.stream.write(f"\r[{bar}] {share:3d}%  {phase} {done:,}/{total:,}\033[K{end}")
            self.stream.flush()
            return
        tenth = share // 10
        if phase != self.last_phase or tenth != self.last_tenth:
            self.last_phase, self.last_tenth = phase, tenth
            self.stream.write(f"{share:3d}%  {phase} {done:,}/{total:,}\n")
            self.stream.flush()


def progress_folder() -> Path:
    folder = Path(settings.DATA_DIR) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o700)
    return folder


class FileProgress:
    """Progress kept in `path` as JSON: {"phase", "done", "total", "percent", "at"}."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.last = 0.0
        self.last_phase = ""

    def __call__(self, *, phase: str, done: int, total: int) -> None:
        now = time.monotonic()
        if phase == self.last_phase and done < total and now - self.last < MIN_INTERVAL:
            return
        self.last, self.last_phase = now, phase
        state = {
            "phase": phase,
            "done": done,
            "total": total,
            "percent": percent(done, total),
            "at": time.time(),
        }
        handle, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=".progress-")
        with os.fdopen(handle, "w") as f:
            json.dump(state, f)
        os.replace(temporary, self.path)


def read_progress(path: Path) -> dict[str, Any] | None:
    try:
        state: dict[str, Any] = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return state
