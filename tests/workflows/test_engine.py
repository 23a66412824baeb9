"""Workflow runs: started by events when conditions hold, one step at a time, recorded,
pinned to their version, waiting and resumed by the sweep, failing without half effects."""

from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone

from partners import services as partner_services
from partners.models import Tier
from prm.outbox import events
from prm.outbox.models import Event
from tests.partners.conftest import api_as
from workflows import engine
from workflows.models import Notification, RunStatus, Workflow, WorkflowRun, WorkflowStep
from workflows.services import workflow_save

ACTIVE = {"all": [{"field": "status", "op": "=", "value": "active"}]}


@pytest.fixture
def gold(db, acme):
    tier, _ = Tier.objects.get_or_create(name="Gold", defaults={"rank": 3})
    return tier


def activate(world, capture, partner=None):
    partner = partner or world.northwind
    partner_services.partner_update(
        actor=world.admin, partner=partner, fields={"channel_manager": world.cam_emea}
    )
    with capture(execute=True):
        partner_services.partner_transition(actor=world.admin, partner=partner, status="active")
    return WorkflowRun.objects.filter(object_id=str(partner.pk)).first()


def test_a_matching_event_runs_the_actions_in_order_and_records_each_step(
    world, gold, django_capture_on_commit_callbacks
):
    workflow_save(
        actor=world.admin,
        name="Promote on activation",
        trigger="partner.status_changed",
        enabled=True,
        definition={
            "conditions": ACTIVE,
            "actions": [
                {"type": "set_field", "field": "tier.name", "value": "Gold"},
                {"type": "notify", "to": "channel_manager", "title": "Promoted to Gold"},
            ],
        },
    )
    run = activate(world, django_capture_on_commit_callbacks)
    assert run.status == RunStatus.COMPLETED and run.finished_at
    steps = list(run.steps.values_list("index", "status", "result"))
    assert steps[0] == (0, "done", {"field": "tier.name", "before": None, "after": "Gold"})
    assert steps[1][:2] == (1, "done")
    world.northwind.refresh_from_db()
    assert world.northwind.tier == gold
    assert Notification.objects.filter(user=world.cam_emea, title="Promoted to Gold").count() == 1


def test_no_run_when_conditions_fail_or_the_workflow_is_disabled(
    world, django_capture_on_commit_callbacks
):
    workflow_save(
        actor=world.admin,
        name="Only suspended",
        trigger="partner.status_changed",
        enabled=True,
        definition={
            "conditions": {"all": [{"field": "status", "op": "=", "value": "suspended"}]},
            "actions": [{"type": "notify", "to": "vendor_admins", "title": "x"}],
        },
    )
    workflow_save(
        actor=world.admin,
        name="Disabled",
        trigger="partner.status_changed",
        enabled=False,
        definition={"actions": [{"type": "notify", "to": "vendor_admins", "title": "y"}]},
    )
    assert activate(world, django_capture_on_commit_callbacks) is None


def test_a_redelivered_event_starts_no_second_run(world, django_capture_on_commit_callbacks):
    workflow_save(
        actor=world.admin,
        name="Once",
        trigger="partner.status_changed",
        enabled=True,
        definition={"actions": [{"type": "notify", "to": "vendor_admins", "title": "z"}]},
    )
    run = activate(world, django_capture_on_commit_callbacks)
    event = Event.objects.get(pk=run.event_id)
    Event.objects.filter(pk=event.pk).update(processed_at=None)  # as if the ack was lost
    events.event_process(event_id=str(event.pk))
    assert WorkflowRun.objects.filter(event=event).count() == 1


def test_a_waiting_run_resumes_on_its_own_version(world, gold, django_capture_on_commit_callbacks):
    workflow = workflow_save(
        actor=world.admin,
        name="Nudge later",
        trigger="partner.status_changed",
        enabled=True,
        definition={
            "conditions": ACTIVE,
            "actions": [
                {"type": "wait", "hours": 24},
                {"type": "notify", "to": "channel_manager", "title": "Check in with the partner"},
            ],
        },
    )
    run = activate(world, django_capture_on_commit_callbacks)
    assert run.status == RunStatus.WAITING and run.next_step == 1
    # The admin changes the workflow meanwhile; the run keeps version 1.
    workflow_save(
        actor=world.admin,
        workflow=workflow,
        definition={
            "conditions": ACTIVE,
            "actions": [{"type": "notify", "to": "vendor_admins", "title": "v2"}],
        },
    )
    assert engine.run_advance(run_id=run.pk) == RunStatus.WAITING  # not due yet
    WorkflowRun.objects.filter(pk=run.pk).update(resume_at=timezone.now() - timedelta(minutes=1))
    with mock.patch("workflows.tasks.run_advance.delay") as delay:
        assert engine.runs_redrive() == 1
    delay.assert_called_once_with(run.pk)
    assert engine.run_advance(run_id=run.pk) == RunStatus.COMPLETED
    assert Notification.objects.filter(title="Check in with the partner").exists()
    assert not Notification.objects.filter(title="v2").exists()


def test_a_failing_step_fails_the_run_and_leaves_no_half_effects(
    world, django_capture_on_commit_callbacks
):
    gone = Tier.objects.create(name="Unobtainium", rank=8)
    workflow_save(
        actor=world.admin,
        name="Broken",
        trigger="partner.status_changed",
        enabled=True,
        definition={
            "conditions": ACTIVE,
            "actions": [
                {"type": "notify", "to": "channel_manager", "title": "before"},
                {"type": "set_field", "field": "tier.name", "value": "Unobtainium"},
            ],
        },
    )
    gone.delete()  # removed after the workflow was saved
    run = activate(world, django_capture_on_commit_callbacks)
    assert run.status == RunStatus.FAILED and "Step 2" in run.error
    failed = run.steps.get(index=1)
    assert failed.status == "failed" and "DoesNotExist" in failed.error
    world.northwind.refresh_from_db()
    assert world.northwind.tier is None
    assert Notification.objects.filter(title="before").count() == 1  # step 1 stays done


def test_runs_are_visible_to_vendor_admins_and_a_failed_one_can_be_retried(
    world, django_capture_on_commit_callbacks
):
    diamond = Tier.objects.create(name="Diamond", rank=9)
    workflow = workflow_save(
        actor=world.admin,
        name="Needs Diamond",
        trigger="partner.status_changed",
        enabled=True,
        definition={
            "conditions": ACTIVE,
            "actions": [{"type": "set_field", "field": "tier.name", "value": "Diamond"}],
        },
    )
    diamond.delete()
    run = activate(world, django_capture_on_commit_callbacks)
    assert run.status == RunStatus.FAILED
    admin = api_as(world.admin)
    listed = admin.get("/api/v1/workflow-runs/", {"workflow": workflow.pk}).json()["results"]
    assert listed[0]["status"] == "failed" and listed[0]["steps"][0]["status"] == "failed"
    assert api_as(world.cam_emea).get(f"/api/v1/workflow-runs/{run.pk}/").status_code == 404

    Tier.objects.create(name="Diamond", rank=9)  # the admin fixes the cause
    with django_capture_on_commit_callbacks(execute=True):
        retried = admin.post(f"/api/v1/workflow-runs/{run.pk}/retry/")
    assert retried.status_code == 200
    run.refresh_from_db()
    assert run.status == RunStatus.COMPLETED
    step = run.steps.get()
    assert (step.status, step.attempts) == ("done", 2)
    assert admin.post(f"/api/v1/workflow-runs/{run.pk}/retry/").status_code == 409

    stats = admin.get(f"/api/v1/workflows/{workflow.pk}/analytics/").json()
    assert stats["runs"] == 1 and stats["by_status"] == {"completed": 1}
    assert stats["exception_rate"] == 0.0 and stats["median_cycle_seconds"] >= 0


def test_a_scheduled_workflow_runs_once_a_day_per_matching_partner(
    world, django_capture_on_commit_callbacks
):
    from partners.models import Partner

    partner_services.partner_update(
        actor=world.admin, partner=world.munich, fields={"channel_manager": world.cam_emea}
    )
    Partner.objects.filter(pk=world.munich.pk).update(
        profile_reviewed_at=timezone.now() - timedelta(days=200)
    )
    Workflow.objects.filter(trigger="schedule").update(enabled=False)  # the defaults
    workflow_save(
        actor=world.admin,
        name="Stale profiles",
        trigger="schedule",
        enabled=True,
        definition={
            "conditions": {
                "all": [
                    {"field": "days_since_review", "op": ">", "value": 180},
                    {"field": "display_name", "op": "contains", "value": "Munich"},
                ]
            },
            "actions": [
                {
                    "type": "notify",
                    "to": "channel_manager",
                    "title": "Ask the partner to review its profile",
                }
            ],
        },
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert engine.schedules_run() == 1
        assert engine.schedules_run() == 0  # same day: nothing new
    assert (
        Notification.objects.filter(
            user=world.cam_emea, title="Ask the partner to review its profile"
        ).count()
        == 1
    )


@pytest.fixture
def receiver():
    """A local HTTP endpoint recording what webhooks send."""
    import http.server
    import threading

    received = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((dict(self.headers), body))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hook", received
    server.shutdown()
    server.server_close()


def test_a_webhook_is_signed_with_the_workflows_own_secret_and_carries_an_idempotency_key(
    world, receiver, settings, django_capture_on_commit_callbacks
):
    import hashlib
    import hmac

    from standardwebhooks import Webhook, WebhookVerificationError

    from workflows.models import WebhookSecret

    url, received = receiver
    workflow = workflow_save(
        actor=world.admin,
        name="Tell the CRM",
        trigger="partner.status_changed",
        enabled=True,
        definition={"conditions": ACTIVE, "actions": [{"type": "webhook", "url": url}]},
    )
    secret = WebhookSecret.objects.get(workflow=workflow).secret  # made with the version
    assert secret.startswith("whsec_")
    run = activate(world, django_capture_on_commit_callbacks)
    assert run.status == RunStatus.COMPLETED
    ((headers, body),) = received
    assert headers["Idempotency-Key"] == f"run-{run.pk}-step-0"
    assert headers["webhook-id"] == f"run-{run.pk}-step-0"
    # What a receiver does: verify id, timestamp and body with the workflow's secret.
    assert Webhook(secret).verify(body, headers)["workflow"] == "Tell the CRM"
    with pytest.raises(WebhookVerificationError):  # nor is it the platform's key
        Webhook(settings.SECRET_KEY.encode()).verify(body, headers)
    old = hmac.new(settings.SECRET_KEY.encode(), body, hashlib.sha256).hexdigest()
    assert old not in str(headers)
    tampered = body.replace(b"Tell the CRM", b"Tell the ERP")
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(tampered, headers)
    assert run.steps.get().result == {"status": 204}


def test_an_unreachable_webhook_leaves_the_step_to_retry(world, django_capture_on_commit_callbacks):
    workflow_save(
        actor=world.admin,
        name="Dead hook",
        trigger="partner.status_changed",
        enabled=True,
        definition={
            "conditions": ACTIVE,
            "actions": [{"type": "webhook", "url": "http://127.0.0.1:9/nothing"}],
        },
    )
    activate(world, django_capture_on_commit_callbacks)  # the task's retries are eager here
    run = WorkflowRun.objects.get(workflow__name="Dead hook")
    step = run.steps.get()
    # Still on the webhook: Celery retries with backoff, and after that the sweep re-drives.
    assert run.status == RunStatus.RUNNING and run.next_step == 0
    # The run shows that it failed, not how: no port scanner for workflow authors.
    assert step.status == "failed" and step.attempts >= 1
    assert step.error == "The webhook could not be delivered."
    WorkflowStep.objects.filter(pk=step.pk).update(attempts=engine.MAX_ATTEMPTS)
    assert engine.run_advance(run_id=run.pk) == RunStatus.FAILED  # it stops trying
    run.refresh_from_db()
    assert "gave up after" in run.error


def test_advancing_a_run_locks_only_the_run_row(world, django_capture_on_commit_callbacks):
    """Found by the benchmark: locking the joined (shared) version row as well made runs of
    the same workflow on two workers skip each other and stall."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    workflow_save(
        actor=world.admin,
        name="Lock check",
        trigger="partner.status_changed",
        enabled=True,
        definition={"actions": [{"type": "notify", "to": "vendor_admins", "title": "lock"}]},
    )
    run = activate(world, django_capture_on_commit_callbacks)
    WorkflowRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING, next_step=0)
    with CaptureQueriesContext(connection) as ctx:
        engine.run_advance(run_id=run.pk)
    locks = [q["sql"] for q in ctx.captured_queries if "FOR UPDATE" in q["sql"]]
    assert locks and all('FOR UPDATE OF "workflows_workflowrun"' in sql for sql in locks[:1])


def test_an_illegal_status_change_by_a_workflow_fails_its_step(
    world, django_capture_on_commit_callbacks
):
    workflow_save(
        actor=world.admin,
        name="Back to applied",
        trigger="partner.status_changed",
        enabled=True,
        definition={
            "conditions": ACTIVE,
            "actions": [{"type": "set_field", "field": "status", "value": "applied"}],
        },
    )
    activate(world, django_capture_on_commit_callbacks)
    run = WorkflowRun.objects.get(workflow__name="Back to applied")
    assert run.status == RunStatus.FAILED and "cannot go from active to applied" in run.error
    world.northwind.refresh_from_db()
    assert world.northwind.status == "active"


def test_the_sweep_sends_an_email_copy_whose_task_was_lost(world, mailoutbox):
    from workflows.notifications import notify

    with mock.patch("workflows.notifications.enqueue_on_commit"):  # the task never left
        notify(users=[world.alice], title="Lost copy", email=True)
    note = Notification.objects.get(title="Lost copy")
    assert note.email_wanted and note.emailed_at is None
    Notification.objects.filter(pk=note.pk).update(created_at=timezone.now() - timedelta(hours=1))
    engine.runs_redrive()
    note.refresh_from_db()
    assert note.emailed_at is not None
    assert [m.subject for m in mailoutbox if "Lost copy" in m.subject]
    engine.runs_redrive()
    assert len([m for m in mailoutbox if "Lost copy" in m.subject]) == 1
