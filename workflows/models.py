"""In-app notifications, workflow definitions, runs, steps and approvals (PRODUCT.md §7-§8).
The events that start runs are the platform's outbox (prm.outbox)."""

from __future__ import annotations

import base64
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from prm import limits
from prm.audit import audit_declare
from prm.lifecycle import Lifecycle, status_constraint


class Notification(models.Model):
    """An in-app notification. One per event and recipient, so reprocessing an event cannot
    notify anyone twice. One that asks for an action names it in ``asks`` (see
    ``workflows.notifications.asking``); the service that performs the action marks it
    done (and read)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    event = models.ForeignKey("outbox.Event", null=True, blank=True, on_delete=models.SET_NULL)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    email_wanted = models.BooleanField(default=False, help_text="An e-mail copy is due.")
    emailed_at = models.DateTimeField(
        null=True, blank=True, help_text="Set when the e-mail copy went out (sent once)."
    )
    asks = models.CharField(
        max_length=120, blank=True, help_text="The action it asks for, e.g. 'agreement.accept'."
    )
    done_at = models.DateTimeField(
        null=True, blank=True, help_text="When the action it asks for was taken."
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["user", "read_at"], name="notification_unread"),
            models.Index(
                fields=["asks"],
                condition=Q(done_at__isnull=True) & ~Q(asks=""),
                name="notification_asks_open",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "user"],
                condition=Q(event__isnull=False),
                name="notification_once_per_event",
            )
        ]

    def __str__(self) -> str:
        return self.title


class Workflow(models.Model):
    """A rule-based workflow configured by vendor admins. Its definition lives in immutable
    versions: a run keeps the version it started with."""

    name = models.CharField(max_length=120, unique=True)
    description = models.TextField(blank=True, max_length=limits.DESCRIPTION)
    trigger = models.CharField(max_length=80)
    enabled = models.BooleanField(default=False)
    checked_period = models.CharField(
        max_length=40, blank=True, help_text="Scheduled workflows: the period last checked."
    )
    current = models.ForeignKey(
        "WorkflowVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["trigger", "enabled"], name="workflow_trigger")]

    def __str__(self) -> str:
        return self.name


class WorkflowVersion(models.Model):
    workflow = models.ForeignKey(Workflow, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    definition = models.JSONField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["workflow", "number"], name="workflow_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.workflow} v{self.number}"


class RunStatus(models.TextChoices):
    RUNNING = "running", "Running"
    WAITING = "waiting", "Waiting"
    COMPLETED = "completed", "Completed"
    FAILED = "failed", "Failed"


RUN_LIFECYCLE = Lifecycle(
    "workflow run",
    {
        # running -> running: the next action; waiting -> waiting: parked again
        RunStatus.RUNNING: frozenset(RunStatus.values),
        RunStatus.WAITING: frozenset(RunStatus.values),
        RunStatus.COMPLETED: frozenset(),
        RunStatus.FAILED: frozenset({RunStatus.RUNNING}),  # retried
    },
    labels=dict(RunStatus.choices),
)


class WorkflowRun(models.Model):
    """One execution of a workflow version on one object. ``next_step`` is the index of the
    action still to run; each step commits together with the advance of this pointer."""

    workflow = models.ForeignKey(Workflow, on_delete=models.CASCADE, related_name="runs")
    version = models.ForeignKey(WorkflowVersion, on_delete=models.PROTECT, related_name="runs")
    event = models.ForeignKey("outbox.Event", null=True, blank=True, on_delete=models.SET_NULL)
    object_type = models.CharField(max_length=60)
    object_id = models.CharField(max_length=40)
    status = models.CharField(max_length=12, choices=RunStatus.choices, default=RunStatus.RUNNING)
    next_step = models.PositiveIntegerField(default=0)
    resume_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    key = models.CharField(
        max_length=80,
        blank=True,
        help_text="Scheduled runs: one per workflow and key (day:object).",
    )

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["status", "resume_at"], name="run_status_resume")]
        constraints = [
            models.UniqueConstraint(
                fields=["workflow", "key"], condition=~Q(key=""), name="one_scheduled_run_per_key"
            ),
            models.UniqueConstraint(
                fields=["workflow", "event"],
                condition=Q(event__isnull=False),
                name="one_run_per_workflow_and_event",
            ),
            RUN_LIFECYCLE.constraint("status", "run_status_known"),
        ]

    def __str__(self) -> str:
        return f"{self.workflow} on {self.object_type}#{self.object_id}"

    def move(self, status: str, *, also: tuple[str, ...] = (), **values) -> None:
        """The run's one transition: check the lifecycle, set ``status`` and ``values``,
        save them (and the fields named in ``also``, set by the caller)."""
        RUN_LIFECYCLE.check(self.status, status)
        self.status = status
        for name, value in values.items():
            setattr(self, name, value)
        self.save(update_fields=["status", *values, *also, "updated_at"])


STEP_STATUSES = ("started", "done", "failed", "retrying")


class WorkflowStep(models.Model):
    """The record of one action of a run: status, timings, attempts, error, result."""

    run = models.ForeignKey(WorkflowRun, on_delete=models.CASCADE, related_name="steps")
    index = models.PositiveIntegerField()
    action = models.JSONField()
    status = models.CharField(max_length=12, default="done")
    attempts = models.PositiveIntegerField(default=1)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    result = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["index"]
        constraints = [
            models.UniqueConstraint(fields=["run", "index"], name="one_record_per_step"),
            status_constraint("status", STEP_STATUSES, "step_status_known"),
        ]

    def __str__(self) -> str:
        return f"{self.run} step {self.index}"


class Decision(models.TextChoices):
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


class Approval(models.Model):
    """A decision asked of one approver by a run's ``request_approval`` step. The first
    decision of any approver of the step decides; the others are superseded."""

    run = models.ForeignKey(WorkflowRun, on_delete=models.CASCADE, related_name="approvals")
    step = models.PositiveIntegerField()
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="approvals"
    )
    summary = models.CharField(max_length=300, blank=True, help_text="What is asked.")
    requested_at = models.DateTimeField(default=timezone.now)
    due_at = models.DateTimeField(null=True, blank=True)
    escalate_to = models.CharField(max_length=40, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    decision = models.CharField(max_length=12, choices=Decision.choices, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    comment = models.TextField(blank=True, max_length=limits.NOTE)
    superseded = models.BooleanField(default=False)
    info_requested_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()  # decisions and questions, in the audit trail

    class Meta:
        ordering = ["due_at", "requested_at"]
        indexes = [models.Index(fields=["approver", "decided_at"], name="approval_inbox")]
        constraints = [
            models.UniqueConstraint(
                fields=["run", "step", "approver"], name="one_approval_per_approver_and_step"
            ),
            status_constraint("decision", ["", *Decision.values], "approval_decision_known"),
        ]

    def __str__(self) -> str:
        return f"{self.run} step {self.step}: {self.approver}"


class WebhookSecret(models.Model):
    """The key a workflow's webhooks are signed with (Standard Webhooks: ``whsec_`` and
    base64), one per workflow; created when a version with a webhook is saved, rotated by a
    vendor admin (the API shows a new secret once). Stored as it is: signing needs the key
    itself, so it cannot be hashed, and the tenant's database is what protects it."""

    workflow = models.OneToOneField(
        Workflow, on_delete=models.CASCADE, related_name="webhook_secret"
    )
    secret = models.CharField(max_length=80)
    created_at = models.DateTimeField(default=timezone.now)
    rotated_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"webhook secret of {self.workflow}"

    @staticmethod
    def generate() -> str:
        return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()

    @classmethod
    def of(cls, workflow_id: int) -> str:
        """The workflow's secret, created if it has none yet."""
        row, _ = cls.objects.get_or_create(
            workflow_id=workflow_id, defaults={"secret": cls.generate()}
        )
        return row.secret


# A decision reads "Decision set to Approved by …: “comment”" (the note carries the comment
# and the record's time says when).
audit_declare(
    Approval,
    labels={"superseded": "No longer needed", "escalated_at": "Escalated", "due_at": "Due"},
    hidden=("comment", "decided_at", "info_requested_at"),
)
