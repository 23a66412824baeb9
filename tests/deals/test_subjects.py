"""The reservation as a workflow subject: its events start workflows, conditions read its
fields, and the people of its partner (through ``partner_of``) are told."""

from __future__ import annotations

from deals import services
from deals.subjects import RESERVATION
from tests.deals.conftest import make_account
from workflows import definitions, subjects
from workflows.models import Notification, RunStatus, WorkflowRun
from workflows.services import workflow_save


def test_the_reservation_subject_and_its_events_are_declared():
    for event in ("reservation.created", "reservation.released", "reservation.expiring"):
        assert subjects.subject_of(event) is RESERVATION
    assert "reservation.expiring" in definitions.threshold_events()
    assert subjects.trigger_label("reservation.created") == "Account reserved"


def test_a_reservation_starts_a_workflow_that_tells_the_partners_admins(
    world, django_capture_on_commit_callbacks
):
    workflow = workflow_save(
        actor=world.admin,
        name="New reservation in the US",
        trigger="reservation.created",
        enabled=True,
        definition={
            "conditions": {"all": [{"field": "account.country.code", "op": "=", "value": "US"}]},
            "actions": [{"type": "notify", "to": "partner_admins", "title": "New: {reservation}"}],
        },
    )
    account = make_account(world.admin, "Globex", "US")
    with django_capture_on_commit_callbacks(execute=True):
        services.reservation_create(actor=world.bob, account=account)
    run = WorkflowRun.objects.get(workflow=workflow)
    assert run.status == RunStatus.COMPLETED, run.error
    titles = list(Notification.objects.filter(user=world.alice).values_list("title", flat=True))
    assert titles == ["New: Globex for Northwind Berlin"]
