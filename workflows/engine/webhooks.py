"""The webhook action: the one effect outside the database. The step is recorded as
started before the call and the call carries an ``Idempotency-Key`` (run and step), so a
retried call can be recognised by the receiver. It is signed the Standard Webhooks way
(``webhook-id``, ``webhook-timestamp``, ``webhook-signature``) with the workflow's own
secret, and goes out only through the guard of ``workflows.outbound`` (public https
addresses; no redirects). What went wrong is logged; the run shows only that the webhook
could not be delivered."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

from django.db import transaction
from django.utils import timezone
from standardwebhooks import Webhook

from workflows import outbound
from workflows.engine.steps import step_record
from workflows.models import RunStatus, WebhookSecret, WorkflowRun, WorkflowStep

logger = logging.getLogger(__name__)


class WebhookNotDelivered(Exception):
    """A webhook call failed; the step is recorded and the task retries."""


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
    secret = WebhookSecret.of(run.workflow_id)
    sent_at = datetime.now(UTC)
    headers = {
        "Content-Type": "application/json",
        "Idempotency-Key": key,
        "webhook-id": key,  # the same on every attempt of the step, like Idempotency-Key
        "webhook-timestamp": str(int(sent_at.timestamp())),
        "webhook-signature": Webhook(secret).sign(key, sent_at, body.decode()),
    }
    try:
        answer = outbound.post(action["url"], body, headers)
        if not 200 <= answer.status < 300:
            raise outbound.Refused(f"answered HTTP {answer.status}")
    except Exception as exc:
        logger.warning(
            "Webhook of run %s step %s to %s not delivered: %s: %s",
            run.pk,
            run.next_step,
            action["url"],
            type(exc).__name__,
            exc,
        )
        with transaction.atomic():
            run = WorkflowRun.objects.select_for_update().get(pk=run_id)
            step_record(
                run,
                action,
                status="failed",
                finished_at=timezone.now(),
                error=outbound.NOT_DELIVERED,
            )
        # The task retries with backoff; the step keeps its attempts. Its error names
        # nothing of the network either (Celery's result and log show the message).
        raise WebhookNotDelivered(outbound.NOT_DELIVERED) from None
    with transaction.atomic():
        run = WorkflowRun.objects.select_for_update().get(pk=run_id)
        step_record(
            run, action, status="done", finished_at=timezone.now(), result={"status": answer.status}
        )
        run.next_step += 1
        run.save(update_fields=["next_step", "updated_at"])
    return "next"
