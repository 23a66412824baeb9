"""Writes of MDF programs and allocations (keyword-only; ``x = atomic(durable=True)(_x)``).
The money moves through incentives.ledger, in the caller's transaction."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from deals.models import Deal, DealStatus
from incentives import ledger, rates
from incentives.models import (
    ZERO,
    ActivityCap,
    ActivityType,
    Fund,
    LedgerEntry,
    MdfProgram,
    PeriodKind,
)
from partners.models import Partner, PartnerStatus
from prm.errors import Conflict, Invalid
from prm.money import MAX_DIGITS, Money, is_currency
from prm.permissions import require
from prm.portal.templatetags.portal import money
from prm.users.models import User

CENT = Decimal("0.01")
MAX_AMOUNT = Decimal(10 ** (MAX_DIGITS - 2)) - CENT


def _program_create(
    *,
    actor: User,
    name: str,
    period_kind: str,
    starts_on: dt.date,
    ends_on: dt.date,
    currency: str,
    budget: Decimal,
    shared_pool: bool = False,
) -> MdfProgram:
    """A program for one period with its budget (and its shared pool's fund, if any)."""
    require(actor, "mdf.configure", "Only vendor admins set up MDF programs.")
    problems: dict[str, list[str]] = {}
    if not (name or "").strip():
        problems["name"] = ["Name the program, e.g. “2027 Q1 MDF”."]
    if period_kind not in PeriodKind.values:
        problems["period_kind"] = ["Choose a quarter or a year."]
    if ends_on <= starts_on:
        problems["ends_on"] = ["The program ends after it starts."]
    if not is_currency(currency):
        problems["currency"] = ["Choose a currency such as USD or EUR."]
    if budget < 0 or budget > MAX_AMOUNT or budget != budget.quantize(CENT):
        problems["budget"] = ["Enter a budget of zero or more, in whole cents."]
    if problems:
        raise Invalid(problems)
    program = MdfProgram.objects.create(
        name=name.strip(),
        period_kind=period_kind,
        starts_on=starts_on,
        ends_on=ends_on,
        currency=currency,
        budget=budget,
        shared_pool=shared_pool,
    )
    if shared_pool:
        Fund.objects.create(program=program, partner=None)
    return program


program_create = transaction.atomic(durable=True)(_program_create)


def _fund_allocate(
    *, actor: User, program: MdfProgram, partner: Partner | None, amount: Money, memo: str = ""
) -> LedgerEntry:
    """Give ``partner`` (None: the shared pool) ``amount`` of the program's budget. The
    program's allocations never exceed its budget: they are decided under the program's
    row lock."""
    require(actor, "mdf.configure", "Only vendor admins allocate MDF.")
    value = ledger.fund_amount(amount, Fund(program=program))  # currency, above zero
    locked = _locked_within_budget(program, value)
    if partner is None and not locked.shared_pool:
        raise Invalid({"partner": ["This program has no shared pool: choose a partner."]})
    fund, _ = Fund.objects.get_or_create(program=locked, partner=partner)
    return ledger.allocate(fund=fund, amount=Money(value, program.currency), actor=actor, memo=memo)


def _locked_within_budget(program: MdfProgram, value: Decimal) -> MdfProgram:
    """The program, locked, once it is sure that ``value`` more still fits its budget
    (``Conflict`` ``budget_exceeded`` otherwise): allocations are decided one at a time."""
    locked = MdfProgram.objects.select_for_update().get(pk=program.pk)
    given = Fund.objects.filter(program=locked).aggregate(total=Sum("allocated"))["total"] or ZERO
    if given + value > locked.budget:
        raise Conflict(
            f"{locked.name} has {money(locked.budget - given, locked.currency)} of its budget "
            f"left to allocate, less than {money(value, locked.currency)}.",
            code="budget_exceeded",
        )
    return locked


fund_allocate = transaction.atomic(durable=True)(_fund_allocate)


# --- allocation by a rule ----------------------------------------------------------------


@dataclass(frozen=True)
class ProposedAllocation:
    partner: Partner
    won: Decimal  # the partner's won revenue of the rule's period, in the program's currency
    amount: Decimal


def allocation_preview(
    *, program: MdfProgram, percent: Decimal, since: dt.date, until: dt.date
) -> list[ProposedAllocation]:
    """What the rule "``percent`` of each active partner's won revenue from ``since`` to
    ``until``" would allocate (cents rounded down), the largest first; nothing is written.
    Revenue in another currency than the program's counts converted at the tenant's rate in
    force today (incentives.rates); in a currency without a rate it is not counted."""
    if not Decimal(0) < percent <= Decimal(100):
        raise Invalid({"percent": ["Enter a percentage above 0 and at most 100."]})
    if until < since:
        raise Invalid({"until": ["The period ends after it starts."]})
    won = (
        Deal.objects.filter(
            status=DealStatus.WON,
            closed_on__gte=since,
            closed_on__lte=until,
            partner__status=PartnerStatus.ACTIVE,
        )
        .values("partner", "currency")
        .annotate(total=Sum("final_amount"))
        .order_by()
    )
    today = timezone.localdate()
    in_force = rates.rates_on(today)  # once, not twice per partner
    totals: dict[int, Decimal] = {}
    for row in won:
        amount = Money(row["total"] or ZERO, row["currency"])
        try:
            value = rates.convert(amount, program.currency, on=today, rates=in_force).money.amount
        except Invalid:  # no rate for the deal's currency: its revenue does not count
            continue
        totals[row["partner"]] = totals.get(row["partner"], ZERO) + value
    partners = Partner.objects.in_bulk(list(totals))
    rows = [
        ProposedAllocation(
            partner=partners[pk],
            won=total,
            amount=(total * percent / 100).quantize(CENT, rounding=ROUND_DOWN),
        )
        for pk, total in totals.items()
    ]
    return sorted(
        (r for r in rows if r.amount > 0), key=lambda r: (-r.amount, r.partner.display_name)
    )


def _allocation_apply(
    *, actor: User, program: MdfProgram, percent: Decimal, since: dt.date, until: dt.date
) -> list[LedgerEntry]:
    """Allocate what ``allocation_preview`` proposes, every row or none (the budget is
    checked for each under the program's lock; one too many refuses them all)."""
    require(actor, "mdf.configure", "Only vendor admins allocate MDF.")
    memo = f"{percent}% of won revenue {since.isoformat()} to {until.isoformat()}"
    rows = allocation_preview(program=program, percent=percent, since=since, until=until)
    # The budget is checked once for all the rows, under the program's lock.
    locked = _locked_within_budget(program, sum((r.amount for r in rows), ZERO))
    entries = []
    for row in rows:
        fund, _ = Fund.objects.get_or_create(program=locked, partner=row.partner)
        entries.append(
            ledger.allocate(
                fund=fund, amount=Money(row.amount, locked.currency), actor=actor, memo=memo
            )
        )
    return entries


allocation_apply = transaction.atomic(durable=True)(_allocation_apply)


def _entry_reverse(*, actor: User, entry: LedgerEntry, memo: str) -> LedgerEntry:
    """Correct a ledger entry by its reversal (admins and finance)."""
    require(actor, "mdf.reverse", "Only vendor admins and finance correct the MDF ledger.")
    return ledger.reverse(entry=entry, actor=actor, memo=memo)


entry_reverse = transaction.atomic(durable=True)(_entry_reverse)


def _activity_caps_set(
    *,
    actor: User,
    program: MdfProgram,
    caps: dict[str, tuple[Decimal | None, Decimal | None]],
) -> list[ActivityCap]:
    """The program's caps by kind of activity: ``{activity_type: (max amount per request,
    max percent of the cost)}``, both None to lift a kind's cap. Requests asked or approved
    later are held to them; those approved already keep their amount."""
    require(actor, "mdf.configure", "Only vendor admins set up MDF programs.")
    problems: dict[str, list[str]] = {}
    for kind, (amount, percent) in caps.items():
        if kind not in ActivityType.values:
            problems["caps"] = [f"{kind!r} is not a kind of activity."]
        elif amount is not None and (amount <= 0 or amount != amount.quantize(CENT)):
            problems[f"{kind}_amount"] = ["Enter an amount above zero, in whole cents."]
        elif percent is not None and not (0 < percent <= 100):
            problems[f"{kind}_percent"] = ["Enter a share between 0 and 100%."]
    if problems:
        raise Invalid(problems)
    ActivityCap.objects.filter(program=program, activity_type__in=list(caps)).delete()
    made = [
        ActivityCap.objects.create(
            program=program, activity_type=kind, max_amount=amount, max_percent=percent
        )
        for kind, (amount, percent) in caps.items()
        if amount is not None or percent is not None
    ]
    return made


activity_caps_set = transaction.atomic(durable=True)(_activity_caps_set)
