"""Every movement of MDF money, in one place: each writes one ledger entry and moves its
fund's totals in the same transaction, under the fund's row lock (incentives.models).
Callers (allocations, request approvals, claims and payouts) run inside their
own transaction; these functions never commit."""

from __future__ import annotations

from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone

from incentives import rates
from incentives.models import ZERO, EntryKind, Fund, LedgerEntry
from prm.errors import Conflict, Invalid
from prm.money import Money
from prm.portal.templatetags.portal import money
from prm.users.models import User

FIGURES = ("allocated", "committed", "payable", "paid")


def fund_amount(amount: Money, fund: Fund, field: str = "amount") -> Decimal:
    """The amount in the fund's currency, positive: an amount in another currency is
    converted at the tenant's rates in force today (incentives.rates; ``Invalid`` on
    ``currency`` when no rate is set)."""
    if amount.currency.code != fund.currency:
        amount = rates.convert(amount, fund.currency, on=timezone.localdate()).money
    if amount.amount <= 0:
        raise Invalid({field: ["Enter an amount above zero."]})
    return amount.amount


def post(
    *,
    fund: Fund,
    kind: str,
    actor: User | None,
    allocated: Decimal = ZERO,
    committed: Decimal = ZERO,
    payable: Decimal = ZERO,
    paid: Decimal = ZERO,
    memo: str = "",
    reference: str = "",
    reverses: LedgerEntry | None = None,
) -> LedgerEntry:
    """Write one entry moving the fund's figures by the signed amounts, and the fund's
    totals with it, under the fund's row lock. ``Conflict`` (``insufficient_funds``) when
    the fund's balance would go below zero: nothing is written."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("Ledger entries are posted inside the transaction of their change.")
    locked = Fund.objects.select_for_update().select_related("program").get(pk=fund.pk)
    balance = locked.available + allocated - committed - payable - paid
    if (
        balance < 0
        or locked.committed + committed < 0
        or locked.payable + payable < 0
        or locked.paid + paid < 0
    ):
        raise Conflict(
            f"{locked} has {money(locked.available, locked.currency)} available: not enough "
            "for this.",
            code="insufficient_funds",
        )
    try:
        with transaction.atomic():  # the CHECK constraints are the last word
            entry = LedgerEntry.objects.create(
                fund=locked,
                kind=kind,
                currency=locked.currency,
                allocated=allocated,
                committed=committed,
                payable=payable,
                paid=paid,
                memo=memo[:300],
                reference=reference,
                reverses=reverses,
                actor=actor,
            )
            Fund.objects.filter(pk=locked.pk).update(
                allocated=F("allocated") + allocated,
                committed=F("committed") + committed,
                payable=F("payable") + payable,
                paid=F("paid") + paid,
            )
    except IntegrityError:
        raise Conflict(f"{locked} has not enough available.", code="insufficient_funds") from None
    fund.refresh_from_db(fields=list(FIGURES))
    return entry


def allocate(*, fund: Fund, amount: Money, actor: User, memo: str = "") -> LedgerEntry:
    return post(
        fund=fund,
        kind=EntryKind.ALLOCATE,
        actor=actor,
        allocated=fund_amount(amount, fund),
        memo=memo,
    )


def commit(*, fund: Fund, amount: Money, actor: User | None, reference: str) -> LedgerEntry:
    """Set money aside for an approved request."""
    return post(
        fund=fund,
        kind=EntryKind.COMMIT,
        actor=actor,
        committed=fund_amount(amount, fund),
        reference=reference,
    )


def release(*, fund: Fund, amount: Money, actor: User | None, reference: str) -> LedgerEntry:
    """Give back what a rejected, cancelled or under-claimed request no longer needs."""
    return post(
        fund=fund,
        kind=EntryKind.RELEASE,
        actor=actor,
        committed=-fund_amount(amount, fund),
        reference=reference,
    )


def claim(*, fund: Fund, amount: Money, actor: User | None, reference: str) -> LedgerEntry:
    """An approved claim: money committed to its request becomes payable (owed)."""
    value = fund_amount(amount, fund)
    return post(
        fund=fund,
        kind=EntryKind.CLAIM,
        actor=actor,
        committed=-value,
        payable=value,
        reference=reference,
    )


def pay(*, fund: Fund, amount: Money, actor: User | None, reference: str) -> LedgerEntry:
    """An approved claim's payout is paid: what was payable is paid."""
    value = fund_amount(amount, fund)
    return post(
        fund=fund,
        kind=EntryKind.PAY,
        actor=actor,
        payable=-value,
        paid=value,
        reference=reference,
    )


def reverse(*, entry: LedgerEntry, actor: User, memo: str) -> LedgerEntry:
    """The correction of an entry: its opposite, naming it (an entry is reversed once)."""
    if entry.kind == EntryKind.REVERSE:
        raise Conflict("A reversal is not reversed: post the movement again.", code="conflict")
    if LedgerEntry.objects.filter(reverses=entry).exists():
        raise Conflict("This entry is already reversed.", code="already_reversed")
    if not memo.strip():
        raise Invalid({"memo": ["Say why the entry is reversed."]})
    try:
        with transaction.atomic():
            return post(
                fund=entry.fund,
                kind=EntryKind.REVERSE,
                actor=actor,
                allocated=-entry.allocated,
                committed=-entry.committed,
                payable=-entry.payable,
                paid=-entry.paid,
                memo=memo,
                reference=entry.reference,
                reverses=entry,
            )
    except IntegrityError:  # reversed at the same moment by someone else
        raise Conflict("This entry is already reversed.", code="already_reversed") from None


def ledger_totals(fund: Fund) -> dict[str, Decimal]:
    """The fund's figures summed from its ledger (what its totals must equal)."""
    sums = LedgerEntry.objects.filter(fund=fund).aggregate(**{name: Sum(name) for name in FIGURES})
    return {name: sums[name] or ZERO for name in FIGURES}
