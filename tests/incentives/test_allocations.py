"""MDF programs and allocations (incentives issue, point 1): by hand within the budget,
by a rule (a percentage of each partner's won revenue of a period) previewed before it is
applied, every row or none; who sees which fund."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from deals.models import Deal, DealStatus
from incentives import scope, services
from incentives.models import Fund, LedgerEntry, PeriodKind
from partners.models import Partner, PartnerStatus
from prm.errors import Conflict, Forbidden, Invalid, NotFound
from prm.money import Money
from prm.tenancy.context import current_tenant
from prm.users.models import User

D = Decimal
SINCE, UNTIL = dt.date(2031, 1, 1), dt.date(2031, 3, 31)


@pytest.fixture
def admin(acme):
    return User.objects.get(email="admin@acme.example")


@pytest.fixture
def program(admin):
    return services.program_create(
        actor=admin,
        name="2031 Q2 MDF",
        period_kind=PeriodKind.QUARTER,
        starts_on=dt.date(2031, 4, 1),
        ends_on=dt.date(2031, 6, 30),
        currency=current_tenant().currency,
        budget=D("10000.00"),
    )


def money(value: str) -> Money:
    return Money(D(value), current_tenant().currency)


def test_a_program_with_bad_fields_is_refused_field_by_field(admin):
    with pytest.raises(Invalid) as refused:
        services.program_create(
            actor=admin,
            name=" ",
            period_kind="month",
            starts_on=dt.date(2031, 4, 1),
            ends_on=dt.date(2031, 4, 1),
            currency="usd",
            budget=D("-1"),
        )
    assert set(refused.value.message_dict) == {
        "name",
        "period_kind",
        "ends_on",
        "currency",
        "budget",
    }


def test_only_vendor_admins_set_up_programs_and_allocate(acme, program):
    cam = User.objects.get(email="cam@acme.example")
    with pytest.raises(Forbidden):
        services.fund_allocate(
            actor=cam, program=program, partner=Partner.objects.first(), amount=money("10")
        )


def test_allocations_by_hand_never_exceed_the_budget(admin, program):
    northwind, contoso = Partner.objects.order_by("pk")[:2]
    services.fund_allocate(actor=admin, program=program, partner=northwind, amount=money("6000"))
    services.fund_allocate(actor=admin, program=program, partner=contoso, amount=money("3000"))
    with pytest.raises(Conflict) as refused:
        services.fund_allocate(
            actor=admin, program=program, partner=contoso, amount=money("1000.01")
        )
    assert refused.value.error_code == "budget_exceeded"
    assert "1,000 of its budget left" in refused.value.detail
    fund = Fund.objects.get(program=program, partner=contoso)
    assert (fund.allocated, fund.entries.count()) == (D("3000"), 1)


def test_a_program_without_a_shared_pool_refuses_an_allocation_to_it(admin, program):
    with pytest.raises(Invalid):
        services.fund_allocate(actor=admin, program=program, partner=None, amount=money("10"))


def _won(partner: Partner, *amounts: str) -> None:
    """Demo deals of ``partner`` made won in the rule's period with ``amounts``."""
    Partner.objects.filter(pk=partner.pk).update(status=PartnerStatus.ACTIVE)
    deals = list(Deal.objects.filter(partner=partner).order_by("pk")[: len(amounts)])
    assert len(deals) == len(amounts)
    for deal, amount in zip(deals, amounts, strict=True):
        Deal.objects.filter(pk=deal.pk).update(
            status=DealStatus.WON,
            closed_on=dt.date(2031, 2, 1),
            final_amount=D(amount),
            currency=current_tenant().currency,
        )


def _partners_with_deals(count: int) -> list[Partner]:
    ids = Deal.objects.values_list("partner", flat=True).distinct().order_by("partner")[:count]
    return list(Partner.objects.filter(pk__in=list(ids)).order_by("pk"))


def test_a_rule_is_previewed_from_the_periods_won_revenue_and_writes_nothing(admin, program):
    first, second = _partners_with_deals(2)
    _won(first, "40000.00", "10000.00")
    _won(second, "12345.67")
    rows = services.allocation_preview(program=program, percent=D("5"), since=SINCE, until=UNTIL)
    assert [(r.partner, r.won, r.amount) for r in rows] == [
        (first, D("50000.00"), D("2500.00")),
        (second, D("12345.67"), D("617.28")),  # cents rounded down
    ]
    assert not LedgerEntry.objects.filter(fund__program=program).exists()


def test_a_rule_applied_allocates_every_row_or_none(admin, program):
    first, second = _partners_with_deals(2)
    _won(first, "40000.00", "10000.00")
    _won(second, "12345.67")
    entries = services.allocation_apply(
        actor=admin, program=program, percent=D("5"), since=SINCE, until=UNTIL
    )
    assert sorted(e.allocated for e in entries) == [D("617.28"), D("2500.00")]
    assert entries[0].memo == "5% of won revenue 2031-01-01 to 2031-03-31"
    with pytest.raises(Conflict):  # 50% of the same: 31,172.83 > the 6,882.72 left
        services.allocation_apply(
            actor=admin, program=program, percent=D("50"), since=SINCE, until=UNTIL
        )
    assert LedgerEntry.objects.filter(fund__program=program).count() == 2


def test_a_partner_sees_its_own_fund_only_and_another_is_missing(admin, program):
    bob = User.objects.get(email="bob@northwind.example")
    carol = User.objects.get(email="carol@contoso.example")
    mine = bob.partner_membership.partner
    theirs = carol.partner_membership.partner
    for partner in (mine, theirs):
        services.fund_allocate(actor=admin, program=program, partner=partner, amount=money("10"))
    bobs = Fund.objects.get(program=program, partner=mine)
    carols = Fund.objects.get(program=program, partner=theirs)
    assert list(scope.funds_visible_to(bob).filter(program=program)) == [bobs]
    assert scope.get_fund_for(bob, bobs.pk) == bobs
    for other in (carols.pk, 999999999, "x"):
        with pytest.raises(NotFound):
            scope.get_fund_for(bob, other)
    assert set(scope.funds_visible_to(admin).filter(program=program)) == {bobs, carols}
    assert list(scope.programs_visible_to(bob)) == [program]
