"""The MDF ledger (incentives issue, points 1 and 2): every movement an entry written with
its fund's totals, the balance never negative, corrections by reversing entries, the
ledger refused UPDATE, DELETE and TRUNCATE by the database itself, and 20 approvals at
once against one fund that cannot cover them all."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django_tenants.utils import schema_context

from incentives import ledger
from incentives.models import Fund, LedgerEntry, MdfProgram, PeriodKind
from partners.models import Partner
from prm.errors import Conflict, Invalid
from prm.money import Money
from prm.users.models import User
from tests.workflows.test_races import race

D = Decimal


def make_fund(partner: Partner, name: str = "2027 Q1 MDF", currency: str = "USD") -> Fund:
    """A program with ``partner``'s fund, 1,000.00 allocated to it."""
    program = MdfProgram.objects.create(
        name=name,
        period_kind=PeriodKind.QUARTER,
        starts_on=dt.date(2027, 1, 1),
        ends_on=dt.date(2027, 3, 31),
        currency=currency,
        budget=D("100000.00"),
    )
    fund = Fund.objects.create(program=program, partner=partner)
    admin = User.objects.get(email="admin@acme.example")
    with transaction.atomic():
        ledger.allocate(fund=fund, amount=Money(D("1000.00"), currency), actor=admin)
    return fund


@pytest.fixture
def fund(acme):
    return make_fund(Partner.objects.order_by("pk").first())


@pytest.fixture
def admin(acme):
    return User.objects.get(email="admin@acme.example")


def figures(fund: Fund) -> tuple[Decimal, Decimal, Decimal, Decimal, Decimal]:
    fund.refresh_from_db()
    return fund.allocated, fund.committed, fund.payable, fund.paid, fund.available


def test_each_movement_is_an_entry_and_the_ledger_sums_are_the_funds_totals(fund, admin):
    usd = lambda v: Money(D(v), "USD")  # noqa: E731
    with transaction.atomic():
        ledger.commit(fund=fund, amount=usd("400"), actor=admin, reference="mdf_request:1")
        ledger.release(fund=fund, amount=usd("50"), actor=admin, reference="mdf_request:1")
        ledger.claim(fund=fund, amount=usd("300"), actor=admin, reference="claim:1")
        ledger.pay(fund=fund, amount=usd("200"), actor=admin, reference="payout:1")
    assert figures(fund) == (D("1000"), D("50"), D("100"), D("200"), D("650"))
    assert ledger.ledger_totals(fund) == {
        "allocated": D("1000"),
        "committed": D("50"),
        "payable": D("100"),
        "paid": D("200"),
    }
    kinds = list(fund.entries.values_list("kind", flat=True))
    assert kinds == ["allocate", "commit", "release", "claim", "pay"]


def test_a_commitment_beyond_the_balance_is_refused_and_writes_nothing(fund, admin):
    with pytest.raises(Conflict) as refused, transaction.atomic():
        ledger.commit(fund=fund, amount=Money(D("1000.01"), "USD"), actor=admin, reference="r")
    assert refused.value.error_code == "insufficient_funds"
    assert "USD\N{NO-BREAK SPACE}1,000 available" in refused.value.detail
    assert fund.entries.count() == 1 and figures(fund)[1] == 0


def test_the_database_refuses_a_balance_below_zero_whatever_the_service_does(fund):
    with pytest.raises(IntegrityError), transaction.atomic():
        Fund.objects.filter(pk=fund.pk).update(committed=D("1000.01"))


def test_an_amount_in_a_currency_without_a_rate_or_not_above_zero_is_refused(fund, admin):
    wrong = [
        # CHF: a currency the demo tenant has no exchange rate for
        (Money(D("10"), "CHF"), "currency", "No exchange rate from CHF to USD is set"),
        (Money(D(0), "USD"), "amount", "above zero"),
    ]
    for amount, field, words in wrong:
        with pytest.raises(Invalid) as refused, transaction.atomic():
            ledger.commit(fund=fund, amount=amount, actor=admin, reference="r")
        assert words in refused.value.message_dict[field][0]
    assert fund.entries.count() == 1


def test_an_amount_in_another_currency_with_a_rate_moves_the_fund_converted(fund, admin):
    from django.utils import timezone

    from incentives.rates import rate_set

    rate_set(actor=admin, currency="CHF", rate=D("1.1"), effective_from=timezone.localdate())
    with transaction.atomic():
        entry = ledger.commit(fund=fund, amount=Money(D("10"), "CHF"), actor=admin, reference="r")
    assert (entry.currency, entry.committed) == ("USD", D("11.00"))


def test_a_correction_is_a_reversing_entry_once(fund, admin):
    with transaction.atomic():
        entry = ledger.commit(fund=fund, amount=Money(D("200"), "USD"), actor=admin, reference="r")
        reversal = ledger.reverse(entry=entry, actor=admin, memo="Approved twice by mistake")
    assert (reversal.kind, reversal.committed, reversal.reverses) == ("reverse", D("-200"), entry)
    assert figures(fund)[1] == 0
    with pytest.raises(Conflict), transaction.atomic():
        ledger.reverse(entry=entry, actor=admin, memo="Again")
    with pytest.raises(Invalid), transaction.atomic():
        ledger.reverse(entry=fund.entries.first(), actor=admin, memo=" ")


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE incentives_ledgerentry SET committed = committed + 1",
        "DELETE FROM incentives_ledgerentry",
        "TRUNCATE incentives_ledgerentry CASCADE",
    ],
)
def test_the_database_refuses_to_change_or_remove_ledger_entries(fund, statement):
    with (
        pytest.raises(IntegrityError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        # The test's own inserts leave deferred foreign-key checks that TRUNCATE waits for.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(statement)
    assert LedgerEntry.objects.filter(fund=fund).count() == 1


# --- real concurrency -------------------------------------------------------------------


def _remove_race_rows() -> None:
    """The test's own committed rows, with the append-only trigger off for this transaction
    only (a superuser's maintenance; the application never can)."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        programs = MdfProgram.objects.filter(name="Race program")
        LedgerEntry.objects.filter(fund__program__in=programs).delete()
        Fund.objects.filter(program__in=programs).delete()
        programs.delete()


@pytest.fixture
def committed(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), schema_context("acme"):
        _remove_race_rows()
        yield
        _remove_race_rows()


@pytest.mark.worker
def test_twenty_approvals_at_once_never_overdraw_the_fund(committed):
    fund = make_fund(Partner.objects.order_by("pk").first(), name="Race program")
    admin_id = User.objects.get(email="admin@acme.example").pk

    @transaction.atomic
    def approve(i: int) -> LedgerEntry:
        return ledger.commit(
            fund=Fund.objects.get(pk=fund.pk),
            amount=Money(D("150.00"), "USD"),
            actor=User.objects.get(pk=admin_id),
            reference=f"mdf_request:race-{i}",
        )

    results = race(20, approve)
    won = [r for r in results if isinstance(r, LedgerEntry)]
    refused = [r for r in results if isinstance(r, Conflict)]
    assert len(won) == 6 and len(refused) == 14, results  # 6 x 150 <= 1,000 < 7 x 150
    assert {r.error_code for r in refused} == {"insufficient_funds"}
    fund.refresh_from_db()
    assert (fund.committed, fund.available) == (D("900.00"), D("100.00"))
    assert ledger.ledger_totals(fund) == {
        "allocated": D("1000.00"),
        "committed": D("900.00"),
        "payable": D("0.00"),
        "paid": D("0.00"),
    }
