"""Running workflows: an event starts the runs of the enabled workflows it triggers whose
conditions hold; a run advances one action at a time.

Each database action (notify, set a field, start a workflow) commits together with its step
record and the run's pointer, so a worker killed mid-step redoes the whole step and nothing
is done twice. ``wait`` parks the run until ``resume_at``; a beat sweep re-drives runs that
are due or were left running. Webhooks are the one effect outside the database: the step is
recorded as started before the call and the call carries an ``Idempotency-Key`` (run and
step), so a retried call can be recognised by the receiver.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import urllib.request
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, F
from django.utils import timezone

from partners.models import (
    PARTNER_TRANSITIONS,
    Partner,
    PartnerStatus,
    Tier,
)
from partners.scope import partner_admins
from prm.tasks import enqueue_on_commit
from prm.users.models import Role, User
from workflows import definitions
from workflows.approvals import approvals_escalate, request_approval
from workflows.decisions import decide
from workflows.events import EVENT_TYPES, on_event
from workflows.models import Event, RunStatus, Workflow, WorkflowRun, WorkflowStep
from workflows.notifications import notification_emails_redrive, notify
from workflows.objects import load_object

logger = logging.getLogger(__name__)
STALE_RUNNING = timedelta(seconds=settings.WORKFLOW_STALE_SECONDS)
MAX_ATTEMPTS = 8  # of an external call, before the run fails and waits for a retry


def runs_start(event: Event) -> None:
    """Start the matching workflows of ``event`` (inside the event's processing transaction:
    a redelivered event finds its runs already there)."""
    obj = load_object(event.object_type, event.object_id)
    for workflow in Workflow.objects.filter(trigger=event.type, enabled=True).select_related(
        "current"
    ):
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
        from workflows.tasks import advance_run

        enqueue_on_commit(advance_run, run.pk)


for _event_type in EVENT_TYPES:
    on_event(_event_type)(runs_start)


def period_label(every: str, day: date) -> str:
    """The schedule period ``day`` falls in: a scheduled workflow runs once per period and
    partner, at the first sweep of the period (a quarterly tier review at quarter start)."""
    if every == "week":
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    if every == "month":
        return f"{day:%Y-%m}"
    if every == "quarter":
        return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    return day.isoformat()


def schedules_run() -> int:
    """Start this period's runs of the enabled scheduled workflows: the first sweep of a
    period (a day unless the definition's ``schedule`` says week, month or quarter) checks
    every partner and starts one run per partner whose conditions hold ("no profile review
    in 180 days"); later sweeps of the period leave the workflow alone. A sweep that dies
    half-way is finished by the next one: the runs it started are skipped."""
    from workflows.tasks import advance_run

    today = timezone.localdate()
    started = 0
    workflows = Workflow.objects.filter(trigger=definitions.SCHEDULE, enabled=True)
    for workflow in workflows.select_related("current"):
        if workflow.current is None:
            continue
        definition = workflow.current.definition
        label = period_label((definition.get("schedule") or {}).get("every", "day"), today)
        checked = f"{label}:v{workflow.current.number}"  # a new version is checked anew
        if workflow.checked_period == checked:
            continue
        done = set(
            WorkflowRun.objects.filter(workflow=workflow, key__startswith=f"{label}:").values_list(
                "object_id", flat=True
            )
        )
        partners = (
            Partner.objects.exclude(status=PartnerStatus.TERMINATED)
            .exclude(pk__in=[int(pk) for pk in done])
            .select_related("tier", "territory", "channel_manager")
        )
        for partner in partners.iterator(chunk_size=500):
            if not definitions.evaluate(definition.get("conditions"), partner)[0]:
                continue
            with transaction.atomic():
                run, created = WorkflowRun.objects.get_or_create(
                    workflow=workflow,
                    key=f"{label}:{partner.pk}",
                    defaults={
                        "version": workflow.current,
                        "object_type": "partner",
                        "object_id": str(partner.pk),
                    },
                )
                if created:
                    enqueue_on_commit(advance_run, run.pk)
                    started += 1
        Workflow.objects.filter(pk=workflow.pk).update(checked_period=checked)
    return started


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
                run.status, run.finished_at = RunStatus.COMPLETED, timezone.now()
                run.save(update_fields=["status", "finished_at", "updated_at"])
                return run.status
            action = actions[run.next_step]
            if action["type"] == "webhook":
                if not _record_start(run, action):
                    return run.status
            else:
                following = actions[run.next_step + 1] if run.next_step + 1 < len(actions) else None
                outcome = _run_in_transaction(run, action, following)
                if outcome != "next":
                    return outcome
                continue
        # Outside the transaction: the one external call.
        outcome = _webhook_step(run_id, action)
        if outcome != "next":
            return outcome


def _step(run: WorkflowRun, action: dict, **fields) -> WorkflowStep:
    step, _ = WorkflowStep.objects.update_or_create(
        run=run, index=run.next_step, defaults={"action": action, **fields}
    )
    return step


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
            _step(
                run,
                action,
                status="done",
                started_at=started,
                finished_at=timezone.now(),
                result=result or {},
            )
    except Exception as exc:  # the action's writes are rolled back; the failure is recorded
        logger.exception("Workflow step failed")
        _step(
            run,
            action,
            status="failed",
            started_at=started,
            finished_at=timezone.now(),
            error=f"{type(exc).__name__}: {exc}"[:2000],
        )
        run.status, run.error = RunStatus.FAILED, f"Step {run.next_step + 1}: {exc}"[:2000]
        run.save(update_fields=["status", "error", "updated_at"])
        return run.status
    run.next_step += 1
    if action["type"] in {"approve", "reject"}:  # the object is decided: the run ends
        run.status, run.finished_at = RunStatus.COMPLETED, timezone.now()
        run.save(update_fields=["next_step", "status", "finished_at", "updated_at"])
        return run.status
    if action["type"] == "request_approval":  # parked until a decision (or escalation)
        run.status, run.resume_at = RunStatus.WAITING, None
        run.save(update_fields=["next_step", "status", "resume_at", "updated_at"])
        return run.status
    if action["type"] == "wait" and (resume_at := wait_until(action)) > timezone.now():
        run.status, run.resume_at = RunStatus.WAITING, resume_at
        run.save(update_fields=["next_step", "status", "resume_at", "updated_at"])
        from workflows.tasks import advance_run

        seconds = (resume_at - timezone.now()).total_seconds()
        if seconds <= settings.WORKFLOW_COUNTDOWN_MAX_SECONDS:  # longer: the sweep resumes it
            enqueue_on_commit(advance_run, run.pk, countdown=seconds)
        return run.status
    run.status, run.resume_at = RunStatus.RUNNING, None
    run.save(update_fields=["next_step", "status", "resume_at", "updated_at"])
    return "next"


# --- actions (database) ----------------------------------------------------------------


def _recipients(run: WorkflowRun, who: str, obj) -> list[User]:
    if who == "vendor_admins":
        return list(User.objects.filter(role=Role.VENDOR_ADMIN, is_active=True))
    if who == "actor":
        return [run.event.actor] if run.event and run.event.actor else []
    if isinstance(obj, Partner):
        if who == "channel_manager":
            return [obj.channel_manager] if obj.channel_manager else []
        if who == "partner_admins":
            return list(partner_admins(obj))
    return []


class _Placeholders(dict):
    """Placeholder values, computed only when a text uses them (some cost queries)."""

    def __getitem__(self, key: str) -> str:
        value = super().__getitem__(key)
        return str(value() if callable(value) else value)

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"  # unknown placeholders stay visible instead of failing


def render_text(run: WorkflowRun, text: str, obj=None) -> str:
    """Fill ``{partner}`` (or ``{application}``), ``{status}``, ``{tier}``,
    ``{qualified_tier}``, ``{discount}``, ``{days}``, ``{certification}``, ``{holder}`` in an
    admin-written text from the run's object and event."""
    if "{" not in text:
        return text
    obj = obj or load_object(run.object_type, run.object_id)
    payload = run.event.payload if run.event else {}
    name = str(obj) if obj else ""
    values = _Placeholders(
        {
            run.object_type: name,
            definitions.OBJECT_LABELS.get(run.object_type, ""): name,
            "days": payload.get("left", payload.get("days", "")),
            "certification": payload.get("certification_name", ""),
            "holder": payload.get("holder", ""),
            "status": payload.get("to", getattr(obj, "status", "")),
        }
    )
    if isinstance(obj, Partner):
        values.update(
            tier=lambda: obj.tier or "none yet",
            qualified_tier=lambda: obj.qualified_tier() or "",
            discount=lambda: f"{obj.tier.discount_percent:g}" if obj.tier else "0",
        )
    return text.format_map(values)


def _notify(run: WorkflowRun, action: dict) -> dict:
    obj = load_object(run.object_type, run.object_id)
    users = _recipients(run, action["to"], obj)
    notify(
        users=users,
        title=render_text(run, action["title"], obj),
        body=render_text(run, action.get("body", ""), obj),
        email=bool(action.get("email")),
    )
    return {"notified": [u.email for u in users]}


def _set_field(run: WorkflowRun, action: dict) -> dict:
    partner = Partner.objects.select_for_update().get(pk=run.object_id)
    if action["field"] == "status":
        if action["value"] == partner.status:
            return {"field": "status", "before": partner.status, "after": partner.status}
        if action["value"] not in PARTNER_TRANSITIONS[partner.status]:
            raise ValueError(f"A partner cannot go from {partner.status} to {action['value']}.")
        # Not partner_transition: a workflow's own change starts no workflows (no loops).
        before, partner.status = partner.status, action["value"]
        partner._change_reason = f"workflow {run.workflow}"
        partner.save(update_fields=["status", "updated_at"])
    else:  # tier.name, possibly "{qualified_tier}" (the tier review's proposal)
        before = partner.tier.name if partner.tier else None
        partner.tier = Tier.objects.get(name=render_text(run, action["value"], partner))
        partner._change_reason = f"workflow {run.workflow}"
        partner.save(update_fields=["tier", "updated_at"])
    return {"field": action["field"], "before": before, "after": str(partner.tier or "")}


def wait_until(action: dict) -> datetime:
    """When a ``wait`` ends: after ``hours``, or at the start of the ``until`` date."""
    if "until" in action:
        day = date.fromisoformat(action["until"])
        return timezone.make_aware(datetime.combine(day, time.min))
    return timezone.now() + timedelta(hours=float(action["hours"]))


def _wait(run: WorkflowRun, action: dict) -> dict:
    return {"until": wait_until(action).isoformat()}


def _decide(run: WorkflowRun, action: dict) -> dict:
    approved = action["type"] == "approve"
    reason = render_text(run, action.get("reason", "")) or f"by workflow {run.workflow}"
    return decide(run, approved=approved, reason=reason)


def _start_workflow(run: WorkflowRun, action: dict) -> dict:
    workflow = Workflow.objects.select_related("current").get(pk=action["workflow"])
    if workflow.current is None:
        raise ValueError(f"{workflow} has no definition")
    child = WorkflowRun.objects.create(
        workflow=workflow,
        version=workflow.current,
        object_type=run.object_type,
        object_id=run.object_id,
    )
    from workflows.tasks import advance_run

    enqueue_on_commit(advance_run, child.pk)
    return {"run": child.pk}


ACTIONS = {
    "notify": _notify,
    "set_field": _set_field,
    "wait": _wait,
    "start_workflow": _start_workflow,
    "approve": _decide,
    "reject": _decide,
}


# --- webhooks (the external effect) ----------------------------------------------------


def _record_start(run: WorkflowRun, action: dict) -> bool:
    """Record a webhook attempt; after MAX_ATTEMPTS failed ones the run fails instead."""
    step = WorkflowStep.objects.filter(run=run, index=run.next_step).first()
    attempts = step.attempts + 1 if step else 1
    if attempts > MAX_ATTEMPTS:
        run.status = RunStatus.FAILED
        run.error = f"Step {run.next_step + 1}: gave up after {MAX_ATTEMPTS} attempts"
        run.save(update_fields=["status", "error", "updated_at"])
        return False
    _step(run, action, status="started", attempts=attempts, started_at=timezone.now())
    return True


def _webhook_step(run_id: int, action: dict) -> str:
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
            _step(
                run,
                action,
                status="failed",
                finished_at=timezone.now(),
                error=f"{type(exc).__name__}: {exc}"[:2000],
            )
        raise  # the task retries with backoff; the step keeps its attempts
    with transaction.atomic():
        run = WorkflowRun.objects.select_for_update().get(pk=run_id)
        _step(run, action, status="done", finished_at=timezone.now(), result={"status": status})
        run.next_step += 1
        run.save(update_fields=["next_step", "updated_at"])
    return "next"


def runs_redrive() -> int:
    """The sweep: escalate overdue approvals, send e-mail copies still due, advance runs
    that are due after a wait or were left running by a dead worker."""
    from workflows.tasks import advance_run

    now = timezone.now()
    approvals_escalate()
    notification_emails_redrive(older_than=STALE_RUNNING)
    due = WorkflowRun.objects.filter(status=RunStatus.WAITING, resume_at__lte=now)
    stuck = WorkflowRun.objects.filter(status=RunStatus.RUNNING, updated_at__lt=now - STALE_RUNNING)
    ids = list(due.values_list("pk", flat=True)[:500]) + list(
        stuck.values_list("pk", flat=True)[:500]
    )
    for run_id in ids:
        advance_run.delay(run_id)
    return len(ids)


@transaction.atomic
def run_retry(*, actor: User, run: WorkflowRun) -> WorkflowRun:
    """Retry a failed run from its failed step (vendor admins, from the runs page or API)."""
    if actor.role != Role.VENDOR_ADMIN:
        raise PermissionDenied("Only vendor admins retry runs.")
    run = WorkflowRun.objects.select_for_update().get(pk=run.pk)
    if run.status != RunStatus.FAILED:
        from prm.api import Conflict

        raise Conflict("Only a failed run can be retried.", code="not_failed")
    run.status, run.error = RunStatus.RUNNING, ""
    run.save(update_fields=["status", "error", "updated_at"])
    WorkflowStep.objects.filter(run=run, index=run.next_step).update(
        status="retrying", attempts=F("attempts") + 1
    )
    from workflows.tasks import advance_run

    enqueue_on_commit(advance_run, run.pk)
    return run


def workflow_analytics(workflow: Workflow) -> dict:
    """Volume, cycle time (median, p95) of completed runs, exception rate, overdue approvals."""
    runs = WorkflowRun.objects.filter(workflow=workflow)
    total = runs.count()
    failed = runs.filter(status=RunStatus.FAILED).count()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY d), "
            "percentile_cont(0.95) WITHIN GROUP (ORDER BY d) FROM ("
            "  SELECT EXTRACT(EPOCH FROM finished_at - started_at) AS d "
            "  FROM workflows_workflowrun WHERE workflow_id = %s AND status = %s"
            "  AND finished_at IS NOT NULL) AS t",
            [workflow.pk, RunStatus.COMPLETED],
        )
        median, p95 = cursor.fetchone()
    from workflows.models import Approval

    overdue = Approval.objects.filter(
        run__workflow=workflow,
        decided_at__isnull=True,
        superseded=False,
        due_at__lt=timezone.now(),
    ).count()
    return {
        "runs": total,
        "by_status": dict(runs.order_by().values_list("status").annotate(n=Count("id"))),
        "median_cycle_seconds": median,
        "p95_cycle_seconds": p95,
        "exception_rate": failed / total if total else 0.0,
        "approvals_overdue": overdue,
    }
