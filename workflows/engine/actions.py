"""The database actions of a run, and the texts they fill in. Each acts on the run's object
only through what its subject declares: recipients, placeholders, settable fields (through
the owning app's service) and decisions."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any

from django.utils import timezone

from prm.tasks import enqueue_on_commit
from workflows import subjects
from workflows.models import Workflow, WorkflowRun
from workflows.notifications import notify
from workflows.objects import object_decide, recipients
from workflows.subjects import SetContext, load_object, subject_of
from workflows.tasks import run_advance as run_advance_task

MAX_VALUE = 500  # characters of one filled-in value


def render_text(run: WorkflowRun, text: str, obj: Any = None) -> str:
    """Fill ``{partner}`` (the object, by its type's or label's name), ``{status}`` and the
    placeholders the run's subject declares (``{tier}``, ``{days}``…) in an admin's text."""
    if "{" not in text:
        return text
    obj = obj or load_object(run.object_type, run.object_id)
    payload = run.event.payload if run.event else {}
    subject = subject_of(run.object_type)
    name = str(obj) if obj else ""
    values: dict[str, Any] = {
        run.object_type: name,
        "status": payload.get("to", getattr(obj, "status", "")),
    }
    if subject is not None:
        values[subject.label] = name
        of_partner = subjects.partner_subject()
        if subject.partner_of and obj is not None and of_partner and of_partner is not subject:
            partner = subject.partner_of(obj)  # a deal's {partner}
            values.setdefault(of_partner.label, str(partner) if partner is not None else "")

    def fill(match: re.Match) -> str:
        """One ``{name}``, by name only (never Python's format: no attributes, indexes or
        widths); an unknown one stays as written."""
        key = match.group(1)
        if key in values:
            value = values[key]
        elif (
            subject is not None
            and obj is not None
            and (found := subjects.placeholder(subject, key, obj, payload))
        ):
            value = found()
        else:
            return match.group(0)
        return str(value)[:MAX_VALUE]

    return subjects.PLACEHOLDER.sub(fill, text)


def _notify(run: WorkflowRun, action: dict) -> dict:
    obj = load_object(run.object_type, run.object_id)
    users = recipients(run, action["to"], obj)
    notify(  # no link: the e-mail and the bell lead to the notifications page
        users=users,
        title=render_text(run, action["title"], obj),
        body=render_text(run, action.get("body", ""), obj),
        email=bool(action.get("email")),
    )
    return {"notified": [u.email for u in users]}


def _set_field(run: WorkflowRun, action: dict) -> dict:
    """Change a field through the service its subject names (lifecycle rules apply; a
    workflow's own change starts no workflows, so there are no loops)."""
    subject = subject_of(run.object_type)
    settable = subject.settable.get(action["field"]) if subject else None
    obj = load_object(run.object_type, run.object_id)
    if settable is None or obj is None:
        raise ValueError(f"Nothing to set {action['field']!r} on.")
    context = SetContext(
        actor=run.version.created_by,
        reason=f"workflow {run.workflow}",
        render=lambda text: render_text(run, text, obj),
    )
    before, after = settable.apply(obj, action["value"], context)
    return {"field": action["field"], "before": before, "after": after}


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
    # After a person's approval in this run, the decision is theirs (the last to approve);
    # an automatic one is the workflow author's.
    last = (
        run.approvals.filter(decision="approved", superseded=False)
        .select_related("approver")
        .order_by("-decided_at")
        .first()
    )
    return object_decide(
        run, approved=approved, reason=reason, actor=last.approver if last else None
    )


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
    enqueue_on_commit(run_advance_task, child.pk)
    return {"run": child.pk}


ACTIONS: dict[str, Callable[[WorkflowRun, dict], dict]] = {
    "notify": _notify,
    "set_field": _set_field,
    "wait": _wait,
    "start_workflow": _start_workflow,
    "approve": _decide,
    "reject": _decide,
}
