"""The acceptance race of the incentives issue, over HTTP: 20 fund request approvals sent at
once through the API (20 clients, each a thread with its own database connection,
committing for real, as tests/workflows/test_races.py does) against one partner's fund
that covers 6 of them: the committed total never exceeds the allocation, each refused
approval is a 409 ``insufficient_funds`` in the error shape and leaves its request waiting,
and the ledger's sums equal the fund's totals."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context
from rest_framework.authtoken.models import Token

from incentives import ledger
from incentives.models import Fund, LedgerEntry, MdfProgram, MdfRequest, PeriodKind
from incentives.requests import mdf_request_create
from partners.models import Partner, PartnerMembership, PartnerType
from prm.money import Money
from prm.outbox.models import Event
from prm.tenancy.context import current_tenant
from prm.users.models import Role, User
from prm.users.services import user_create
from tests.conftest import ACME_HOST
from tests.workflows.test_races import race
from workflows.models import Notification, WorkflowRun

D = Decimal
PROGRAM = "API race program"
PARTNER = "API race partner"
EMAILS = ("race-mdf-partner@acme.example", "race-mdf-admin@acme.example")
pytestmark = pytest.mark.worker  # commits, like the real-process tests


def clean_up() -> None:
    """The test's own committed rows (the ledger's with its append-only trigger off for
    this transaction only: a superuser's maintenance, never the application's)."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        programs = MdfProgram.objects.filter(name=PROGRAM)
        asked = MdfRequest.objects.filter(fund__program__in=programs)
        ids = [str(pk) for pk in asked.values_list("pk", flat=True)]
        events = Event.objects.filter(type__startswith="mdf_request.", object_id__in=ids)
        Notification.objects.filter(event__in=events).delete()
        events.delete()
        WorkflowRun.objects.filter(object_type="mdfrequest", object_id__in=ids).delete()
        asked.delete()
        LedgerEntry.objects.filter(fund__program__in=programs).delete()
        Fund.objects.filter(program__in=programs).delete()
        programs.delete()
        memberships = PartnerMembership.objects.filter(user__email__in=EMAILS)
        member_ids = list(memberships.values_list("pk", flat=True))
        memberships.delete()
        Token.objects.filter(user__email__in=EMAILS).delete()
        User.objects.filter(email__in=EMAILS).delete()
        partners = Partner.objects.filter(display_name=PARTNER)
        partner_ids = list(partners.values_list("pk", flat=True))
        partners.delete()
        # Last: each delete above writes a history row of its own.
        MdfRequest.history.filter(id__in=ids).delete()
        PartnerMembership.history.filter(id__in=member_ids).delete()
        Partner.history.filter(display_name=PARTNER).delete()
        Partner.history.filter(id__in=partner_ids).delete()


@pytest.fixture
def committed(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), schema_context("acme"):
        clean_up()
        yield
        clean_up()


def test_twenty_approvals_at_once_over_the_api_never_overdraw_the_fund(committed):
    currency = current_tenant().currency
    admin = User.objects.get(email="admin@acme.example")
    partner = Partner.objects.add_root(
        instance=Partner(display_name=PARTNER, partner_type=PartnerType.RESELLER)
    )
    asker = user_create(email=EMAILS[0], role=Role.PARTNER_USER, send_welcome=False)
    PartnerMembership.objects.create(partner=partner, user=asker, role="member")
    approver = user_create(email=EMAILS[1], role=Role.VENDOR_ADMIN, send_welcome=False)
    token = Token.objects.create(user=approver).key
    today = timezone.localdate()
    program = MdfProgram.objects.create(
        name=PROGRAM,
        period_kind=PeriodKind.QUARTER,
        starts_on=today,
        ends_on=today + dt.timedelta(days=90),
        currency=currency,
        budget=D("100000.00"),
    )
    fund = Fund.objects.create(program=program, partner=partner)
    with transaction.atomic():
        ledger.allocate(fund=fund, amount=Money(D("1000.00"), currency), actor=admin)
    start = today + dt.timedelta(days=14)
    asked = [
        mdf_request_create(
            actor=asker,
            fund=fund,
            activity_type="webinar",
            title=f"Race webinar {i}",
            starts_on=start,
            ends_on=start,
            requested_amount=D("150.00"),  # 20 x 150 = 3,000 > 1,000: 6 fit
        )
        for i in range(20)
    ]

    def approve(i: int):
        client = Client(HTTP_HOST=ACME_HOST, HTTP_AUTHORIZATION=f"Token {token}")
        return client.post(
            f"/api/v1/mdf/requests/{asked[i].pk}/approve/",
            {"reason": "Race"},
            content_type="application/json",
        )

    answers = race(20, approve)
    assert not [a for a in answers if isinstance(a, Exception)], answers
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [200] * 6 + [409] * 14, [a.content for a in answers]
    for refused in (a for a in answers if a.status_code == 409):
        body = refused.json()
        assert set(body) == {"code", "detail", "fields"}
        assert body["code"] == "insufficient_funds" and "available" in body["detail"]
    fund.refresh_from_db()
    assert fund.committed <= fund.allocated
    assert (fund.allocated, fund.committed, fund.available) == (
        D("1000.00"),
        D("900.00"),
        D("100.00"),
    )
    assert ledger.ledger_totals(fund) == {
        "allocated": fund.allocated,
        "committed": fund.committed,
        "payable": fund.payable,
        "paid": fund.paid,
    }
    assert fund.entries.filter(kind="commit").count() == 6
    states = MdfRequest.objects.filter(fund=fund).values_list("status", flat=True)
    assert sorted(states) == ["approved"] * 6 + ["submitted"] * 14
