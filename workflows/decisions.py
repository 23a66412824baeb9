"""What the ``approve`` / ``reject`` actions, and a rejected approval, do to the object a
run is about. Each decided object type (applications now; deals and claims later) names
its two services here; definitions.DECIDED lists the same types for validation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from partners import services as partner_services
from prm.api import Conflict
from prm.users.models import User
from workflows.models import WorkflowRun
from workflows.objects import load_object

Decide = Callable[[Any, User, str], object]
DECISIONS: dict[str, tuple[Decide, Decide]] = {  # object type -> approve, reject
    "partnerapplication": (
        lambda obj, actor, reason: partner_services.application_approve(
            actor=actor, application=obj, note=reason
        ),
        lambda obj, actor, reason: partner_services.application_reject(
            actor=actor, application=obj, reason=reason
        ),
    ),
}


def decide(run: WorkflowRun, *, approved: bool, reason: str, actor: User | None = None) -> dict:
    """Approve or reject the run's object through its own service. An automatic decision
    acts in the name of the admin who wrote the workflow's version; an object someone
    decided meanwhile is left as it is."""
    spec = DECISIONS.get(run.object_type)
    if spec is None:
        return {}
    approve, reject = spec
    obj = load_object(run.object_type, run.object_id)
    actor = actor or run.version.created_by
    if obj is None or actor is None:
        raise ValueError("Nothing to decide, or nobody to decide it in the name of.")
    try:
        (approve if approved else reject)(obj, actor, reason)
    except Conflict as exc:
        return {"decision": "skipped", "why": str(exc.detail)}
    return {"decision": "approved" if approved else "rejected", "reason": reason}
