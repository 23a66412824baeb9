import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django_tenants.utils import schema_context, schema_exists

from prm.tenancy.models import Domain, Vendor
from prm.tenancy.services import vendor_provision
from prm.users.models import Role, User


def provision(**overrides):
    args = {
        "schema_name": "umbrella",
        "domain": "umbrella.localhost",
        "name": "Umbrella",
        "admin_email": "admin@umbrella.example",
        "admin_password": "a-Strong-pass-42",
    }
    return vendor_provision(**{**args, **overrides})


def test_provision_tenant_command_creates_schema_domain_and_admin(db):
    out = io.StringIO()
    call_command(
        "provision_tenant",
        "--schema=umbrella",
        "--domain=umbrella.localhost",
        "--name=Umbrella",
        "--admin-email=admin@umbrella.example",
        "--admin-password=a-Strong-pass-42",
        stdout=out,
    )
    assert "Created Umbrella" in out.getvalue()
    assert Domain.objects.get(domain="umbrella.localhost").tenant.schema_name == "umbrella"
    with schema_context("umbrella"):
        admin = User.objects.get()
        assert (admin.email, admin.role) == ("admin@umbrella.example", Role.VENDOR_ADMIN)
    login = Client(HTTP_HOST="umbrella.localhost").post(
        "/login/", {"username": "admin@umbrella.example", "password": "a-Strong-pass-42"}
    )
    assert login.status_code == 302


def test_a_cloned_tenant_keeps_the_ledgers_append_only_trigger(db, settings):
    """The MDF ledger's UPDATE/DELETE refusal is a trigger: cloning must carry it over."""
    assert settings.TENANT_CREATION_FAKES_MIGRATIONS
    provision()
    with schema_context("umbrella"), connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgname FROM pg_trigger WHERE tgrelid = 'incentives_ledgerentry'::regclass "
            "AND NOT tgisinternal ORDER BY tgname"
        )
        names = [row[0] for row in cursor.fetchall()]
        assert names == ["ledger_entry_append_only", "ledger_entry_no_truncate"]
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
            cursor.execute("TRUNCATE incentives_ledgerentry CASCADE")


def test_a_cloned_tenant_is_empty_and_fully_migrated(db, settings):
    assert settings.TENANT_CREATION_FAKES_MIGRATIONS
    provision()
    with schema_context("umbrella"):
        assert list(User.objects.values_list("email", flat=True)) == ["admin@umbrella.example"]
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM django_migrations")
            applied = cursor.fetchone()[0]
    with schema_context("acme"), connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM django_migrations")
        assert cursor.fetchone()[0] == applied


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"schema_name": "acme"}, "schema_name"),
        ({"schema_name": "public"}, "schema_name"),
        ({"schema_name": "tenant_template"}, "schema_name"),
        ({"schema_name": "Bad-Name"}, "schema_name"),
        ({"domain": "acme.localhost"}, "domain"),
        ({"domain": "not a host"}, "domain"),
        ({"name": "  "}, "name"),
        ({"admin_email": "not-an-email"}, "email"),
        ({"admin_password": "123"}, "password"),
    ],
)
def test_bad_provisioning_input_is_refused_and_creates_nothing(db, overrides, field):
    vendors = Vendor.objects.count()
    with pytest.raises(ValidationError) as exc:
        provision(**overrides)
    assert field in exc.value.message_dict
    assert Vendor.objects.count() == vendors
    assert not Domain.objects.filter(domain="umbrella.localhost").exists()
    assert not schema_exists("umbrella")


def test_the_command_reports_errors_without_a_traceback(db):
    with pytest.raises(CommandError, match=r"domain: The host name 'acme\.localhost'"):
        call_command(
            "provision_tenant",
            "--schema=umbrella",
            "--domain=acme.localhost",
            "--name=Umbrella",
            "--admin-email=admin@umbrella.example",
        )


def test_seed_demo_is_idempotent(db):
    before = Vendor.objects.count()
    call_command("seed_demo", stdout=io.StringIO())
    assert Vendor.objects.count() == before
