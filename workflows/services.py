"""Writes of workflow definitions."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from prm.errors import Invalid
from prm.permissions import require
from prm.users.models import User
from workflows import definitions, subjects
from workflows.models import WebhookSecret, Workflow, WorkflowVersion


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


def _workflow_save(
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
    require(actor, "workflows.configure", "Only vendor admins configure workflows.")
    workflow = Workflow.objects.select_for_update().get(pk=workflow.pk) if workflow else Workflow()
    if name is not None:
        workflow.name = name.strip()
    if not workflow.name:
        raise Invalid({"name": ["A workflow needs a name."]})
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
        raise Invalid({"definition": ["A new workflow needs its definition."]})
    if enabled is not None:
        workflow.enabled = enabled
    try:
        with transaction.atomic():
            workflow.save()
    except IntegrityError:
        raise Invalid({"name": ["A workflow with this name exists."]}) from None
    if new_definition:
        number = (workflow.versions.aggregate(n=Max("number"))["n"] or 0) + 1
        workflow.current = WorkflowVersion.objects.create(
            workflow=workflow, number=number, definition=definition, created_by=actor
        )
        workflow.save(update_fields=["current"])
        if any(a.get("type") == "webhook" for a in (definition or {}).get("actions", [])):
            WebhookSecret.of(workflow.pk)  # its webhooks' own signing key
    return workflow


@transaction.atomic(durable=True)
def webhook_secret_rotate(*, actor: User, workflow: Workflow) -> str:
    """Give the workflow's webhooks a new signing secret and return it (shown once; the
    old one stops signing at once). Vendor admins only."""
    require(actor, "workflows.configure", "Only vendor admins configure workflows.")
    secret = WebhookSecret.generate()
    WebhookSecret.objects.update_or_create(
        workflow=workflow, defaults={"secret": secret, "rotated_at": timezone.now()}
    )
    return secret


# The entry point (pages, API, tests): its own transaction, never nested in another.
workflow_save = transaction.atomic(durable=True)(_workflow_save)


@transaction.atomic
def defaults_install(*, actor: User) -> int:
    """Create the default workflows every subject declares that the tenant does not have
    yet (enabled, editable). Called when a vendor is provisioned and by ``seed_demo``, inside
    their transactions."""
    created = 0
    for spec in subjects.all_defaults():
        if Workflow.objects.filter(name=spec["name"]).exists():
            continue
        _workflow_save(actor=actor, enabled=True, **spec)
        created += 1
    return created
