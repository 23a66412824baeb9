from typing import Any

from django.contrib.auth import get_user_model

from prm.celery import app
from prm.tenancy.context import current_schema


@app.task(name="tenancy.ping")
def ping() -> dict[str, Any]:
    """Round-trip probe: the schema the worker ran in and how many users it sees there."""
    return {"schema": current_schema(), "users": get_user_model().objects.count()}
