"""Beat's sweep of the engine: whatever a lost message or a dead worker left undone."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from workflows.approvals import approvals_escalate
from workflows.models import RunStatus, WorkflowRun
from workflows.notifications import notification_emails_redrive
from workflows.tasks import run_advance as run_advance_task

STALE_RUNNING = timedelta(seconds=settings.WORKFLOW_STALE_SECONDS)


def runs_redrive() -> int:
    """Escalate overdue approvals, send e-mail copies still due, advance runs that are due
    after a wait or were left running by a dead worker."""
    now = timezone.now()
    approvals_escalate()
    notification_emails_redrive(older_than=STALE_RUNNING)
    due = WorkflowRun.objects.filter(status=RunStatus.WAITING, resume_at__lte=now)
    stuck = WorkflowRun.objects.filter(status=RunStatus.RUNNING, updated_at__lt=now - STALE_RUNNING)
    ids = list(due.values_list("pk", flat=True)[:500]) + list(
        stuck.values_list("pk", flat=True)[:500]
    )
    for run_id in ids:
        run_advance_task.delay(run_id)
    return len(ids)
