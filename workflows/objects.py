"""What the engine and the approvals do to a run's object, through its subject: who its
recipients are, and deciding it."""

from __future__ import annotations

from typing import Any

from prm.errors import Conflict
from prm.users.models import Role, User
from workflows import subjects
from workflows.models import WorkflowRun
from workflows.subjects import load_object, subject_of


def recipients(run: WorkflowRun, who: str, obj: Any) -> list[User]:
    """Who ``who`` names for the run's object: the vendor admins, whoever caused the event,
    or a recipient its subject (or the partner it concerns) declares."""
    if who == "vendor_admins":
        return list(User.objects.filter(role=Role.VENDOR_ADMIN, is_active=True))
    if who == "actor":
        return [run.event.actor] if run.event and run.event.actor else []
    subject = subject_of(run.object_type)
    if subject is None or obj is None:
        return []
    return subjects.people(subject, "recipients", who, obj) or []


def object_decide(
    run: WorkflowRun, *, approved: bool, reason: str, actor: User | None = None
) -> dict:
    """Approve or reject the run's object through its subject's decision service. An
    automatic decision acts in the name of the admin who wrote the workflow's version; an
    object someone decided meanwhile is left as it is."""
    subject = subject_of(run.object_type)
    if subject is None or subject.decide is None:
        return {}
    obj = load_object(run.object_type, run.object_id)
    actor = actor or run.version.created_by
    if obj is None or actor is None:
        raise ValueError("Nothing to decide, or nobody to decide it in the name of.")
    decide = subject.decide.approve if approved else subject.decide.reject
    try:
        decide(obj, actor, reason)
    except Conflict as exc:
        return {"decision": "skipped", "why": exc.detail}
    return {"decision": "approved" if approved else "rejected", "reason": reason}
