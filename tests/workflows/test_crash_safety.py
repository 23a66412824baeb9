"""Crash safety with real processes: a worker killed with SIGKILL in the middle of a slow
step loses nothing and does nothing twice once another worker and the sweep take over."""

import contextlib
import http.server
import os
import signal
import threading
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context

from partners import services as partner_services
from partners.models import Partner
from prm.celery import app as celery_app
from prm.outbox.models import Event
from prm.users.models import User
from tests.test_celery import new_partner, start_worker, wait_for
from workflows.models import Notification, RunStatus, Workflow, WorkflowRun
from workflows.services import workflow_save

pytestmark = pytest.mark.worker
NAME = "Crash test"


class SlowReceiver(http.server.BaseHTTPRequestHandler):
    """Answers only once the test has killed the worker that made the first call, so the
    kill always lands while that call is in flight."""

    calls: list[str] = []
    first_call = threading.Event()
    release = threading.Event()  # set by the test after the SIGKILL

    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        SlowReceiver.calls.append(self.headers["Idempotency-Key"])
        SlowReceiver.first_call.set()
        SlowReceiver.release.wait(60)
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


@contextlib.contextmanager
def slow_webhook():
    """The slow receiver on a free port (its URL), its calls cleared; stopped afterwards."""
    SlowReceiver.calls.clear()
    SlowReceiver.first_call.clear()
    SlowReceiver.release.clear()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), SlowReceiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/hook"
    finally:
        SlowReceiver.release.set()
        server.shutdown()
        server.server_close()


def file_mail(tmp_path) -> dict[str, str]:
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(tmp_path),
    }


def clean_up() -> None:
    Notification.objects.filter(title__startswith=NAME).delete()
    workflows = Workflow.objects.filter(name=NAME)
    WorkflowRun.objects.filter(workflow__in=workflows).delete()
    workflows.update(current=None)
    workflows.delete()
    Partner.objects.filter(display_name="Crash Partner").delete()


def test_a_killed_worker_loses_nothing_and_repeats_nothing(
    django_db_setup, django_db_blocker, tmp_path
):
    """Notifications (in-app and e-mail), the webhook call and the status change each
    happen once, though the worker running the run is killed in the middle of it."""
    stack = contextlib.ExitStack()
    hook = stack.enter_context(slow_webhook())
    celery_app.conf.task_always_eager = False
    mail = file_mail(tmp_path)
    first = start_worker(mail, "-P", "solo")
    second = None
    try:
        with django_db_blocker.unblock(), schema_context("acme"):
            clean_up()
            admin = User.objects.get(email="admin@acme.example")
            workflow = workflow_save(
                actor=admin,
                name=NAME,
                trigger="partner.status_changed",
                enabled=True,
                definition={
                    "conditions": {
                        "all": [{"field": "display_name", "op": "=", "value": "Crash Partner"}]
                    },
                    "actions": [
                        {
                            "type": "notify",
                            "to": "vendor_admins",
                            "title": f"{NAME}: before",
                            "email": True,
                        },
                        {"type": "webhook", "url": hook},
                        {"type": "set_field", "field": "status", "value": "suspended"},
                        {
                            "type": "notify",
                            "to": "vendor_admins",
                            "title": f"{NAME}: after",
                            "email": True,
                        },
                    ],
                },
            )
            partner = new_partner(admin, "Crash Partner")
            partner_services.partner_transition(actor=admin, partner=partner, status="active")

            assert SlowReceiver.first_call.wait(60), "the webhook was never called"
            os.kill(first.pid, signal.SIGKILL)  # mid-step: the call is in flight
            first.wait()
            SlowReceiver.release.set()  # calls from now on are answered at once
            run = WorkflowRun.objects.get(workflow=workflow)
            assert run.status == RunStatus.RUNNING and run.next_step == 1

            # Time passes: the run and its e-mail copies are now older than the sweep's
            # stale limit (WORKFLOW_STALE_SECONDS), as after a real crash.
            long_ago = timezone.now() - timedelta(seconds=settings.WORKFLOW_STALE_SECONDS + 60)
            WorkflowRun.objects.filter(pk=run.pk).update(updated_at=long_ago)
            Notification.objects.filter(title__startswith=NAME).update(created_at=long_ago)
            second = start_worker(mail, "-P", "solo")
            celery_app.send_task("workflows.runs_redrive")  # what beat's sweep sends
            wait_for(
                lambda: WorkflowRun.objects.filter(pk=run.pk, status=RunStatus.COMPLETED).exists()
            )

            before = Notification.objects.filter(user=admin, title=f"{NAME}: before").count()
            after = Notification.objects.filter(user=admin, title=f"{NAME}: after").count()
            assert (before, after) == (1, 1)
            admins = User.objects.filter(role="vendor_admin", is_active=True).count()
            titles = (f"{NAME}: before", f"{NAME}: after")

            def emails() -> dict[str, int]:
                sent = [p.read_text() for p in tmp_path.iterdir()]
                return {title: sum(title in m for m in sent) for title in titles}

            # A copy is claimed (emailed_at) before it is written, so wait for the files too.
            wait_for(
                lambda: (
                    not Notification.objects.filter(
                        title__startswith=NAME, emailed_at__isnull=True
                    ).exists()
                    and min(emails().values()) >= admins
                )
            )
            assert emails() == dict.fromkeys(titles, admins)  # one e-mail each
            partner.refresh_from_db()
            suspended = partner.history.filter(status="suspended", history_type="~")
            assert partner.status == "suspended" and suspended.count() == 1
            assert (
                Event.objects.filter(
                    type="partner.status_changed", object_id=str(partner.pk)
                ).count()
                == 1
            )
            # The webhook may be called again after the crash, always with the same key, so
            # the receiver applies it once.
            assert set(SlowReceiver.calls) == {f"run-{run.pk}-step-1"}
            clean_up()
    finally:
        celery_app.conf.task_always_eager = True
        for proc in (first, second):
            if proc is not None and proc.poll() is None:
                proc.terminate()
                proc.wait(timeout=20)
        stack.close()
        connection.set_schema_to_public()
