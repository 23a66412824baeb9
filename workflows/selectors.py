"""Reads of the workflows app, each starting from the viewer: definitions and runs (vendor
admins), approval inboxes, workflow analytics."""

from __future__ import annotations

from django.db import connection
from django.db.models import Count, QuerySet
from django.http import Http404
from django.utils import timezone

from prm.permissions import can
from prm.users.models import User
from workflows.models import Approval, RunStatus, Workflow, WorkflowRun


def workflows_visible_to(user: User) -> QuerySet[Workflow]:
    """Workflow definitions: the vendor admins' configuration, nobody else's business."""
    if not can(user, "workflows.configure"):
        return Workflow.objects.none()
    return Workflow.objects.select_related("current")


def runs_visible_to(user: User) -> QuerySet[WorkflowRun]:
    if not can(user, "workflows.configure"):
        return WorkflowRun.objects.none()
    return WorkflowRun.objects.select_related("workflow", "version")


def people_named(user: User, emails) -> QuerySet[User]:
    """The users a run's steps name by e-mail (notified, asked), for the runs' readers."""
    if not can(user, "workflows.configure"):
        return User.objects.none()
    return User.objects.filter(email__in=list(emails))


def approvals_of(user: User) -> QuerySet[Approval]:
    """The approvals asked of ``user`` (their inbox)."""
    return Approval.objects.filter(approver=user).select_related("run__workflow")


def get_approval_for(user: User, approval_id: int | str) -> Approval:
    """An approval the user may read the trail of: their own, or any for vendor admins."""
    rows = Approval.objects.all() if can(user, "audit.read_all") else approvals_of(user)
    try:
        approval = rows.filter(pk=approval_id).first()
    except (ValueError, TypeError):
        approval = None
    if approval is None:
        raise Http404("No such approval.")
    return approval


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
