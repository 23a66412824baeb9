"""The task path end to end: a real Celery worker subprocess on the embedded Redis,
reading the committed test database."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django_tenants.utils import schema_context

from prm.celery import app as celery_app
from prm.tenancy.models import Vendor
from prm.tenancy.services import vendor_provision
from prm.tenancy.tasks import ping
from prm.users.models import User
from tests.conftest import subprocess_env

pytestmark = pytest.mark.worker


def start_worker(extra_env: dict[str, str], *args: str) -> subprocess.Popen:
    """A real worker process on the test database and the test Redis."""
    cmd = [sys.executable, "-m", "celery", "-A", "prm", "worker", "-l", "warning"]
    cmd += ["--without-mingle", "--without-gossip", "-Q", settings.CELERY_TASK_DEFAULT_QUEUE]
    return subprocess.Popen([*cmd, *args], env=celery_env(extra_env), cwd=settings.BASE_DIR)


@pytest.fixture(scope="module")
def worker(django_db_setup, tmp_path_factory):
    mail_dir = tmp_path_factory.mktemp("mail")
    celery_app.conf.task_always_eager = False
    proc = start_worker(
        {
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": str(mail_dir),
        },
        "-P",
        "solo",
    )
    try:
        yield mail_dir
    finally:
        celery_app.conf.task_always_eager = True
        proc.terminate()
        proc.wait(timeout=20)


def test_a_task_runs_in_the_tenant_that_sent_it(worker, db):
    with schema_context("acme"):
        acme = ping.delay().get(timeout=60)
        acme_users = User.objects.count()
    with schema_context("globex"):
        globex = ping.delay().get(timeout=30)
    assert acme == {"schema": "acme", "users": acme_users}
    assert globex["schema"] == "globex"
    assert globex["users"] != acme_users


def wait_for(predicate, timeout: float = 45.0):
    """Poll ``predicate`` until it returns something truthy (what a worker did)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := predicate():
            return value
        time.sleep(0.1)
    raise AssertionError("timed out")


def test_provisioning_a_tenant_sends_the_welcome_email_after_commit(
    worker: Path, django_db_blocker
):
    with django_db_blocker.unblock():
        vendor = vendor_provision(
            schema_name="initrode",
            domain="initrode.localhost",
            name="Initrode",
            admin_email="Boss@Initrode.example",
            admin_password=None,
        )
        try:
            # The file backend writes a separator line after the whole message: wait for it,
            # not only for the file (it exists, empty, before the message is written).
            message = wait_for(
                lambda: [t for p in worker.iterdir() if ("-" * 79) in (t := p.read_text())]
            )[0]
            assert "To: boss@initrode.example" in message
            assert "Welcome to Initrode's partner portal" in message
            assert "http://initrode.localhost/login/" in message
            assert "http://initrode.localhost/password-reset/" in message  # no password yet
            with schema_context("initrode"):
                assert User.objects.get().welcome_sent_at is not None
        finally:
            connection.set_schema_to_public()
            Vendor.objects.get(pk=vendor.pk).delete(force_drop=True)


# --- shared helpers for tests that run beat, or a worker on a Redis of their own ---------


def celery_env(extra_env: dict[str, str]) -> dict[str, str]:
    """A worker's or beat's environment (tasks not eager), where ``extra_env`` may also
    replace ``REDIS_URL``."""
    return subprocess_env(CELERY_TASK_ALWAYS_EAGER="0", **extra_env)


def start_celery(
    command: str, extra_env: dict[str, str], *args: str, log: Path | None = None
) -> subprocess.Popen:
    """A real ``celery -A prm worker`` (on this test process's queue, like ``start_worker``)
    or ``celery -A prm beat``, with ``celery_env(extra_env)``; output to ``log`` if given."""
    cmd = [sys.executable, "-m", "celery", "-A", "prm", command, "-l", "warning"]
    if command == "worker":
        cmd += ["--without-mingle", "--without-gossip", "-Q", settings.CELERY_TASK_DEFAULT_QUEUE]
    out = log.open("ab") if log else None
    try:
        return subprocess.Popen(
            [*cmd, *args],
            env=celery_env(extra_env),
            cwd=settings.BASE_DIR,
            stdout=out,
            stderr=subprocess.STDOUT if out else None,
        )
    finally:
        if out:
            out.close()  # the child has its own copy


def new_partner(admin: User, name: str, cam: User | None = None, kind: str = "reseller"):
    """A partner in the demo's Germany, committed for the worker processes to see."""
    from partners import services as partner_services
    from partners.models import OrgUnit

    return partner_services.partner_create(
        actor=admin,
        fields={
            "display_name": name,
            "partner_type": kind,
            "territory": OrgUnit.objects.get(name="Germany"),
            "channel_manager": cam,
        },
    )
