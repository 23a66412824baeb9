from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection

from prm.celery import app


@app.task(name="tenancy.ping")
def ping() -> dict[str, Any]:
    """Round-trip probe: the schema the worker ran in and how many users it sees there."""
    return {"schema": connection.schema_name, "users": get_user_model().objects.count()}
