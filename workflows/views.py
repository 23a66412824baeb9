import json
from datetime import date, timedelta
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from prm import limits
from prm.permissions import can
from prm.portal.forms import PortalForm
from prm.portal.views import PortalRequest, service_errors
from workflows import approvals, builder, definitions, engine, services, subjects
from workflows.models import RunStatus
from workflows.notifications import notification_mark_read, notifications_of
from workflows.selectors import (
    approvals_of,
    runs_visible_to,
    workflow_analytics,
    workflows_visible_to,
)
from workflows.simulation import period_problem, simulate


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
        approval_id = request.POST.get("approval", "")
        if not approval_id.isdigit():
            raise Http404("No such approval.")
        with service_errors(request) as outcome:
            approvals.approval_decide(
                actor=request.user,
                approval_id=int(approval_id),
                decision=decision,
                comment=request.POST.get("comment", ""),
            )
        if not outcome.failed:
            messages.success(request, f"Decision recorded: {decision}.")
        return redirect("approvals")
    pending = list(approvals_of(request.user).filter(decided_at__isnull=True, superseded=False))
    for approval in pending:  # the page of what is decided, as its subject declares it
        url = subjects.object_url(approval.run.object_type, approval.run.object_id)
        approval.object_url = url  # type: ignore[attr-defined]  # for the template only
    decided = approvals_of(request.user).filter(decided_at__isnull=False)[:20]
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
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=limits.DESCRIPTION
    )
    trigger = forms.ChoiceField(choices=definitions.trigger_choices)
    enabled = forms.BooleanField(required=False)
    definition = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 14, "class": "font-monospace", "spellcheck": "false"}),
        help_text="Conditions on the trigger's object and the actions to run, as JSON.",
    )

    def __init__(self, *args, path: str, json_mode: bool, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # A new trigger changes which fields and actions the builder offers.
        self.fields["trigger"].widget.attrs.update(
            {"hx-post": path, "hx-trigger": "change", "hx-vals": '{"op": "refresh"}'}
        )
        if not json_mode:  # the builder's rows hold the definition
            del self.fields["definition"]

    def clean_definition(self):
        text = self.cleaned_data["definition"]
        if len(text) > definitions.MAX_DEFINITION:
            raise forms.ValidationError("A definition is at most 64 KB.")
        try:
            return json.loads(text) if text.strip() else None
        except ValueError as exc:
            raise forms.ValidationError(f"Not valid JSON: {exc}") from None
        except RecursionError:
            raise forms.ValidationError("The JSON is nested too deeply.") from None


def _configurable(request: PortalRequest) -> None:
    """Workflows are the vendor admins' configuration: for anyone else the pages are 404."""
    if not can(request.user, "workflows.configure"):
        raise Http404


@login_required
def workflow_list(request: PortalRequest) -> HttpResponse:
    _configurable(request)
    workflows = workflows_visible_to(request.user).annotate(
        run_count=Count("runs"),
        failed=Count("runs", filter=Q(runs__status=RunStatus.FAILED)),
    )
    return render(request, "workflows/list.html", {"workflows": workflows})


def _last_quarter() -> tuple[date, date]:
    today = timezone.localdate()
    start_this = date(today.year, (today.month - 1) // 3 * 3 + 1, 1)
    end = start_this - timedelta(days=1)
    return date(end.year, (end.month - 1) // 3 * 3 + 1, 1), end


def _try(form: WorkflowForm, request: PortalRequest, workflow, rows, mode) -> dict:
    """Save, dry-run or simulate what the form holds (valid or not, nothing else changes)."""
    op = request.POST["op"]
    trigger = form.cleaned_data["trigger"]
    errors: list[str] = []
    if mode == "json":
        definition = form.cleaned_data["definition"] or {}
    else:
        definition, errors = builder.to_definition(trigger, rows)
    if errors:
        form.add_error(None, errors)
        return {}
    saved = None
    with service_errors(request, form, translate=builder.readable) as outcome:
        if op == "save":
            saved = services.workflow_save(
                actor=request.user,
                workflow=workflow,
                **{**form.cleaned_data, "definition": definition},
            )
        else:
            definitions.validate(trigger, definition)
    if outcome.failed:
        return {}
    if saved is not None:
        return {"saved": saved}
    subject = subjects.subject_of(trigger)
    if op == "dry_run":
        text = request.POST.get("record", "").strip()
        record = subject.find(request.user, text) if subject and subject.find else None
        if record is None:
            label = subject.label if subject else "record"
            form.add_error(None, f"No {label} with that name to try the workflow on.")
            return {}
        tried = definitions.dry_run(definition, record)
        return {
            "dry_run": {
                "record": record,
                "matched": tried.matched,
                "checks": [
                    {
                        "field": c.field.replace("_", " "),
                        "op": builder.OPERATOR_LABELS.get(c.op, c.op),
                        "value": c.value,
                        "actual": c.actual,
                        "matched": c.matched,
                    }
                    for c in tried.checks
                ],
                "actions": [builder.LABELS[a["type"]] for a in tried.actions],
            }
        }
    try:
        start = date.fromisoformat(request.POST.get("sim_from", ""))
        end = date.fromisoformat(request.POST.get("sim_to", ""))
    except ValueError:
        form.add_error(None, "Simulate over a period: give both dates.")
        return {}
    if problem := period_problem(start, end):
        form.add_error(None, problem)
        return {}
    result = simulate(trigger=trigger, definition=definition, start=start, end=end)
    what = definitions.considered_what(trigger, events=f"{trigger} events")
    return {"simulation": result, "sentence": result.sentence(what)}


@login_required
def workflow_edit(request: PortalRequest, workflow_id: int | None = None) -> HttpResponse:
    """Create or edit a workflow with the builder (or as JSON); dry-run it on a record and
    simulate it over a past period before saving or enabling; see its latest runs."""
    _configurable(request)
    workflow = (
        get_object_or_404(workflows_visible_to(request.user), pk=workflow_id)
        if workflow_id
        else None
    )
    results: dict = {}
    if request.method != "POST":
        definition = workflow.current.definition if workflow and workflow.current else EXAMPLE
        loaded = builder.rows_from_definition(definition)
        mode = "builder" if loaded is not None else "json"
        rows = loaded or builder.empty_rows()
        initial: dict[str, Any] = {"definition": json.dumps(definition, indent=2)}
        if workflow:
            initial.update(
                name=workflow.name,
                description=workflow.description,
                trigger=workflow.trigger,
                enabled=workflow.enabled,
            )
        form = WorkflowForm(initial=initial, path=request.path, json_mode=mode == "json")
    else:
        data = request.POST.copy()
        mode = "json" if data.get("mode") == "json" else "builder"
        rows = builder.rows_from_post(data)
        op = data.get("op", "refresh")
        if op == "json":  # show what the builder holds as JSON
            trigger = data.get("trigger", "")
            data["definition"] = json.dumps(builder.to_definition(trigger, rows)[0], indent=2)
            mode = "json"
        form = WorkflowForm(data, path=request.path, json_mode=mode == "json")
        if op not in {"builder", "save", "dry_run", "simulate"}:
            # Only reshaping the builder: keep what was typed, judge nothing yet.
            typed: dict[str, Any] = {name: data.get(name, "") for name in form.fields}
            typed["enabled"] = data.get("enabled") == "on"
            form = WorkflowForm(initial=typed, path=request.path, json_mode=mode == "json")
            builder.rows_apply(rows, op)
        elif op == "builder" and form.is_valid():
            loaded = builder.rows_from_definition(form.cleaned_data["definition"] or {})
            if loaded is None:
                form.add_error("definition", "Nested groups of conditions are edited as JSON.")
            else:
                mode, rows = "builder", loaded
        elif op in {"save", "dry_run", "simulate"} and form.is_valid():
            results = _try(form, request, workflow, rows, mode)
        if saved := results.get("saved"):
            version = saved.current.number if saved.current else 0
            messages.success(request, f"{saved} saved (version {version}).")
            url = reverse("workflow-edit", args=[saved.pk])
            return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    trigger = form["trigger"].value() or next(iter(subjects.TRIGGERS))
    visible = workflows_visible_to(request.user).select_related(None)
    others = visible.exclude(pk=workflow.pk) if workflow else visible
    sim_from, sim_to = _last_quarter()
    context = {
        "form": form,
        "workflow": workflow,
        "mode": mode,
        "builder": builder.context(
            trigger, rows, [(str(w.pk), w.name) for w in others.only("pk", "name")]
        ),
        "sim_from": request.POST.get("sim_from", sim_from.isoformat()),
        "sim_to": request.POST.get("sim_to", sim_to.isoformat()),
        "record": request.POST.get("record", ""),
        "runs": _with_urls(workflow.runs.select_related("version")[:20]) if workflow else [],
        "stats": workflow_analytics(workflow) if workflow else None,
        **results,
    }
    template = "workflows/edit.html#editor" if request.htmx else "workflows/edit.html"
    return render(request, template, context)


def _with_urls(runs) -> list:
    runs = list(runs)
    for run in runs:
        url = subjects.object_url(run.object_type, run.object_id)
        run.object_url = url  # for the template only
        subject = subjects.SUBJECTS.get(run.object_type)
        run.object_label = subject.label if subject else "record"  # in the users' words
    return runs


@require_POST
@login_required
def run_retry(request: PortalRequest, run_id: int) -> HttpResponse:
    _configurable(request)
    run = get_object_or_404(runs_visible_to(request.user), pk=run_id)
    with service_errors(request) as outcome:
        engine.run_retry(actor=request.user, run=run)
    if not outcome.failed:
        messages.success(request, "Run restarted from its failed step.")
    return redirect("workflow-edit", run.workflow_id)


EXAMPLE = {
    "conditions": {"all": [{"field": "tier.name", "op": "=", "value": "Gold"}]},
    "actions": [{"type": "notify", "to": "channel_manager", "title": "{partner}: {status}"}],
}
