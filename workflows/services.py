"""Writes of workflow definitions."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max

from prm.users.models import Role, User
from workflows import definitions
from workflows.models import Workflow, WorkflowVersion


def _start_graph(exclude: int | None) -> dict[int, set[int]]:
    """Which workflow starts which, from the other workflows' current versions."""
    graph: dict[int, set[int]] = {}
    workflows = Workflow.objects.exclude(pk=exclude) if exclude else Workflow.objects.all()
    for wf_id, definition in workflows.values_list("pk", "current__definition"):
        graph[wf_id] = {
            a["workflow"]
            for a in (definition or {}).get("actions", [])
            if a.get("type") == "start_workflow" and isinstance(a.get("workflow"), int)
        }
    return graph


@transaction.atomic
def workflow_save(
    *,
    actor: User,
    workflow: Workflow | None = None,
    name: str | None = None,
    trigger: str | None = None,
    definition: dict[str, Any] | None = None,
    description: str | None = None,
    enabled: bool | None = None,
) -> Workflow:
    """Create a workflow or change it. A changed definition or trigger is validated and
    becomes a new version; runs already started keep theirs. Vendor admins only. (A new
    workflow cannot close a start cycle: no other workflow can name it yet.)"""
    if actor.role != Role.VENDOR_ADMIN:
        raise PermissionDenied("Only vendor admins configure workflows.")
    workflow = Workflow.objects.select_for_update().get(pk=workflow.pk) if workflow else Workflow()
    if name is not None:
        workflow.name = name.strip()
    if not workflow.name:
        raise ValidationError({"name": ["A workflow needs a name."]})
    if description is not None:
        workflow.description = description
    unchanged = workflow.current is not None and definition == workflow.current.definition
    new_definition = (definition is not None and not unchanged) or (
        trigger is not None and trigger != workflow.trigger
    )
    if trigger is not None:
        workflow.trigger = trigger
    if new_definition:
        if definition is None:
            assert workflow.current is not None  # an existing workflow has a version
            definition = workflow.current.definition
        definitions.validate(
            workflow.trigger, definition, starts=_start_graph(workflow.pk), workflow_id=workflow.pk
        )
    elif workflow.pk is None:
        raise ValidationError({"definition": ["A new workflow needs its definition."]})
    if enabled is not None:
        workflow.enabled = enabled
    try:
        with transaction.atomic():
            workflow.save()
    except IntegrityError:
        raise ValidationError({"name": ["A workflow with this name exists."]}) from None
    if new_definition:
        number = (workflow.versions.aggregate(n=Max("number"))["n"] or 0) + 1
        workflow.current = WorkflowVersion.objects.create(
            workflow=workflow, number=number, definition=definition, created_by=actor
        )
        workflow.save(update_fields=["current"])
    return workflow
