#!/usr/bin/env python
"""Django's command line.

Run by hand without ``DATABASE_URL`` / ``REDIS_URL`` (environment or ``.env``), it first
starts, or attaches to, the embedded PostgreSQL and Redis under the data dir, as ``make
run`` does, and exports their URLs to the settings and to any child process (runserver's
reloader). The last process attached stops them when it exits. Commands that run on the
settings alone start nothing; the launcher's children get both URLs and start nothing.
"""

import os
import signal
import sys
from typing import Any

# Commands that need neither the database nor Redis.
WITHOUT_SERVICES = {
    "check",
    "collectstatic",
    "compilemessages",
    "diffsettings",
    "findstatic",
    "help",
    "makemessages",
    "version",
    "--help",
    "-h",
    "--version",
}

_services: list[tuple[str, Any]] = []  # kept alive for the life of the process


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "prm.settings")
    command = sys.argv[1] if len(sys.argv) > 1 else "help"
    if command not in WITHOUT_SERVICES:
        from prm import embedded

        _services.extend(embedded.start_missing(embedded.resolve_data_dir()))
        if _services:
            # Leave through the normal exit, where the servers are detached and stopped.
            signal.signal(signal.SIGTERM, lambda *args: sys.exit(128 + signal.SIGTERM))

    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
