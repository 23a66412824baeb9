"""A worker killed with SIGKILL in the middle of a deal's approval run: once another
worker and the sweep take over, the deal is decided exactly once and the partner is told
once (issue 13's acceptance)."""

from __future__ import annotations

import contextlib
import os
import signal
from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context

from deals import services
from deals.models import CustomerAccount, Deal, DealStatus, Product, ProductLine
from deals.services import LineIn
from partners.models import (
    AgreementAcceptance,
    Partner,
    PartnerMembership,
    PartnerStatus,
    PartnerType,
    Tier,
)
from partners.selectors import agreement_current
from partners.services import agreement_accept
from prm.celery import app as celery_app
from prm.outbox.models import Event
from prm.users.models import Role, User
from prm.users.services import user_create
from tests.test_celery import start_worker, wait_for
from tests.workflows.test_crash_safety import SlowReceiver, file_mail, slow_webhook
from workflows.models import Notification, RunStatus, Workflow, WorkflowRun
from workflows.services import workflow_save

pytestmark = pytest.mark.worker
NAME = "Deal crash test"


def clean_up() -> None:
    deals = Deal.objects.filter(name=NAME)
    ids = [str(pk) for pk in deals.values_list("pk", flat=True)]
    Notification.objects.filter(title__contains=NAME).delete()
    WorkflowRun.objects.filter(object_type="deal", object_id__in=ids).delete()
    Event.objects.filter(object_type="deal", object_id__in=ids).delete()
    workflows = Workflow.objects.filter(name=NAME)
    workflows.update(current=None)
    workflows.delete()
    Deal.history.filter(name=NAME).delete()
    deals.delete()
    CustomerAccount.objects.filter(name=f"{NAME} customer").delete()
    Product.objects.filter(sku="CRASH-1").delete()
    ProductLine.objects.filter(name=NAME).delete()
    PartnerMembership.objects.filter(user__email="crash-deal@acme.example").delete()
    AgreementAcceptance.objects.filter(user__email="crash-deal@acme.example").delete()
    User.objects.filter(email="crash-deal@acme.example").delete()
    Partner.objects.filter(display_name=f"{NAME} partner").delete()


def test_a_worker_killed_mid_approval_decides_the_deal_once_and_tells_the_partner_once(
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
            admin = User.objects.get(email="admin@acme.example")
            partner = Partner.objects.add_root(
                instance=Partner(
                    display_name=f"{NAME} partner",
                    partner_type=PartnerType.RESELLER,
                    status=PartnerStatus.ACTIVE,
                    tier=Tier.objects.get(name="Silver"),  # not approved by the defaults
                )
            )
            rep = user_create(
                email="crash-deal@acme.example", role=Role.PARTNER_USER, send_welcome=False
            )
            PartnerMembership.objects.create(partner=partner, user=rep, role="member")
            if agreement_current() is not None:
                agreement_accept(actor=rep, agreement=agreement_current(), ip_address="127.0.0.1")
            workflow = workflow_save(
                actor=admin,
                name=NAME,
                trigger="deal.submitted",
                enabled=True,
                definition={
                    "conditions": {
                        "all": [
                            {
                                "field": "partner.display_name",
                                "op": "=",
                                "value": partner.display_name,
                            }
                        ]
                    },
                    "actions": [
                        {"type": "webhook", "url": hook},
                        {"type": "approve", "reason": "checked by the CRM"},
                    ],
                },
            )
            line = ProductLine.objects.create(name=NAME)
            product = Product.objects.create(
                sku="CRASH-1", name="Crash firewall", line=line, list_price=10, currency="USD"
            )
            account = services.account_create(actor=admin, name=f"{NAME} customer", country="US")
            deal = services.deal_create(
                actor=rep,
                account=account,
                name=NAME,
                lines=[LineIn(product, 1, Decimal("10.00"))],
                currency="USD",
                expected_close_date=timezone.localdate() + timedelta(days=30),
            )
            services.deal_submit(actor=rep, deal=deal)

            assert SlowReceiver.first_call.wait(60), "the webhook was never called"
            os.kill(first.pid, signal.SIGKILL)  # mid-run: before the approve step
            first.wait()
            SlowReceiver.release.set()
            run = WorkflowRun.objects.get(workflow=workflow)
            assert run.status == RunStatus.RUNNING
            deal.refresh_from_db()
            assert deal.status == DealStatus.SUBMITTED

            long_ago = timezone.now() - timedelta(seconds=settings.WORKFLOW_STALE_SECONDS + 60)
            WorkflowRun.objects.filter(pk=run.pk).update(updated_at=long_ago)
            second = start_worker(mail, "-P", "solo")
            celery_app.send_task("workflows.runs_redrive")  # what beat's sweep sends
            wait_for(
                lambda: WorkflowRun.objects.filter(pk=run.pk, status=RunStatus.COMPLETED).exists()
            )
            deal.refresh_from_db()
            assert deal.status == DealStatus.APPROVED
            approvals = deal.history.filter(status=DealStatus.APPROVED, history_type="~")
            assert approvals.count() == 1
            assert Event.objects.filter(type="deal.approved", object_id=str(deal.pk)).count() == 1
            # The partner is told by the default workflow on deal.approved, once.
            assert Workflow.objects.filter(name="Tell the partner: approved", enabled=True).exists()
            told = f"Approved: {NAME}"
            wait_for(lambda: Notification.objects.filter(user=rep, title=told).exists())
            assert Notification.objects.filter(user=rep, title=told).count() == 1
            # A copy is claimed (emailed_at) before it is written: wait for the file too.
            wait_for(lambda: any(told in p.read_text() for p in tmp_path.iterdir()))
            mails = [p.read_text() for p in tmp_path.iterdir()]
            assert sum(told in m for m in mails) == 1
            clean_up()
    finally:
        celery_app.conf.task_always_eager = True
        for proc in (first, second):
            if proc is not None and proc.poll() is None:
                proc.terminate()
                proc.wait(timeout=20)
        stack.close()
        connection.set_schema_to_public()
