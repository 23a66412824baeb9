from typing import Any

from django.contrib.auth import get_user_model

from prm.celery import app
from prm.tenancy.context import current_schema


@app.task(name="tenancy.ping", ignore_result=False)  # its result is the answer
def ping() -> dict[str, Any]:
    """Round-trip probe: the schema the worker ran in and how many users it sees there."""
    return {"schema": current_schema(), "users": get_user_model().objects.count()}


@app.task(name="tenancy.fan_out")
def fan_out(task_name: str) -> int:
    """Beat's per-tenant schedules: one entry in public sends ``task_name`` into every
    vendor's schema (STYLE: beat fans out per tenant through one dispatcher task)."""
    from django_tenants.utils import get_public_schema_name, schema_context

    from prm.tenancy.models import Vendor

    schemas = Vendor.objects.filter(is_template=False).exclude(schema_name=get_public_schema_name())
    count = 0
    for schema in schemas.values_list("schema_name", flat=True):
        with schema_context(schema):
            app.send_task(task_name)
        count += 1
    return count
