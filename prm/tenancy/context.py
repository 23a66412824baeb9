"""Typed access to the tenant that django-tenants' database backend has activated."""

from __future__ import annotations

from django.db import connection

from prm.tenancy.models import Vendor


def current_schema() -> str:
    return connection.schema_name  # type: ignore[attr-defined]  # added by django-tenants


def current_tenant() -> Vendor:
    """The active vendor. ``schema_context`` activates a FakeTenant (schema name only), as
    eager tasks and commands see it; load the real row then."""
    tenant = connection.tenant  # type: ignore[attr-defined]  # added by django-tenants
    if isinstance(tenant, Vendor):
        return tenant
    return Vendor.objects.get(schema_name=tenant.schema_name)
