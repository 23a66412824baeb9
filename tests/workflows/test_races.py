"""Races between real database connections (threads, each with its own connection, on
committed rows): approvers deciding one step at once, concurrent business plans and token
replacements. Losers get a clear 409 or the existing row, never a deadlock or a 500."""

from __future__ import annotations

import concurrent.futures
import threading

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from partners import services as partner_services
from partners.models import BusinessPlan, Partner
from prm.errors import Conflict
from prm.users.models import Role, User
from prm.users.services import user_create
from tests.conftest import ACME_HOST
from tests.test_celery import new_partner
from workflows.approvals import approval_decide
from workflows.models import Approval, Workflow, WorkflowRun
from workflows.services import workflow_save

PREFIX = "Race test"
pytestmark = pytest.mark.worker  # commits, like the real-process tests


def race(count: int, work) -> list:
    """Run ``work(i)`` in ``count`` threads released together, each in acme on its own
    connection; return what each returned or raised."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def one(i: int) -> None:
        try:
            with schema_context("acme"):
                barrier.wait(timeout=10)
                results[i] = work(i)
        except Exception as exc:
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=one, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


class Racers:
    """``race`` for many races in a row: ``count`` threads kept from one race to the next,
    each in acme on a database connection of its own that it keeps too (a new thread and
    connection per race cost more than some races). ``run(work)`` releases them together
    on ``work(i)`` and returns what each returned or raised; use as a context manager."""

    def __init__(self, count: int) -> None:
        self.count = count
        self.pool = concurrent.futures.ThreadPoolExecutor(count)

    def _together(self, work) -> list:
        # One call per thread: each waits at the barrier until all have been taken.
        barrier = threading.Barrier(self.count)

        def one(i: int):
            connection.close_if_unusable_or_obsolete()  # as at the start of a request
            with schema_context("acme"):
                barrier.wait(timeout=10)
                return work(i)

        futures = [self.pool.submit(one, i) for i in range(self.count)]
        results: list = []
        for future in futures:
            try:
                results.append(future.result(timeout=60))
            except Exception as exc:
                results.append(exc)
        return results

    def run(self, work) -> list:
        return self._together(work)

    def __enter__(self) -> Racers:
        return self

    def __exit__(self, *exc_info) -> None:
        self._together(lambda i: connection.close())  # each thread's own connection
        self.pool.shutdown()


def clean_up() -> None:
    partners = Partner.objects.filter(display_name__startswith=PREFIX)
    ids = [str(pk) for pk in partners.values_list("pk", flat=True)]
    WorkflowRun.objects.filter(object_type="partner", object_id__in=ids).delete()
    workflows = Workflow.objects.filter(name__startswith=PREFIX)
    workflows.update(current=None)
    workflows.delete()
    BusinessPlan.objects.filter(partner__in=partners).delete()
    partners.delete()
    User.objects.filter(email__startswith="race-").delete()


@pytest.fixture
def committed(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), schema_context("acme"):
        clean_up()
        yield User.objects.get(email="admin@acme.example")
        clean_up()


def test_three_approvers_deciding_one_step_at_once_give_one_decision_and_two_409s(committed):
    admin = committed
    approvers = [
        user_create(email=f"race-{i}@acme.example", role=Role.FINANCE_APPROVER, send_welcome=False)
        for i in range(3)
    ]
    workflow_save(
        actor=admin,
        name=f"{PREFIX}: ask finance",
        trigger="partner.status_changed",
        enabled=True,
        definition={
            "conditions": {"all": [{"field": "display_name", "op": "=", "value": PREFIX}]},
            "actions": [{"type": "request_approval", "from": "finance_approver"}],
        },
    )
    partner = new_partner(admin, PREFIX)
    partner_services.partner_transition(actor=admin, partner=partner, status="active")
    asked = {
        a.approver_id: a.pk for a in Approval.objects.filter(run__workflow__name__startswith=PREFIX)
    }
    assert {u.pk for u in approvers} <= set(asked)

    results = race(
        3,
        lambda i: approval_decide(
            actor=approvers[i], approval_id=asked[approvers[i].pk], decision="approved"
        ),
    )
    decided = [r for r in results if isinstance(r, Approval)]
    refused = [r for r in results if isinstance(r, Conflict)]
    assert len(decided) == 1 and len(refused) == 2, results
    assert (
        Approval.objects.filter(
            run__workflow__name__startswith=PREFIX, decided_at__isnull=False
        ).count()
        == 1
    )


def test_concurrent_first_plans_of_a_year_leave_one_plan_and_no_error(committed):
    admin = committed
    partner = new_partner(admin, f"{PREFIX} plans")
    results = race(
        4,
        lambda i: partner_services.business_plan_set(
            actor=admin, partner=partner, fields={"year": 2027, "deals_target": 10 + i}
        ),
    )
    assert all(isinstance(r, BusinessPlan) for r in results), results
    assert BusinessPlan.objects.filter(partner=partner, year=2027).count() == 1


def test_concurrent_token_replacements_leave_one_token_and_no_500(committed):
    from django.test import Client
    from rest_framework.authtoken.models import Token

    user_create(
        email="race-token@acme.example",
        role=Role.VENDOR_ADMIN,
        password="race-pass-123",
        send_welcome=False,
    )
    client = Client(HTTP_HOST=ACME_HOST)
    assert (
        client.post(
            "/login/", {"username": "race-token@acme.example", "password": "race-pass-123"}
        ).status_code
        == 302
    )
    cookies = client.cookies

    def replace(i: int) -> int:
        mine = Client(HTTP_HOST=ACME_HOST)
        mine.cookies = cookies
        return mine.post("/api-token/").status_code  # the test client skips CSRF

    statuses = race(4, replace)
    assert statuses == [302] * 4, statuses
    assert Token.objects.filter(user__email="race-token@acme.example").count() == 1
