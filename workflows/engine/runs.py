"""Starting runs from events and advancing them.

Each database action (notify, set a field, start a workflow) commits together with its step
record and the run's pointer, so a worker killed mid-step redoes the whole step and nothing
is done twice. ``wait`` parks the run until ``resume_at``; a beat sweep re-drives runs that
are due or were left running. Webhooks are the one effect outside the database: the step is
recorded as started before the call (workflows.engine.webhooks).
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from prm.errors import Conflict
from prm.outbox.models import Event
from prm.permissions import require
from prm.tasks import enqueue_on_commit
from prm.users.models import User
from workflows import definitions
from workflows.approvals import request_approval
from workflows.engine.actions import ACTIONS, render_text, wait_until
from workflows.engine.steps import step_record
from workflows.engine.webhooks import MAX_ATTEMPTS, record_start, webhook_step
from workflows.models import RunStatus, Workflow, WorkflowRun, WorkflowStep
from workflows.subjects import load_object
from workflows.tasks import run_advance as run_advance_task

logger = logging.getLogger(__name__)
__all__ = ["MAX_ATTEMPTS", "run_advance", "run_retry", "runs_start"]


def runs_start(event: Event) -> None:
    """Start the matching workflows of ``event`` (inside the event's processing transaction:
    a redelivered event finds its runs already there). Registered for every event."""
    workflows = Workflow.objects.filter(trigger=event.type, enabled=True).select_related("current")
    if not workflows:
        return
    obj = load_object(event.object_type, event.object_id)
    for workflow in workflows:
        if workflow.current is None or obj is None:
            continue
        days_before = workflow.current.definition.get("days_before")
        if days_before and event.payload.get("days") not in days_before:
            continue  # a reminder threshold this workflow does not use
        matched, _ = definitions.evaluate(workflow.current.definition.get("conditions"), obj)
        if not matched:
            continue
        try:
            with transaction.atomic():
                run = WorkflowRun.objects.create(
                    workflow=workflow,
                    version=workflow.current,
                    event=event,
                    object_type=event.object_type,
                    object_id=event.object_id,
                )
        except IntegrityError:
            continue  # this event already started this workflow
        enqueue_on_commit(run_advance_task, run.pk)


def run_advance(*, run_id: int) -> str:
    """Run the run's next actions until it completes, waits or fails. Safe to call again at
    any time: a run that is finished, parked or locked by another worker is left alone."""
    while True:
        with transaction.atomic():
            run = (
                # of=("self",): the joined version row is shared by every run of the
                # workflow; locking it too made concurrent runs skip each other.
                WorkflowRun.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("version")
                .filter(pk=run_id)
                .first()
            )
            if run is None:
                return "busy"
            if run.status == RunStatus.WAITING and run.resume_at and run.resume_at > timezone.now():
                return run.status
            if run.status not in {RunStatus.RUNNING, RunStatus.WAITING}:
                return run.status
            actions = run.version.definition.get("actions", [])
            if run.next_step >= len(actions):
                run.move(RunStatus.COMPLETED, finished_at=timezone.now())
                return run.status
            action = actions[run.next_step]
            if action["type"] == "webhook":
                if not record_start(run, action):
                    return run.status
            else:
                following = actions[run.next_step + 1] if run.next_step + 1 < len(actions) else None
                outcome = _run_in_transaction(run, action, following)
                if outcome != "next":
                    return outcome
                continue
        # Outside the transaction: the one external call.
        outcome = webhook_step(run_id, action)
        if outcome != "next":
            return outcome


def _run_in_transaction(run: WorkflowRun, action: dict, following: dict | None) -> str:
    started = timezone.now()
    try:
        with transaction.atomic():
            if action["type"] == "request_approval":
                obj = load_object(run.object_type, run.object_id)
                summary = render_text(run, action.get("note", ""), obj) or f"{run.workflow}: {obj}"
                result = request_approval(run, action, following, summary)
            else:
                result = ACTIONS[action["type"]](run, action)
            step_record(
                run,
                action,
                status="done",
                started_at=started,
                finished_at=timezone.now(),
                result=result or {},
            )
    except Exception as exc:  # the action's writes are rolled back; the failure is recorded
        logger.exception("Workflow step failed")
        step_record(
            run,
            action,
            status="failed",
            started_at=started,
            finished_at=timezone.now(),
            error=f"{type(exc).__name__}: {exc}"[:2000],
        )
        run.move(RunStatus.FAILED, error=f"Step {run.next_step + 1}: {exc}"[:2000])
        return run.status
    run.next_step += 1
    if action["type"] in {"approve", "reject"}:  # the object is decided: the run ends
        run.move(RunStatus.COMPLETED, also=("next_step",), finished_at=timezone.now())
        return run.status
    if action["type"] == "request_approval":  # parked until a decision (or escalation)
        run.move(RunStatus.WAITING, also=("next_step",), resume_at=None)
        return run.status
    if action["type"] == "wait" and (resume_at := wait_until(action)) > timezone.now():
        run.move(RunStatus.WAITING, also=("next_step",), resume_at=resume_at)
        seconds = (resume_at - timezone.now()).total_seconds()
        if seconds <= settings.WORKFLOW_COUNTDOWN_MAX_SECONDS:  # longer: the sweep resumes it
            enqueue_on_commit(run_advance_task, run.pk, countdown=seconds)
        return run.status
    run.move(RunStatus.RUNNING, also=("next_step",), resume_at=None)
    return "next"


@transaction.atomic(durable=True)
def run_retry(*, actor: User, run: WorkflowRun) -> WorkflowRun:
    """Retry a failed run from its failed step (vendor admins, from the runs page or API)."""
    require(actor, "workflows.configure", "Only vendor admins retry runs.")
    run = WorkflowRun.objects.select_for_update().get(pk=run.pk)
    if run.status != RunStatus.FAILED:
        raise Conflict("Only a failed run can be retried.", code="not_failed")
    run.move(RunStatus.RUNNING, error="")
    WorkflowStep.objects.filter(run=run, index=run.next_step).update(
        status="retrying", attempts=F("attempts") + 1
    )
    enqueue_on_commit(run_advance_task, run.pk)
    return run
