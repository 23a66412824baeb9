from django.utils.timezone import now
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from prm import limits
from prm.permissions import require
from workflows import approvals, definitions, engine, services, subjects
from workflows.models import (
    Approval,
    Decision,
    Notification,
    Workflow,
    WorkflowRun,
    WorkflowStep,
)
from workflows.notifications import notification_mark_read, notifications_of
from workflows.selectors import (
    approvals_of,
    runs_visible_to,
    workflow_analytics,
    workflows_visible_to,
)
from workflows.simulation import period_problem, simulate


class NotificationOut(serializers.ModelSerializer):
    read = serializers.SerializerMethodField()
    done = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "title", "body", "url", "created_at", "read", "read_at", "done", "done_at"]

    def get_read(self, notification: Notification) -> bool:
        return notification.read_at is not None

    def get_done(self, notification: Notification) -> bool:
        """A notification that asked for an action whose action was taken."""
        return notification.done_at is not None


class NotificationViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """The caller's notifications, newest first; ``?unread=1`` for the unread ones."""

    lookup_value_regex = "[0-9]+"  # any other id is no route: the same 404 as missing

    serializer_class = NotificationOut

    def get_queryset(self):
        rows = notifications_of(self.request.user)
        if self.request.query_params.get("unread") in {"1", "true"}:
            rows = rows.filter(read_at__isnull=True)
        return rows

    @extend_schema(request=None, responses={200: NotificationOut})
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        notification = self.get_object()
        notification_mark_read(user=request.user, notification_id=notification.pk)
        notification.refresh_from_db()
        return Response(NotificationOut(notification).data)

    @extend_schema(request=None, responses={204: None})
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request):
        notification_mark_read(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class WorkflowOut(serializers.ModelSerializer):
    version = serializers.IntegerField(source="current.number", allow_null=True)
    definition = serializers.JSONField(source="current.definition", allow_null=True)

    class Meta:
        model = Workflow
        fields = ["id", "name", "description", "trigger", "enabled", "version", "definition"]


class WorkflowIn(serializers.Serializer):
    name = serializers.CharField(max_length=120, required=False)
    description = serializers.CharField(
        max_length=limits.DESCRIPTION, allow_blank=True, required=False
    )
    trigger = serializers.ChoiceField(choices=[], required=False)
    enabled = serializers.BooleanField(required=False)
    definition = serializers.JSONField(required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # The triggers the subjects declared (known once every app is ready).
        self.fields["trigger"].choices = definitions.trigger_choices()  # type: ignore[attr-defined]  # a ChoiceField


class AnalyticsOut(serializers.Serializer):
    runs = serializers.IntegerField()
    by_status = serializers.DictField(child=serializers.IntegerField())
    median_cycle_seconds = serializers.FloatField(allow_null=True)
    p95_cycle_seconds = serializers.FloatField(allow_null=True)
    exception_rate = serializers.FloatField()
    approvals_overdue = serializers.IntegerField()


class DryRunIn(serializers.Serializer):
    object_id = serializers.IntegerField()


class DryRunOut(serializers.Serializer):
    matched = serializers.BooleanField()
    checks = serializers.ListField(child=serializers.DictField())
    actions = serializers.ListField(child=serializers.DictField())


class SimulateIn(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()

    def validate(self, attrs):
        if problem := period_problem(attrs["start"], attrs["end"]):
            raise ValidationError({"end": [problem]})
        return attrs


class SimulateOut(serializers.Serializer):
    sentence = serializers.CharField()
    considered = serializers.IntegerField()
    matched = serializers.IntegerField()
    outcomes = serializers.DictField(child=serializers.IntegerField())
    examples = serializers.ListField(child=serializers.CharField())
    truncated = serializers.BooleanField()


class WebhookSecretOut(serializers.Serializer):
    secret = serializers.CharField(help_text="whsec_ and base64: shown this once.")


class WorkflowViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Workflow definitions (vendor admins). Changing the definition or trigger makes a new
    version; ``dry-run/`` shows which conditions an existing record meets and which actions
    would run, without running them."""

    lookup_value_regex = "[0-9]+"  # any other id is no route: the same 404 as missing

    serializer_class = WorkflowOut

    def get_queryset(self):
        return workflows_visible_to(self.request.user)

    @extend_schema(
        request=WorkflowIn,
        responses={201: WorkflowOut},
        examples=[
            OpenApiExample(
                "Welcome new Gold partners",
                request_only=True,
                value={
                    "name": "Welcome Gold partners",
                    "trigger": "partner.enrolled",
                    "enabled": True,
                    "definition": {
                        "conditions": {"all": [{"field": "tier.name", "op": "=", "value": "Gold"}]},
                        "actions": [
                            {"type": "notify", "to": "channel_manager", "title": "New Gold partner"}
                        ],
                    },
                },
            )
        ],
    )
    def create(self, request):
        # Authorization before validation: others learn nothing about the request's shape.
        require(request.user, "workflows.configure", "Only vendor admins configure workflows.")
        data = WorkflowIn(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        if missing := {"name", "trigger", "definition"} - set(fields):
            raise ValidationError({name: ["This field is required."] for name in missing})
        workflow = services.workflow_save(actor=request.user, **fields)
        return Response(WorkflowOut(workflow).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=WorkflowIn, responses={200: WorkflowOut})
    def partial_update(self, request, pk=None):
        workflow = self.get_object()  # others: the same 404 as a missing workflow
        data = WorkflowIn(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        workflow = services.workflow_save(
            actor=request.user, workflow=workflow, **data.validated_data
        )
        return Response(WorkflowOut(workflow).data)

    @extend_schema(request=None, responses={201: WebhookSecretOut})
    @action(detail=True, methods=["post"], url_path="webhook-secret")
    def webhook_secret(self, request, pk=None):
        """A new secret for the workflow's webhook signatures (Standard Webhooks), returned
        this once; the previous one stops being used at once."""
        secret = services.webhook_secret_rotate(actor=request.user, workflow=self.get_object())
        return Response({"secret": secret}, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: AnalyticsOut})
    @action(detail=True, methods=["get"])
    def analytics(self, request, pk=None):
        """Volume, median and p95 cycle time, exception rate, approvals overdue."""
        return Response(workflow_analytics(self.get_object()))

    @extend_schema(
        request=SimulateIn,
        responses={200: SimulateOut},
        examples=[
            OpenApiExample(
                "Last quarter",
                value={"start": "2026-07-01", "end": "2026-09-30"},
                request_only=True,
            )
        ],
    )
    @action(detail=True, methods=["post"])
    def simulate(self, request, pk=None):
        """What the current version would have done over a past period (nothing is run)."""
        workflow = self.get_object()
        data = SimulateIn(data=request.data)
        data.is_valid(raise_exception=True)
        definition = workflow.current.definition if workflow.current else {"actions": []}
        result = simulate(trigger=workflow.trigger, definition=definition, **data.validated_data)
        label = subjects.trigger_label(workflow.trigger)
        what = definitions.considered_what(workflow.trigger, events=f"“{label}” events")
        return Response(
            {
                "sentence": result.sentence(what),
                "considered": result.considered,
                "matched": result.matched,
                "outcomes": dict(result.outcomes),
                "examples": result.examples,
                "truncated": result.truncated,
            }
        )

    @extend_schema(request=DryRunIn, responses={200: DryRunOut})
    @action(detail=True, methods=["post"], url_path="dry-run")
    def dry_run(self, request, pk=None):
        workflow = self.get_object()
        data = DryRunIn(data=request.data)
        data.is_valid(raise_exception=True)
        subject = subjects.subject_of(workflow.trigger)
        if subject is None or subject.visible_to is None:
            label = subject.label if subject else workflow.trigger
            raise ValidationError({"object_id": [f"Dry runs on a {label} are not available."]})
        obj = subject.get_for(request.user, data.validated_data["object_id"])
        definition = workflow.current.definition if workflow.current else {}
        result = definitions.dry_run(definition, obj)
        return Response(
            {
                "matched": result.matched,
                "checks": [
                    {
                        "field": c.field,
                        "op": c.op,
                        "value": c.value,
                        "actual": c.actual
                        if isinstance(c.actual, int | float | list)
                        else (None if c.actual is None else str(c.actual)),
                        "matched": c.matched,
                    }
                    for c in result.checks
                ],
                "actions": result.actions,
            }
        )


class ApprovalOut(serializers.ModelSerializer):
    workflow = serializers.CharField(source="run.workflow.name")
    object_type = serializers.CharField(source="run.object_type")
    object_id = serializers.CharField(source="run.object_id")
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = Approval
        fields = [
            "id",
            "workflow",
            "object_type",
            "object_id",
            "summary",
            "requested_at",
            "due_at",
            "overdue",
            "decision",
            "decided_at",
            "comment",
            "superseded",
            "info_requested_at",
        ]

    def get_overdue(self, approval: Approval) -> bool:
        return bool(approval.due_at and not approval.decided_at and approval.due_at < now())


class DecisionIn(serializers.Serializer):
    comment = serializers.CharField(
        max_length=limits.NOTE, allow_blank=True, required=False, default=""
    )


class ApprovalViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The caller's approval inbox: what is due and when (``?all=1`` includes decided ones).
    ``approve/`` and ``reject/`` record the decision with a comment and resume the run."""

    lookup_value_regex = "[0-9]+"  # any other id is no route: the same 404 as missing

    serializer_class = ApprovalOut

    def get_queryset(self):
        rows = approvals_of(self.request.user)
        if self.request.query_params.get("all") not in {"1", "true"}:
            rows = rows.filter(decided_at__isnull=True, superseded=False)
        return rows

    def _decide(self, request, pk, decision):
        data = DecisionIn(data=request.data)
        data.is_valid(raise_exception=True)
        approval = approvals.approval_decide(
            actor=request.user, approval_id=pk, decision=decision, **data.validated_data
        )
        return Response(ApprovalOut(approval).data)

    @extend_schema(request=DecisionIn, responses={200: ApprovalOut})
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self._decide(request, pk, Decision.APPROVED)

    @extend_schema(request=DecisionIn, responses={200: ApprovalOut})
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        return self._decide(request, pk, Decision.REJECTED)

    @extend_schema(request=DecisionIn, responses={200: ApprovalOut})
    @action(detail=True, methods=["post"], url_path="request-info")
    def request_info(self, request, pk=None):
        """Ask a question before deciding; the approval stays open."""
        data = DecisionIn(data=request.data)
        data.is_valid(raise_exception=True)
        approval = approvals.approval_request_info(
            actor=request.user, approval_id=pk, comment=data.validated_data["comment"]
        )
        return Response(ApprovalOut(approval).data)


class StepOut(serializers.ModelSerializer):
    class Meta:
        model = WorkflowStep
        fields = [
            "index",
            "action",
            "status",
            "attempts",
            "started_at",
            "finished_at",
            "error",
            "result",
        ]


class RunOut(serializers.ModelSerializer):
    workflow = serializers.CharField(source="workflow.name")
    version = serializers.IntegerField(source="version.number")
    steps = StepOut(many=True, read_only=True)

    class Meta:
        model = WorkflowRun
        fields = [
            "id",
            "workflow",
            "version",
            "object_type",
            "object_id",
            "status",
            "next_step",
            "resume_at",
            "started_at",
            "finished_at",
            "error",
            "steps",
        ]


class RunViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Workflow runs and their steps (vendor admins); filter by ``workflow`` and ``status``.
    ``retry/`` re-runs a failed run from its failed step."""

    lookup_value_regex = "[0-9]+"  # any other id is no route: the same 404 as missing

    serializer_class = RunOut

    def get_queryset(self):
        runs = runs_visible_to(self.request.user).prefetch_related("steps")
        params = self.request.query_params
        if value := params.get("workflow"):
            runs = runs.filter(workflow_id=value) if value.isdigit() else runs.none()
        if value := params.get("status"):
            runs = runs.filter(status=value)
        return runs

    @extend_schema(request=None, responses={200: RunOut})
    @action(detail=True, methods=["post"])
    def retry(self, request, pk=None):
        run = engine.run_retry(actor=request.user, run=self.get_object())
        return Response(RunOut(self.get_queryset().get(pk=run.pk)).data)
