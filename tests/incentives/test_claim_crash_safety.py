"""A worker killed with SIGKILL in the middle of a claim's approval run: once another worker
and the sweep take over, the claim is approved once and exactly one payout exists, not zero
or two (issue 14's acceptance).

The ledger refuses DELETE: the test works on bob's demo fund and gives it back what it
takes (an allocation), and removes its workflow."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import signal
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from incentives import ledger
from incentives.claims import ProofIn, claim_file
from incentives.models import ClaimStatus, Fund, MdfClaim, MdfRequest, Payout
from incentives.requests import mdf_request_approve, mdf_request_create
from prm.celery import app as celery_app
from prm.money import Money
from prm.outbox.models import Event
from prm.users.models import User
from tests.test_celery import start_worker, wait_for
from tests.workflows.test_crash_safety import SlowReceiver, file_mail, slow_webhook
from workflows.models import RunStatus, Workflow, WorkflowRun
from workflows.services import workflow_save

pytestmark = pytest.mark.worker
NAME = "Claim crash test"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def clean_up() -> None:
    workflows = Workflow.objects.filter(name=NAME)
    WorkflowRun.objects.filter(workflow__in=workflows).delete()
    workflows.update(current=None)
    workflows.delete()


def approved_request(admin: User, suffix: str) -> tuple[User, MdfRequest]:
    """bob's approved request of 600 on his partner's current fund (the demo's), its
    activity over. The ledger refuses DELETE, so the test's money cannot be removed after
    it: it gives the fund back what the test takes (``top_up``) instead of creating a
    partner and a program that would stay in the reused test database."""
    rep = User.objects.get(email="bob@northwind.example")
    today = timezone.localdate()
    fund = (
        Fund.objects.filter(
            partner=rep.partner_membership.partner,
            program__starts_on__lte=today,
            program__ends_on__gte=today,
        )
        .select_related("program")
        .get()
    )
    top_up(admin, fund)
    start = today + dt.timedelta(days=1)
    request = mdf_request_create(
        actor=rep,
        fund=fund,
        activity_type="other",
        title=f"{NAME} activity {suffix}",
        starts_on=start,
        ends_on=start,
        requested_amount=Decimal("600.00"),
    )
    request = mdf_request_approve(actor=admin, request=request)
    MdfRequest.objects.filter(pk=request.pk).update(
        starts_on=today - dt.timedelta(days=2), ends_on=today - dt.timedelta(days=1)
    )
    request.refresh_from_db()
    return rep, request


def top_up(admin: User, fund: Fund) -> None:
    with transaction.atomic():
        ledger.allocate(
            fund=fund, amount=Money(Decimal("600.00"), fund.currency), actor=admin, memo=NAME
        )


def test_a_worker_killed_mid_claim_approval_leaves_exactly_one_payout(
    django_db_setup, django_db_blocker, tmp_path
):
    stack = contextlib.ExitStack()
    hook = stack.enter_context(slow_webhook())
    celery_app.conf.task_always_eager = False
    mail = file_mail(tmp_path)
    first = start_worker(mail, "-P", "solo")
    second = None
    try:
        with django_db_blocker.unblock(), schema_context("acme"):
            clean_up()
            suffix = uuid.uuid4().hex[:8]
            admin = User.objects.get(email="admin@acme.example")
            rep, request = approved_request(admin, suffix)
            was = Fund.objects.get(pk=request.fund_id)
            before = {"committed": was.committed, "payable": was.payable}
            workflow = workflow_save(
                actor=admin,
                name=NAME,
                trigger="mdf_claim.submitted",
                enabled=True,
                definition={
                    "conditions": {
                        "all": [
                            {
                                "field": "partner.display_name",
                                "op": "=",
                                "value": request.partner.display_name,
                            }
                        ]
                    },
                    "actions": [
                        {"type": "webhook", "url": hook},
                        {"type": "approve", "reason": "checked by the finance system"},
                    ],
                },
            )
            claim = claim_file(
                actor=rep,
                request=request,
                amount=Money(Decimal("600.00"), request.currency),
                files=[ProofIn("invoice", SimpleUploadedFile("invoice.pdf", PDF))],
                invoice_number=f"CRASH-{suffix}",
                supplier_tax_id="US-99",
                invoice_total=Decimal("600.00"),
            )

            assert SlowReceiver.first_call.wait(60), "the webhook was never called"
            os.kill(first.pid, signal.SIGKILL)  # mid-run: before the approve step
            first.wait()
            SlowReceiver.release.set()
            run = WorkflowRun.objects.get(workflow=workflow)
            assert run.status == RunStatus.RUNNING
            claim.refresh_from_db()
            assert claim.status == ClaimStatus.SUBMITTED
            assert not Payout.objects.filter(claim=claim).exists()

            long_ago = timezone.now() - timedelta(seconds=settings.WORKFLOW_STALE_SECONDS + 60)
            WorkflowRun.objects.filter(pk=run.pk).update(updated_at=long_ago)
            second = start_worker(mail, "-P", "solo")
            celery_app.send_task("workflows.runs_redrive")  # what beat's sweep sends
            wait_for(
                lambda: WorkflowRun.objects.filter(pk=run.pk, status=RunStatus.COMPLETED).exists()
            )
            claim = MdfClaim.objects.get(pk=claim.pk)
            assert claim.status == ClaimStatus.APPROVED
            assert Payout.objects.filter(claim=claim).count() == 1
            assert (
                Event.objects.filter(type="mdf_claim.approved", object_id=str(claim.pk)).count()
                == 1
            )
            fund = Fund.objects.get(pk=request.fund_id)
            assert fund.committed == before["committed"] - Decimal("600.00")
            assert fund.payable == before["payable"] + Decimal("600.00")
            assert ledger.ledger_totals(fund)["payable"] == fund.payable
            clean_up()
    finally:
        celery_app.conf.task_always_eager = True
        for proc in (first, second):
            if proc is not None and proc.poll() is None:
                proc.terminate()
                proc.wait(timeout=20)
        stack.close()
        connection.set_schema_to_public()
