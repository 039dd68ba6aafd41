"""`reattune detect`: signals for a CSV of measurements, without starting Django.

    reattune detect INPUT.csv [--history HISTORY.csv] [--output SIGNALS.csv]

docs/detection/command_line.md describes the input, the output and every error message.
Exit status: 0 done, 2 bad input or usage (nothing written), 1 an unexpected error.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import sys
import time
import traceback
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TextIO

from reattune.measures.definitions import DefinitionError, MeasureDefinition, load_definitions

OK, UNEXPECTED, BAD_INPUT = 0, 1, 2
INTERRUPTED = 130  # the shell's convention for Ctrl-C
PROG = "reattune detect"

NO_CALIBRATION = (
    "--history needs expected-response calibration "
    "(reattune.detection.expected.calibrate), which this installation does not have yet; "
    "run without --history"
)
BAD_DEFINITIONS = "a measure definition file has an error: {error}"
NO_FOLDER = "cannot write {path}: the folder {folder} does not exist"
IS_FOLDER = "cannot write {path}: it is a folder"


class _UsageError(Exception):
    """Something to report in one line, with exit status 2."""


class _Progress:
    """Short phases on standard error, and only when it is a terminal: standard output carries
    nothing but the CSV, and scripts and tests see a clean standard error."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.enabled = stream.isatty()
        self.started = time.perf_counter()

    def __call__(self, message: str) -> None:
        if self.enabled:
            elapsed = time.perf_counter() - self.started
            print(f"{PROG}: {elapsed:5.1f} s  {message}", file=self.stream, flush=True)


def main(argv: list[str], stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    """Run `reattune detect` with `argv` (the words after `detect`); return the exit status."""
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    try:
        args = _parser().parse_args(argv)
    except SystemExit as e:  # argparse has printed usage or help already
        return e.code if isinstance(e.code, int) else BAD_INPUT
    from polars.exceptions import PanicException

    from reattune.detection.csvio import DetectInputError

    try:
        return _detect(args, out, _Progress(err))
    except (DetectInputError, _UsageError) as e:
        prefix = f"{PROG}: " if isinstance(e, _UsageError) else ""
        print(f"{prefix}{e}", file=err)
        return BAD_INPUT
    except BrokenPipeError:
        # A reader such as `head` went away: nothing more can reach it, and Python's own
        # complaint at exit would only be noise.
        with contextlib.suppress(OSError, ValueError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), out.fileno())
        return UNEXPECTED
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted; nothing was written", file=err)
        return INTERRUPTED
    except (Exception, PanicException):  # polars' panics are BaseExceptions
        print(f"{PROG}: unexpected error; please report it with the lines below", file=err)
        traceback.print_exc(file=err)
        return UNEXPECTED


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Find signals (ruptures, deterioration, safety answers, …) in a CSV of "
        "measurements. See docs/detection/command_line.md.",
    )
    parser.add_argument("input", type=Path, metavar="INPUT.csv", help="the measurements")
    parser.add_argument(
        "--history",
        type=Path,
        metavar="HISTORY.csv",
        help="closed cases, same format, to calibrate expected-response bands on",
    )
    parser.add_argument(
        "--output",
        type=Path,
        metavar="SIGNALS.csv",
        help="write the signals here (default: standard output)",
    )
    return parser


def _detect(args: argparse.Namespace, out: TextIO, progress: _Progress) -> int:
    from reattune.detection import csvio, engine
    from reattune.detection.frame import Context, Parameters

    if args.output is not None:
        _check_writable(args.output)
    calibrate = _calibrator() if args.history is not None else None
    definitions = _definitions()
    parameters = Parameters()
    frame = csvio.read_measurements(args.input, definitions, progress=progress)
    calibration = None
    if calibrate is not None:
        history = csvio.read_measurements(args.history, definitions, progress=progress)
        progress(f"calibrating expected-response bands on {history.height:,} measurements…")
        calibration = calibrate(history, definitions, parameters)
    progress(f"detecting in {frame.height:,} measurements…")
    context = Context(definitions=definitions, parameters=parameters, calibration=calibration)
    signals = engine.detect(frame, context)
    progress(f"writing {signals.height:,} signals…")
    csvio.write_signals(signals, args.output, out)
    progress("done")
    return OK


def _check_writable(path: Path) -> None:
    """Fail before the work, not after it."""
    if path.is_dir():
        raise _UsageError(IS_FOLDER.format(path=path))
    folder = path.parent
    if not folder.is_dir():
        raise _UsageError(NO_FOLDER.format(path=path, folder=folder))


def _calibrator() -> Callable[..., Any]:
    """reattune.detection.expected.calibrate, looked up now because it may not exist yet."""
    try:
        module = importlib.import_module("reattune.detection.expected")
    except ModuleNotFoundError as e:
        if e.name != "reattune.detection.expected":
            raise
        raise _UsageError(NO_CALIBRATION) from None
    calibrate = getattr(module, "calibrate", None)
    if not callable(calibrate):
        raise _UsageError(NO_CALIBRATION)
    return calibrate  # type: ignore[no-any-return]


def _definitions() -> Mapping[str, MeasureDefinition]:
    """The shipped measures plus REATTUNE_MEASURES_DIR's, as the web app loads them."""
    extra = os.environ.get("REATTUNE_MEASURES_DIR", "").strip()
    try:
        return load_definitions(*([Path(extra)] if extra else []))
    except DefinitionError as e:
        raise _UsageError(BAD_DEFINITIONS.format(error=e)) from None
