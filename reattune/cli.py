"""The `reattune` command: Django's management commands under the product's name.

reattune demo [--port 8000]   set up and serve the synthetic demo clinic
reattune migrate              bring the database up to date
reattune serve                run the server
reattune <any management command>
"""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reattune.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["reattune", *sys.argv[1:]])


if __name__ == "__main__":
    main()
