"""The workflow path through a real Celery worker (subprocess, embedded Redis): a status
change commits its event, the worker starts the run, the run asks for an approval, the
decision resumes it, and its notification arrives."""

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from partners import services as partner_services
from partners.models import Partner
from prm.outbox.models import Event
from prm.users.models import User
from tests.test_celery import new_partner, wait_for, worker  # noqa: F401 - worker is a fixture
from workflows.approvals import approval_decide
from workflows.models import Approval, Notification, RunStatus, Workflow, WorkflowRun
from workflows.services import workflow_save

pytestmark = pytest.mark.worker


def clean_up() -> None:
    """Remove what the test commits (also what an interrupted earlier run left)."""
    Notification.objects.filter(title__contains="E2E").delete()
    workflows = Workflow.objects.filter(name="E2E activation review")
    WorkflowRun.objects.filter(workflow__in=workflows).delete()
    workflows.update(current=None)
    workflows.delete()
    Partner.objects.filter(display_name="E2E Partner").delete()


def test_status_change_to_approval_to_notification_through_a_real_worker(
    worker,  # noqa: F811
    django_db_blocker,
):
    with django_db_blocker.unblock(), schema_context("acme"):
        clean_up()
        admin = User.objects.get(email="admin@acme.example")
        cam = User.objects.get(email="cam@acme.example")
        workflow = workflow_save(
            actor=admin,
            name="E2E activation review",
            trigger="partner.status_changed",
            enabled=True,
            definition={
                "conditions": {
                    "all": [{"field": "display_name", "op": "=", "value": "E2E Partner"}]
                },
                "actions": [
                    {"type": "request_approval", "from": "channel_manager"},
                    {"type": "notify", "to": "vendor_admins", "title": "E2E approved"},
                ],
            },
        )
        partner = new_partner(admin, "E2E Partner", cam)
        try:
            partner_services.partner_transition(actor=admin, partner=partner, status="active")
            approval = wait_for(
                lambda: Approval.objects.filter(run__workflow=workflow, approver=cam).first()
            )
            approval_decide(actor=cam, approval_id=approval.pk, decision="approved")
            note = wait_for(
                lambda: Notification.objects.filter(user=admin, title="E2E approved").first()
            )
            run = WorkflowRun.objects.get(workflow=workflow)
            assert run.status == RunStatus.COMPLETED and note.read_at is None
            assert Event.objects.get(pk=run.event_id).processed_at is not None
        finally:
            clean_up()
            connection.set_schema_to_public()


def test_an_enrolment_runs_the_onboarding_sequence_to_the_end_through_a_real_worker(
    worker,  # noqa: F811
    django_db_blocker,
):
    from django.utils import timezone

    from workflows.tasks import runs_redrive

    def clean() -> None:
        partner = Partner.objects.filter(display_name="E2E Onboard").first()
        if partner:
            WorkflowRun.objects.filter(object_type="partner", object_id=str(partner.pk)).delete()
            Event.objects.filter(partner_id=partner.pk).delete()
            partner.delete()
        Notification.objects.filter(title__contains="E2E Onboard").delete()

    with django_db_blocker.unblock(), schema_context("acme"):
        clean()
        admin = User.objects.get(email="admin@acme.example")
        cam = User.objects.get(email="cam@acme.example")
        try:
            partner = new_partner(admin, "E2E Onboard", cam, kind="msp")
            runs = WorkflowRun.objects.filter(
                workflow__name="Partner onboarding", object_id=str(partner.pk)
            )
            run = wait_for(lambda: runs.filter(status=RunStatus.WAITING).first())
            assert Notification.objects.filter(user=cam, title="New partner: E2E Onboard").exists()
            # Three days pass: the sweep finds the run due and the worker finishes it.
            runs.update(resume_at=timezone.now())
            runs_redrive.delay()
            wait_for(lambda: runs.filter(status=RunStatus.COMPLETED).exists())
            run.refresh_from_db()
            steps = list(run.steps.values_list("status", flat=True))
            assert steps == ["done"] * len(run.version.definition["actions"])
            intro = Notification.objects.filter(
                user=cam, title="Introduction call with E2E Onboard due"
            )
            assert intro.count() == 1
        finally:
            clean()
            connection.set_schema_to_public()
