"""The webhook action: the one effect outside the database. The step is recorded as
started before the call and the call carries an ``Idempotency-Key`` (run and step), so a
retried call can be recognised by the receiver."""

from __future__ import annotations

import hashlib
import hmac
import json
import urllib.request

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from workflows.engine.steps import step_record
from workflows.models import RunStatus, WorkflowRun, WorkflowStep

MAX_ATTEMPTS = 8  # of an external call, before the run fails and waits for a retry


def record_start(run: WorkflowRun, action: dict) -> bool:
    """Record a webhook attempt; after MAX_ATTEMPTS failed ones the run fails instead."""
    step = WorkflowStep.objects.filter(run=run, index=run.next_step).first()
    attempts = step.attempts + 1 if step else 1
    if attempts > MAX_ATTEMPTS:
        run.move(
            RunStatus.FAILED,
            error=f"Step {run.next_step + 1}: gave up after {MAX_ATTEMPTS} attempts",
        )
        return False
    step_record(run, action, status="started", attempts=attempts, started_at=timezone.now())
    return True


def webhook_step(run_id: int, action: dict) -> str:
    """Call the webhook (outside any transaction) and record the outcome."""
    run = WorkflowRun.objects.get(pk=run_id)
    body = json.dumps(
        {
            "workflow": run.workflow.name,
            "object_type": run.object_type,
            "object_id": run.object_id,
            "event": str(run.event_id or ""),
        }
    ).encode()
    key = f"run-{run.pk}-step-{run.next_step}"
    signature = hmac.new(settings.SECRET_KEY.encode(), body, hashlib.sha256).hexdigest()
    request = urllib.request.Request(
        action["url"],
        data=body,
        headers={
            "Content-Type": "application/json",
            "Idempotency-Key": key,
            "X-PRM-Signature": f"sha256={signature}",
        },
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            status = response.status
    except Exception as exc:
        with transaction.atomic():
            run = WorkflowRun.objects.select_for_update().get(pk=run_id)
            step_record(
                run,
                action,
                status="failed",
                finished_at=timezone.now(),
                error=f"{type(exc).__name__}: {exc}"[:2000],
            )
        raise  # the task retries with backoff; the step keeps its attempts
    with transaction.atomic():
        run = WorkflowRun.objects.select_for_update().get(pk=run_id)
        step_record(
            run, action, status="done", finished_at=timezone.now(), result={"status": status}
        )
        run.next_step += 1
        run.save(update_fields=["next_step", "updated_at"])
    return "next"
