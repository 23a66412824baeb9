import json
from datetime import date, datetime
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
    people_named,
    runs_visible_to,
    workflow_analytics,
    workflows_visible_to,
)
from workflows.simulation import default_period, period_problem, simulate


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
        facts = subjects.object_summary(approval.run.object_type, approval.run.object_id)
        approval.facts = facts  # type: ignore[attr-defined]  # for the template only
    decided = list(
        approvals_of(request.user).filter(decided_at__isnull=False).order_by("-decided_at")[:20]
    )
    for approval in decided:  # what was decided: the question, its object and the outcome
        run = approval.run
        approval.object_url = subjects.object_url(run.object_type, run.object_id)  # type: ignore[attr-defined]  # for the template only
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
    workflows = list(
        workflows_visible_to(request.user).annotate(
            run_count=Count("runs"),
            failed=Count("runs", filter=Q(runs__status=RunStatus.FAILED)),
        )
    )
    for workflow in workflows:  # the trigger in the admin's words, as its subject names it
        workflow.trigger_label = subjects.trigger_label(workflow.trigger)  # type: ignore[attr-defined]  # for the template only
    return render(request, "workflows/list.html", {"workflows": workflows})


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
        label = subject.label if subject else "record"
        chosen = request.POST.get("record", "").strip()
        try:
            record = subject.get_for(request.user, chosen) if subject and chosen else None
        except Http404:
            record = None
        if record is None:
            form.add_error(None, f"Choose a {label} to try the workflow on.")
            return {}
        tried = definitions.dry_run(definition, record)
        return {
            "dry_run": {
                "record": record,
                "matched": tried.matched,
                "checks": [_check_row(subject, c) for c in tried.checks],
                "actions": [
                    builder.describe(subject, a, _workflow_names(request.user))
                    for a in tried.actions
                ],
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
    label = subjects.trigger_label(trigger)
    what = definitions.considered_what(trigger, events=f"“{label}” events")
    return {"simulation": result, "sentence": result.sentence(what)}


def _check_row(subject: subjects.Subject | None, check: definitions.Check) -> dict:
    """One condition of a dry run in the admin's words: its field's label, the operator's,
    and the values as people write them."""
    if check.event:
        event = subjects.trigger_label(check.event)
        return {
            "field": f"{event} in the last {check.days} days",
            "op": "has not happened",
            "value": "",
            "actual": "it did" if check.actual else "it did not",
            "matched": check.matched,
        }
    return {
        "field": subject.field_label(check.field) if subject else check.field,
        "op": builder.OPERATOR_LABELS.get(check.op, check.op),
        "value": _shown(check.value),
        "actual": _shown(check.actual, empty="nothing"),
        "matched": check.matched,
    }


def _shown(value: Any, empty: str = "") -> str:
    if value is None or value == "" or value == []:
        return empty
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def _workflow_names(user) -> dict[str, str]:
    rows = workflows_visible_to(user).select_related(None).values_list("pk", "name")
    return {str(pk): name for pk, name in rows}


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
    sim_from, sim_to = default_period(trigger)
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
        "records": subjects.pick_list(subjects.subject_of(trigger), request.user),
        "runs": _with_urls(workflow.runs.select_related("version")[:20]) if workflow else [],
        "stats": workflow_analytics(workflow) if workflow else None,
        **results,
    }
    template = "workflows/edit.html#editor" if request.htmx else "workflows/edit.html"
    return render(request, template, context)


def _with_urls(runs) -> list:
    """The runs with their objects' pages and names ("partner Northwind", not "#38")."""
    runs = list(runs)
    names: dict[str, dict[str, str]] = {}
    for object_type in {run.object_type for run in runs}:
        ids = [run.object_id for run in runs if run.object_type == object_type]
        names[object_type] = subjects.object_names(object_type, ids)
    for run in runs:
        run.object_url = subjects.object_url(run.object_type, run.object_id)
        subject = subjects.SUBJECTS.get(run.object_type)
        run.object_label = subject.label if subject else "record"  # in the users' words
        run.object_name = names[run.object_type].get(run.object_id, "")
    return runs


STEP_STATUS = {
    "done": "done",
    "failed": "failed",
    "started": "in progress",
    "retrying": "to be retried",
}


@login_required
def run_detail(request: PortalRequest, run_id: int) -> HttpResponse:
    """One run, step by step: what each action did, who was notified or asked, until when
    it waits, who decided what (the runs' readers only: the same 404 as missing)."""
    _configurable(request)
    run = get_object_or_404(runs_visible_to(request.user).select_related("event__actor"), pk=run_id)
    run = _with_urls([run])[0]
    subject = subjects.subject_of(run.object_type)
    actions = run.version.definition.get("actions", [])
    records = {step.index: step for step in run.steps.all()}
    asked: dict[int, list] = {}
    for approval in run.approvals.select_related("approver").order_by("requested_at", "pk"):
        asked.setdefault(approval.step, []).append(approval)
    emails = {
        email
        for step in records.values()
        for key in ("notified", "asked")
        for email in step.result.get(key, [])
    }
    people = {u.email: str(u) for u in people_named(request.user, emails)}
    workflows = _workflow_names(request.user)
    steps = []
    for index, action in enumerate(actions):
        record = records.get(index)
        steps.append(
            {
                "number": index + 1,
                "kind": action.get("type", ""),
                "text": builder.describe(subject, action, workflows),
                "status": _step_status(run, index, record),
                "record": record,
                "notified": [
                    people.get(e, e) for e in (record.result.get("notified", []) if record else [])
                ],
                "until": _until(run, index, action, record),
                "approvals": asked.get(index, []),
                "change": _change(subject, record),
                "decision": record.result.get("decision")
                if record and action.get("type") in {"approve", "reject"}
                else None,
                "child": record.result.get("run") if record else None,
            }
        )
    return render(
        request,
        "workflows/run.html",
        {"run": run, "steps": steps, "trigger": subjects.trigger_label(run.workflow.trigger)},
    )


def _step_status(run, index: int, record) -> str:
    if record is not None:
        if (
            record.status == "done"
            and run.status == RunStatus.WAITING
            and index == run.next_step - 1
        ):
            return "waiting"
        return STEP_STATUS.get(record.status, record.status)
    if run.status in {RunStatus.COMPLETED, RunStatus.FAILED}:
        return "not run"
    return "to do"


def _until(run, index: int, action: dict, record) -> Any:
    """Until when a wait step waits (its moment), None for other steps."""
    if action.get("type") != "wait" or record is None:
        return None
    try:
        return datetime.fromisoformat(record.result.get("until", ""))
    except ValueError:
        return run.resume_at


def _change(subject, record) -> dict | None:
    """A set_field step's change: the field's label, before and after."""
    if record is None or "field" not in record.result:
        return None
    field = record.result["field"]
    spec = subject.settable.get(field) if subject else None
    return {
        "label": spec.label if spec else field,
        "before": record.result.get("before") or "—",
        "after": record.result.get("after") or "—",
    }


@require_POST
@login_required
def run_retry(request: PortalRequest, run_id: int) -> HttpResponse:
    _configurable(request)
    run = get_object_or_404(runs_visible_to(request.user), pk=run_id)
    with service_errors(request) as outcome:
        engine.run_retry(actor=request.user, run=run)
    if not outcome.failed:
        messages.success(request, "Run restarted from its failed step.")
    if request.POST.get("back") == "run":
        return redirect("run-detail", run.pk)
    return redirect("workflow-edit", run.workflow_id)


EXAMPLE = {
    "conditions": {"all": [{"field": "tier.name", "op": "=", "value": "Gold"}]},
    "actions": [{"type": "notify", "to": "channel_manager", "title": "{partner}: {status}"}],
}
