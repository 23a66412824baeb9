import pytest
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from tests.conftest import ACME_HOST, GLOBEX_HOST, login_client

User = get_user_model()


def test_unknown_host_answers_404(db):
    response = Client(HTTP_HOST="nobody.localhost").get("/login/")
    assert response.status_code == 404


def test_each_host_serves_its_own_tenant(db):
    assert b"Acme" in Client(HTTP_HOST=ACME_HOST).get("/login/").content
    assert b"Globex" in Client(HTTP_HOST=GLOBEX_HOST).get("/login/").content


def test_public_host_serves_the_operator_side_not_a_portal(db):
    client = Client(HTTP_HOST="localhost")
    assert client.get("/").status_code == 200
    assert client.get("/login/").status_code == 404
    assert client.get("/admin/").status_code == 302  # to the admin login


def test_users_of_one_tenant_cannot_log_into_another(db):
    response = Client(HTTP_HOST=GLOBEX_HOST).post(
        "/login/", {"username": "admin@acme.example", "password": "demo-pass-123"}
    )
    assert response.status_code == 200
    assert b"do not match" in response.content


def test_tenant_data_is_separated_by_schema(db):
    with schema_context("acme"):
        acme_emails = set(User.objects.values_list("email", flat=True))
    with schema_context("globex"):
        globex_emails = set(User.objects.values_list("email", flat=True))
    assert "admin@acme.example" in acme_emails - globex_emails
    assert "admin@globex.example" in globex_emails - acme_emails


def test_a_request_issues_exactly_one_search_path_statement(db):
    client = login_client(ACME_HOST, "admin@acme.example")
    client.get("/api/v1/me/")  # warms the host -> tenant cache
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/api/v1/me/")
    assert response.status_code == 200
    sets = [q["sql"] for q in ctx.captured_queries if q["sql"].startswith("SET search_path")]
    assert sets == ['SET search_path = "acme","public"']


def test_rolled_back_savepoint_cannot_leave_another_tenants_search_path(db):
    with schema_context("acme"):
        assert User.objects.filter(email="admin@acme.example").exists()
        with pytest.raises(RuntimeError), transaction.atomic():
            with schema_context("globex"):
                User.objects.count()  # SET search_path to globex inside the savepoint
            raise RuntimeError
        # The savepoint's rollback undid the SET; acme's rows must still be what we see.
        assert User.objects.filter(email="admin@acme.example").exists()
        assert not User.objects.filter(email="admin@globex.example").exists()


@pytest.mark.parametrize(("schema", "runs"), [("public", False), ("acme", True)])
def test_a_migration_of_an_app_the_schema_does_not_hold_is_recorded_not_run(db, schema, runs):
    """prm.tenancy.migrate: a tenant app's migration in ``public`` is recorded with its
    models kept in the state for the migrations after it, and never applied (Django's
    executor would apply it, each operation refused by the router, at a copy of the whole
    state each); in a tenant schema the same migration is applied."""
    from unittest import mock

    from django.db.migrations.migration import Migration

    from prm.tenancy.migrate import SchemaMigrationExecutor

    with schema_context(schema):
        executor = SchemaMigrationExecutor(connection)
        key = ("deals", "0001_accounts_reservations_policy")
        migration = executor.loader.get_migration(*key)
        state = executor.loader.project_state(key, at_end=False)
        applied = []

        def apply(self, project_state, schema_editor, collect_sql=False):
            applied.append(self.name)
            return project_state

        with mock.patch.object(Migration, "apply", apply):
            after = executor.apply_migration(state, migration)
        assert applied == ([migration.name] if runs else [])
        if not runs:
            assert ("deals", "customeraccount") in after.models
        assert executor.recorder.migration_qs.filter(app="deals", name=migration.name).exists()
