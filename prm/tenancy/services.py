"""Provisioning of vendors (tenants). The command ``provision_tenant``, the operator's
Django admin and ``seed_demo`` all go through ``vendor_provision``."""

from __future__ import annotations

import re
from collections.abc import Callable

from django.conf import settings
from django.db import transaction
from django_tenants.utils import get_public_schema_name, schema_context, schema_exists

from prm.errors import Invalid
from prm.tenancy import middleware
from prm.tenancy.models import Domain, Vendor
from prm.users.models import Role, User
from prm.users.services import user_create

SCHEMA_RE = re.compile(r"^[a-z][a-z0-9_]{1,40}$")
HOST_RE = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9-]{1,63}$")
RESERVED_SCHEMAS = {get_public_schema_name(), settings.TENANT_BASE_SCHEMA, "information_schema"}


def template_ensure() -> Vendor:
    """Create the migrated, empty template schema that tenants are cloned from, once.

    It is a tenant row without a domain, so ``migrate_schemas`` keeps it migrated and no
    host reaches it. It must never hold business data: cloning copies rows.
    """
    schema = settings.TENANT_BASE_SCHEMA
    template = Vendor.objects.filter(schema_name=schema).first()
    if template is None or not schema_exists(schema):
        with transaction.atomic():
            template = template or Vendor(schema_name=schema, name="Template", is_template=True)
            template.save(verbosity=0)
    return template


def vendor_validate(schema_name: str, domain: str, name: str) -> None:
    """Raise a field-keyed ValidationError for a bad or taken schema name or host name."""
    errors: dict[str, list[str]] = {}
    if not SCHEMA_RE.match(schema_name) or schema_name.startswith("pg_"):
        errors["schema_name"] = [
            "Use 2-41 lower-case letters, digits or '_', starting with a letter."
        ]
    elif schema_name in RESERVED_SCHEMAS or Vendor.objects.filter(schema_name=schema_name).exists():
        errors["schema_name"] = [f"The schema name {schema_name!r} is already taken."]
    if not HOST_RE.match(domain):
        errors["domain"] = [f"{domain!r} is not a valid host name (e.g. partners.acme.com)."]
    elif Domain.objects.filter(domain=domain).exists():
        errors["domain"] = [f"The host name {domain!r} already belongs to a tenant."]
    if not name.strip():
        errors["name"] = ["The vendor needs a name."]
    if errors:
        raise Invalid(errors)


@transaction.atomic
def vendor_provision(
    *,
    schema_name: str,
    domain: str,
    name: str,
    admin_email: str,
    admin_password: str | None,
    admin_name: str = "",
) -> Vendor:
    """Create a vendor: its schema (cloned from the template when cloning is on, else
    migrated), its primary host name and its first vendor_admin, whose welcome e-mail is
    queued after commit. All or nothing: any error rolls back the schema too."""
    schema_name, domain = schema_name.strip().lower(), domain.strip().lower()
    vendor_validate(schema_name, domain, name)
    if settings.TENANT_CREATION_FAKES_MIGRATIONS:
        template_ensure()
    vendor = Vendor(schema_name=schema_name, name=name.strip())
    vendor.save(verbosity=0)
    Domain.objects.create(domain=domain, tenant=vendor, is_primary=True)
    middleware.forget(domain)
    with schema_context(schema_name):
        admin = user_create(
            email=admin_email,
            password=admin_password,
            role=Role.VENDOR_ADMIN,
            full_name=admin_name,
        )
        for hook in PROVISIONED:  # e.g. the editable default workflows
            hook(admin)
    return vendor


PROVISIONED: list[Callable[[User], object]] = []


def on_vendor_provisioned(hook: Callable[[User], object]) -> None:
    """Run ``hook(first_admin)`` in every new vendor's schema, in the provisioning
    transaction (apps register theirs from ``AppConfig.ready``)."""
    PROVISIONED.append(hook)
