"""MDF requests (incentives issue, point 3): a partner asks for funds for an activity; the
default fund request workflow asks the channel manager; an approval (possibly for less)
commits the amount from the fund and sets the claim's due date and proofs; a rejection
moves no money; a cancellation gives the committed amount back; every illegal move and
bad field is refused and changes nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from incentives import ledger, scope
from incentives.models import Fund, MdfProgram, MdfRequest, PeriodKind, RequestStatus
from incentives.requests import (
    mdf_request_approve,
    mdf_request_cancel,
    mdf_request_create,
    mdf_request_reject,
)
from incentives.subjects import MDF_REQUEST
from partners import services as partner_services
from prm.errors import Conflict, Forbidden, IllegalTransition, Invalid, NotFound
from prm.money import Money
from prm.outbox.models import Event
from prm.tenancy.context import current_tenant
from workflows import subjects
from workflows.approvals import approval_decide
from workflows.models import Approval
from workflows.services import defaults_install

D = Decimal
S = RequestStatus


@pytest.fixture
def world(module_world):
    return module_world


@pytest.fixture
def funds(world):
    """Bob's partner (Northwind Berlin) and carol's (Tailwind) with 5,000 each."""
    today = timezone.localdate()
    program = MdfProgram.objects.create(
        name="Next quarter MDF",
        period_kind=PeriodKind.QUARTER,
        starts_on=today,
        ends_on=today + dt.timedelta(days=90),
        currency=current_tenant().currency,
        budget=D("100000"),
    )
    made = {}
    for name, partner in (("bob", world.berlin), ("carol", world.contoso)):
        fund = Fund.objects.create(program=program, partner=partner)
        with transaction.atomic():
            ledger.allocate(fund=fund, amount=cash("5000"), actor=world.admin)
        made[name] = fund
    return made


def cash(value: str) -> Money:
    return Money(D(value), current_tenant().currency)


def fields(**overrides):
    start = timezone.localdate() + dt.timedelta(days=20)
    return {
        "activity_type": "event",
        "title": "Security roadshow Munich",
        "description": "Half-day event for 40 IT leads",
        "starts_on": start,
        "ends_on": start + dt.timedelta(days=1),
        "requested_amount": D("3000.00"),
        "partner_contribution": D("1000.00"),
        "expected_leads": 40,
        "expected_pipeline": D("250000.00"),
        "campaign_code": "RS-MUC-27",
        **overrides,
    }


def test_a_request_is_submitted_with_its_event_and_moves_no_money(world, funds):
    request = mdf_request_create(actor=world.bob, fund=funds["bob"], **fields())
    assert (request.status, request.partner, request.currency) == (
        S.SUBMITTED,
        world.berlin,
        current_tenant().currency,
    )
    event = Event.objects.get(type="mdf_request.submitted", object_id=str(request.pk))
    assert event.partner_id == world.berlin.pk
    assert subjects.subject_of("mdf_request.submitted") is MDF_REQUEST
    funds["bob"].refresh_from_db()
    assert funds["bob"].available == D("5000")


def test_bad_fields_are_refused_beside_each_and_nothing_is_written(world, funds):
    bad = fields(
        activity_type="party",
        title=" ",
        starts_on=timezone.localdate() - dt.timedelta(days=1),
        ends_on=timezone.localdate() - dt.timedelta(days=3),
        requested_amount=D("0"),
        partner_contribution=D("-1"),
        expected_pipeline=D("1.001"),
    )
    with pytest.raises(Invalid) as refused:
        mdf_request_create(actor=world.bob, fund=funds["bob"], **bad)
    assert set(refused.value.message_dict) == {
        "activity_type",
        "title",
        "starts_on",
        "ends_on",
        "requested_amount",
        "partner_contribution",
        "expected_pipeline",
    }
    assert "cannot start in the past" in refused.value.message_dict["starts_on"][0]
    assert not MdfRequest.objects.filter(fund=funds["bob"]).exists()


def test_an_approval_for_less_commits_it_and_sets_the_claims_due_date_and_proofs(world, funds):
    request = mdf_request_create(actor=world.bob, fund=funds["bob"], **fields())
    approved = mdf_request_approve(
        actor=world.cam_emea, request=request, reason="Two thirds", amount=D("2000.00")
    )
    assert (approved.status, approved.approved_amount) == (S.APPROVED, D("2000.00"))
    assert approved.claim_due_on == request.ends_on + dt.timedelta(days=60)
    assert approved.required_proofs == ["invoice", "photos", "attendees"]
    funds["bob"].refresh_from_db()
    assert (funds["bob"].committed, funds["bob"].available) == (D("2000"), D("3000"))
    [entry] = funds["bob"].entries.filter(kind="commit")
    assert entry.reference == f"mdf_request:{request.pk}"


def test_an_approval_the_fund_cannot_cover_or_above_the_request_changes_nothing(world, funds):
    request = mdf_request_create(
        actor=world.bob, fund=funds["bob"], **fields(requested_amount=D("6000.00"))
    )
    with pytest.raises(Conflict) as refused:
        mdf_request_approve(actor=world.cam_emea, request=request)
    assert refused.value.error_code == "insufficient_funds"
    with pytest.raises(Invalid):
        mdf_request_approve(actor=world.cam_emea, request=request, amount=D("6000.01"))
    request.refresh_from_db()
    assert request.status == S.SUBMITTED and request.approved_amount is None
    assert funds["bob"].entries.count() == 1


def test_a_rejection_moves_no_money_and_a_decided_request_is_not_decided_again(world, funds):
    request = mdf_request_create(actor=world.bob, fund=funds["bob"], **fields())
    mdf_request_reject(actor=world.cam_emea, request=request, reason="Outside the plan")
    with pytest.raises(IllegalTransition):
        mdf_request_approve(actor=world.cam_emea, request=request)
    funds["bob"].refresh_from_db()
    assert funds["bob"].committed == 0
    assert Event.objects.filter(type="mdf_request.rejected", object_id=str(request.pk)).exists()


def test_cancelling_an_approved_request_gives_its_amount_back(world, funds):
    request = mdf_request_create(actor=world.bob, fund=funds["bob"], **fields())
    mdf_request_approve(actor=world.cam_emea, request=request)
    mdf_request_cancel(actor=world.bob, request=request, reason="Venue cancelled")
    funds["bob"].refresh_from_db()
    assert (funds["bob"].committed, funds["bob"].available) == (0, D("5000"))
    assert ledger.ledger_totals(funds["bob"])["committed"] == 0
    with pytest.raises(IllegalTransition):
        mdf_request_cancel(actor=world.bob, request=request)


def test_only_partners_ask_and_only_the_channel_team_decides(world, funds):
    with pytest.raises(Forbidden):
        mdf_request_create(actor=world.cam_emea, fund=funds["bob"], **fields())
    request = mdf_request_create(actor=world.bob, fund=funds["bob"], **fields())
    with pytest.raises(Forbidden):
        mdf_request_approve(actor=world.bob, request=request)


def test_a_partner_never_sees_another_partners_request(world, funds):
    request = mdf_request_create(actor=world.bob, fund=funds["bob"], **fields())
    assert scope.get_request_for(world.bob, request.pk) == request
    with pytest.raises(NotFound):
        scope.get_request_for(world.carol, request.pk)
    assert not scope.requests_visible_to(world.carol).filter(pk=request.pk).exists()
    assert scope.get_request_for(world.cam_emea, request.pk) == request


def test_the_default_workflow_asks_the_channel_manager_whose_approval_commits_the_funds(
    world, funds, django_capture_on_commit_callbacks
):
    defaults_install(actor=world.admin)
    partner_services.partner_update(
        actor=world.admin, partner=world.berlin, fields={"channel_manager": world.cam_emea}
    )
    with django_capture_on_commit_callbacks(execute=True):
        request = mdf_request_create(actor=world.bob, fund=funds["bob"], **fields())
    approval = Approval.objects.get(run__object_type="mdfrequest", run__object_id=str(request.pk))
    assert approval.approver == world.cam_emea
    with django_capture_on_commit_callbacks(execute=True):
        approval_decide(actor=world.cam_emea, approval_id=approval.pk, decision="approved")
    request.refresh_from_db()
    assert (request.status, request.decided_by) == (S.APPROVED, world.cam_emea)
    funds["bob"].refresh_from_db()
    assert funds["bob"].committed == D("3000")


def test_a_programs_cap_for_a_kind_of_activity_holds_at_request_and_at_approval(world, funds):
    from incentives.services import activity_caps_set

    program = funds["bob"].program
    with pytest.raises(Forbidden):
        activity_caps_set(actor=world.cam_emea, program=program, caps={"event": (D("1"), None)})
    with pytest.raises(Invalid):
        activity_caps_set(actor=world.admin, program=program, caps={"event": (None, D("120"))})
    activity_caps_set(actor=world.admin, program=program, caps={"event": (D("2500"), D("60"))})
    with pytest.raises(Invalid) as too_much:
        mdf_request_create(actor=world.bob, fund=funds["bob"], **fields())  # 3,000 asked
    assert "pays at most" in too_much.value.message_dict["requested_amount"][0]
    # 2,000 of a 2,500 cost is 80%: above the 60% share.
    with pytest.raises(Invalid) as share:
        mdf_request_create(
            actor=world.bob,
            fund=funds["bob"],
            **fields(requested_amount=D("2000.00"), partner_contribution=D("500.00")),
        )
    assert "at most 60% of an event's cost" in share.value.message_dict["requested_amount"][0]
    ok = mdf_request_create(
        actor=world.bob,
        fund=funds["bob"],
        **fields(requested_amount=D("1200.00"), partner_contribution=D("1000.00")),
    )
    activity_caps_set(actor=world.admin, program=program, caps={"event": (D("1000"), None)})
    with pytest.raises(Invalid):  # the cap is lowered before the approval
        mdf_request_approve(actor=world.cam_emea, request=ok)
    approved = mdf_request_approve(actor=world.cam_emea, request=ok, amount=D("1000.00"))
    assert approved.approved_amount == D("1000.00")


def test_a_fund_short_of_money_draws_the_rest_from_the_shared_pool_first_come_first_served(
    world, funds
):
    program = funds["bob"].program
    MdfProgram.objects.filter(pk=program.pk).update(shared_pool=True)
    pool = Fund.objects.create(program=program, partner=None)
    with transaction.atomic():
        ledger.allocate(fund=pool, amount=cash("1500"), actor=world.admin)
    first = mdf_request_create(
        actor=world.bob, fund=funds["bob"], **fields(requested_amount=D("4000.00"))
    )
    second = mdf_request_create(
        actor=world.bob, fund=funds["bob"], **fields(requested_amount=D("2000.00"))
    )
    mdf_request_approve(actor=world.cam_emea, request=first)
    funds["bob"].refresh_from_db()
    assert (funds["bob"].allocated, funds["bob"].available) == (D("5000"), D("1000"))
    mdf_request_approve(actor=world.cam_emea, request=second)  # 1,000 short: from the pool
    funds["bob"].refresh_from_db()
    pool.refresh_from_db()
    assert (funds["bob"].allocated, funds["bob"].available) == (D("6000"), 0)
    assert (pool.allocated, pool.available) == (D("500"), D("500"))
    assert ledger.ledger_totals(pool)["allocated"] == D("500")
    third = mdf_request_create(
        actor=world.carol, fund=funds["carol"], **fields(requested_amount=D("5600.00"))
    )
    with pytest.raises(Conflict):  # 600 short, the pool has 500 left: refused, nothing moves
        mdf_request_approve(actor=world.cam_us, request=third)
    pool.refresh_from_db()
    assert pool.available == D("500")
