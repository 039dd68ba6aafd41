"""The `reattune` command: the detection tools, and Django's management commands under the
product's name.

reattune detect INPUT.csv [...]  find signals in a CSV of measurements (no Django start-up)
reattune simulate [...]          write a synthetic cohort with its hidden truth (no Django)
reattune evaluate [...]          score detection against a simulated cohort's truth (no Django)
reattune demo [--port 8000]      set up and serve the synthetic demo clinic
reattune migrate                 bring the database up to date
reattune serve                   run the server
reattune <any management command>

The detection tools go straight to the plain-Python core: starting Django would cost more than
a small file's whole run.
"""

import importlib
import os
import sys
from collections.abc import Callable

DETECTION_COMMANDS = {
    "detect": "find signals in a CSV of measurements",
    "simulate": "write a synthetic cohort and its hidden truth, for evaluating detection",
    "evaluate": "score detection against a simulated cohort's truth",
}
NOT_YET = "reattune {command}: not available in this version yet ({module} is missing)"
HELP_WORDS = ("help", "--help", "-h")


def main() -> None:
    argv = sys.argv[1:]
    if argv and argv[0] in DETECTION_COMMANDS:
        sys.exit(run_detection_command(argv[0], argv[1:]))
    if len(argv) == 2 and argv[0] == "help" and argv[1] in DETECTION_COMMANDS:
        sys.exit(run_detection_command(argv[1], ["--help"]))
    _run_django(argv)
    if not argv or (argv[0] in HELP_WORDS and len(argv) == 1):
        print(detection_help())


def run_detection_command(command: str, argv: list[str]) -> int:
    """Run detect, simulate or evaluate without Django; return the exit status."""
    if command == "detect":
        from reattune.detection.commands import main as detect

        return detect(argv)
    run = _plain_entry_point(f"reattune.detection.{command}")
    if run is None:
        print(
            NOT_YET.format(command=command, module=f"reattune.detection.{command}.run"),
            file=sys.stderr,
        )
        return 2
    return run(argv)


def detection_help() -> str:
    """Django's help lists apps' commands under [app] headings; this adds ours alike."""
    width = max(map(len, DETECTION_COMMANDS))
    lines = [f"    {name:<{width}}  {what}" for name, what in DETECTION_COMMANDS.items()]
    return "\n".join(["", "[detection] (plain Python, no Django start-up)", *lines])


def _plain_entry_point(module_name: str) -> Callable[[list[str]], int] | None:
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as e:
        if e.name != module_name:
            raise
        return None
    run = getattr(module, "run", None)
    return run if callable(run) else None


def _run_django(argv: list[str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reattune.settings")
    from django.core.management import execute_from_command_line

    from reattune.lib.env import SettingError

    try:
        execute_from_command_line(["reattune", *argv])
    except SettingError as e:
        # A setting a person got wrong: their words to fix it, not a traceback (docs/settings.md).
        print(f"reattune: a setting is wrong, so nothing was started.\n{e}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
