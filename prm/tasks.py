"""Enqueueing side effects only after the database transaction commits."""

from __future__ import annotations

from typing import Any

from celery import Task
from django.db import transaction
from django_tenants.utils import schema_context

from prm.tenancy.context import current_schema


def enqueue_on_commit(
    task: Task, *args: Any, countdown: float | None = None, **kwargs: Any
) -> None:
    """Send ``task`` once the current transaction commits, in the tenant active *now*.

    Services call this instead of ``task.delay``: a rolled-back change sends nothing, and
    the schema is captured here because the commit may happen after the caller has left
    its ``schema_context`` (the header that routes the task is read at send time).
    ``countdown`` delays the task (seconds), e.g. the end of a workflow's wait.
    """
    schema = current_schema()

    def send() -> None:
        with schema_context(schema):
            if countdown:
                task.apply_async(args, kwargs, countdown=countdown)
            else:
                task.apply_async(args, kwargs)

    # robust: a broker that is down must not turn a committed change into an error page;
    # the state of record is in Postgres and the beat sweeps send what was not sent.
    transaction.on_commit(send, robust=True)
