"""Personas and tenants shared by the suite.

The demo tenants (``seed_demo``) are created once per test database, committed, so real
Celery workers and live servers see them too. Each test runs inside a transaction that is
rolled back; ``acme`` / ``globex`` activate a tenant for the test's own ORM calls.
"""

from __future__ import annotations

import io
import os

import pytest
from celery._state import _set_task_join_will_block
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django_tenants.utils import get_tenant_model

from prm.demo import PASSWORD
from prm.tenancy import middleware

ACME_HOST = "acme.localhost"
GLOBEX_HOST = "globex.localhost"

# The files of the longest tests (real processes, API fuzzing, a 200-trial race), longest
# first, run first within their group: `make test` (-n 2) hands the tests to the two xdist
# workers one at a time as they finish one (pyproject's --maxschedchunk 1), so with the
# long ones first the short ones fill the end and both workers finish together. The groups
# stay pytest-django's (the tests with the db fixture, rolled back, before the others,
# which commit), and the browser files keep their order among themselves: what one commits
# through the portal, a later one (the page walks) may find.
LONG_FIRST = [
    "tests/test_api_conformance.py",  # db
    "tests/deals/test_evaluation.py",  # db
    "tests/deals/test_deal_races.py",
    "tests/test_launcher.py",
    "tests/workflows/test_worker_beat.py",
    "tests/deals/test_deal_crash_safety.py",
    "tests/workflows/test_crash_safety.py",
    "tests/workflows/test_worker_e2e.py",
    "tests/test_celery.py",
]


@pytest.hookimpl(trylast=True)  # after pytest-django's, whose groups it keeps
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    rank = {path: i for i, path in enumerate(LONG_FIRST)}

    def key(item: pytest.Item) -> tuple[int, int]:
        uses_db = item.get_closest_marker("django_db") or "db" in getattr(item, "fixturenames", ())
        return (0 if uses_db else 1, rank.get(item.nodeid.split("::")[0], len(rank)))

    items.sort(key=key)  # stable: the rest in pytest-django's order


@pytest.fixture(scope="session")
def django_db_setup(
    request,
    django_test_environment,
    django_db_blocker,
    django_db_keepdb,
    django_db_createdb,
    django_db_modify_db_settings,
):
    """pytest-django's set-up, except that the default test database is always set up:
    tests that commit for real worker and server subprocesses use no ``db`` fixture, and
    pytest-django would skip the database when only such tests run. Then the demo data."""
    from django.test.utils import setup_databases, teardown_databases

    keepdb = django_db_keepdb and not django_db_createdb
    with django_db_blocker.unblock():
        db_cfg = setup_databases(
            verbosity=request.config.option.verbose,
            interactive=False,
            aliases={"default"},
            keepdb=keepdb,
        )
        call_command("seed_demo", stdout=io.StringIO())
        connection.set_schema_to_public()
    yield
    if not django_db_keepdb:
        with django_db_blocker.unblock():
            teardown_databases(db_cfg, verbosity=request.config.option.verbose)


@pytest.fixture(autouse=True)
def _reset_tenancy():
    yield
    middleware.forget()
    cache.clear()  # rate-limit counters
    connection.set_schema_to_public()
    # Eager tasks (the test settings) run under Celery's "joining would block" flag, a
    # process-wide global each eager call saves and restores: eager tasks in the threads of
    # a race test can restore each other's value and leave it set, and a later test that
    # waits for a real worker's result would then be refused.
    _set_task_join_will_block(False)


def _activate(schema: str):
    tenant = get_tenant_model().objects.get(schema_name=schema)
    connection.set_tenant(tenant)
    return tenant


@pytest.fixture
def acme(db):
    return _activate("acme")


@pytest.fixture
def globex(db):
    return _activate("globex")


def database_url() -> str:
    """The test database, for subprocesses (the embedded server's socket is an option)."""
    db = connection.settings_dict
    host = db["HOST"] or db["OPTIONS"].get("host", "")
    auth = f"{db['USER']}:{db['PASSWORD']}" if db["PASSWORD"] else db["USER"]
    return f"postgres://{auth}@/{db['NAME']}?host={host}&port={db['PORT'] or 5432}"


def subprocess_env(**extra: str) -> dict[str, str]:
    """The environment of a worker or server subprocess: this process's, on the test
    settings, the test database and the test Redis; ``extra`` may replace any of them."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "prm.settings_test",
        "DATABASE_URL": database_url(),
        "REDIS_URL": settings.REDIS_URL,
        **extra,
    }


def login_client(host: str, email: str) -> Client:
    client = Client(HTTP_HOST=host)
    response = client.post("/login/", {"username": email, "password": PASSWORD})
    assert response.status_code == 302, f"login of {email} failed"
    return client


def token_client(host: str, email: str) -> Client:
    response = Client(HTTP_HOST=host).post(
        "/api/v1/auth/token/",
        {"email": email, "password": PASSWORD},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    return Client(HTTP_HOST=host, HTTP_AUTHORIZATION=f"Token {response.json()['token']}")


@pytest.fixture
def acme_admin_api(db):
    return token_client(ACME_HOST, "admin@acme.example")


@pytest.fixture
def acme_partner_api(db):
    return token_client(ACME_HOST, "bob@northwind.example")


def append_only_emptied(*tables: str) -> None:
    """Empty append-only tables (the SPIFF rewards, the MDF ledger) inside the running test's
    transaction, for tests that need a tenant without the demo's deals or catalogue: their
    triggers are switched off by DDL that the test's rollback undoes, like the deletes."""
    from django.db import connection

    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f'ALTER TABLE "{table}" DISABLE TRIGGER USER')
            cursor.execute(f'DELETE FROM "{table}"')
            cursor.execute(f'ALTER TABLE "{table}" ENABLE TRIGGER USER')
