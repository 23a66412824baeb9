"""Typed access to the tenant that django-tenants' database backend has activated."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import connection

if TYPE_CHECKING:
    from prm.tenancy.models import Vendor


def current_schema() -> str:
    return connection.schema_name  # type: ignore[attr-defined]  # added by django-tenants


def current_tenant() -> Vendor:
    return connection.tenant  # type: ignore[attr-defined]  # added by django-tenants
