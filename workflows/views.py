import json

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from partners import scope
from prm.api import Conflict
from prm.portal.forms import PortalForm
from prm.portal.views import PortalRequest, message_service_error
from prm.users.models import Role
from workflows import approvals, definitions, engine, services
from workflows.models import RunStatus, Workflow, WorkflowRun
from workflows.notifications import notification_mark_read, notifications_of


@login_required
def notification_list(request: PortalRequest) -> HttpResponse:
    return render(
        request,
        "workflows/notifications.html",
        {"notifications": notifications_of(request.user)[:100]},
    )


@require_POST
@login_required
def notification_open(request: PortalRequest, notification_id: int) -> HttpResponse:
    """Mark read and go where the notification points."""
    notification = get_object_or_404(notifications_of(request.user), pk=notification_id)
    notification_mark_read(user=request.user, notification_id=notification.pk)
    target = notification.url
    if not target or not url_has_allowed_host_and_scheme(target, allowed_hosts=None):
        target = "notifications"
    return redirect(target)


@require_POST
@login_required
def notification_read_all(request: PortalRequest) -> HttpResponse:
    notification_mark_read(user=request.user)
    return redirect("notifications")


@login_required
def approval_inbox(request: PortalRequest) -> HttpResponse:
    """What the user has to decide, soonest due first; decide with a comment."""
    if request.method == "POST":
        decision = request.POST.get("decision", "")
        try:
            approvals.approval_decide(
                actor=request.user,
                approval_id=int(request.POST.get("approval", 0)),
                decision=decision,
                comment=request.POST.get("comment", ""),
            )
            messages.success(request, f"Decision recorded: {decision}.")
        except (PermissionDenied, Conflict) as exc:
            message_service_error(request, exc)
        return redirect("approvals")
    pending = approvals.approvals_of(request.user).filter(decided_at__isnull=True, superseded=False)
    decided = approvals.approvals_of(request.user).filter(decided_at__isnull=False)[:20]
    return render(
        request,
        "workflows/approvals.html",
        {"pending": pending, "decided": decided, "now": timezone.now()},
    )


def unread_count(request) -> dict:
    """Template context: the bell's number (one count query per signed-in page)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.role:
        return {}
    return {"unread_notifications": notifications_of(user).filter(read_at__isnull=True).count()}


class WorkflowForm(PortalForm):
    name = forms.CharField(max_length=120)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    trigger = forms.ChoiceField(choices=definitions.trigger_choices())
    enabled = forms.BooleanField(required=False)
    definition = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 14, "class": "font-monospace", "spellcheck": "false"}),
        help_text="Conditions on the trigger's object and the actions to run, as JSON; "
        "see the field and action lists beside.",
    )

    def clean_definition(self):
        try:
            return json.loads(self.cleaned_data["definition"])
        except ValueError as exc:
            raise forms.ValidationError(f"Not valid JSON: {exc}") from None


def _vendor_admin(request: PortalRequest) -> None:
    if request.user.role != Role.VENDOR_ADMIN:
        raise Http404


@login_required
def workflow_list(request: PortalRequest) -> HttpResponse:
    _vendor_admin(request)
    workflows = Workflow.objects.select_related("current").annotate(
        run_count=Count("runs"),
        failed=Count("runs", filter=Q(runs__status=RunStatus.FAILED)),
    )
    return render(request, "workflows/list.html", {"workflows": workflows})


@login_required
def workflow_edit(request: PortalRequest, workflow_id: int | None = None) -> HttpResponse:
    """Create or edit a workflow; dry-run it against a partner; see its latest runs."""
    _vendor_admin(request)
    workflow = get_object_or_404(Workflow, pk=workflow_id) if workflow_id else None
    initial = {}
    if workflow:
        initial = {
            "name": workflow.name,
            "description": workflow.description,
            "trigger": workflow.trigger,
            "enabled": workflow.enabled,
            "definition": json.dumps(
                workflow.current.definition if workflow.current else {}, indent=2
            ),
        }
    else:
        initial["definition"] = json.dumps(EXAMPLE, indent=2)
    form = WorkflowForm(request.POST if "save" in request.POST else None, initial=initial)
    dry_run = None
    if request.method == "POST" and "save" in request.POST and form.is_valid():
        try:
            workflow = services.workflow_save(
                actor=request.user, workflow=workflow, **form.cleaned_data
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            version = workflow.current.number if workflow.current else 0
            messages.success(request, f"{workflow} saved (version {version}).")
            return redirect("workflow-edit", workflow.pk)
    if request.method == "POST" and "dry_run" in request.POST and workflow:
        partner = (
            scope.partners_visible_to(request.user)
            .filter(display_name__iexact=request.POST.get("partner", "").strip())
            .first()
        )
        if partner is None:
            messages.error(request, "No partner with that name.")
        else:
            definition = workflow.current.definition if workflow.current else {}
            matched, checks = definitions.evaluate(definition.get("conditions"), partner)
            dry_run = {
                "partner": partner,
                "matched": matched,
                "checks": checks,
                "actions": definition.get("actions", []) if matched else [],
            }
    runs = workflow.runs.select_related("version")[:20] if workflow else []
    return render(
        request,
        "workflows/edit.html",
        {
            "form": form,
            "workflow": workflow,
            "dry_run": dry_run,
            "runs": runs,
            "fields": definitions.FIELDS,
            "actions": definitions.ACTIONS,
            "operators": sorted(definitions.OPERATORS),
            "stats": engine.workflow_analytics(workflow) if workflow else None,
        },
    )


@require_POST
@login_required
def run_retry(request: PortalRequest, run_id: int) -> HttpResponse:
    _vendor_admin(request)
    run = get_object_or_404(WorkflowRun, pk=run_id)
    try:
        engine.run_retry(actor=request.user, run=run)
        messages.success(request, "Run restarted from its failed step.")
    except (PermissionDenied, Conflict) as exc:
        message_service_error(request, exc)
    return redirect("workflow-edit", run.workflow_id)


EXAMPLE = {
    "conditions": {"all": [{"field": "tier.name", "op": "=", "value": "Gold"}]},
    "actions": [{"type": "notify", "to": "channel_manager", "title": "{partner}: {status}"}],
}
