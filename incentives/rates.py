"""The tenant's exchange rates: setting one (finance and vendor admins), the rate in force
on a day, and the one conversion of an amount into another currency that every MDF caller
uses (fund requests, claims, ledger movements; the ROI figures do the same in SQL,
incentives.figures).

A rate is the value of one unit of a currency in the tenant's currency (rate 1 for the
tenant's own); A -> B converts at rate(A) / rate(B), the result rounded half up to cents.
Without a rate for A or B in force on the day, the amount is refused beside its currency."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import IntegrityError, transaction
from django.db.models import QuerySet

from incentives.figures import figures_refresh
from incentives.models import ExchangeRate
from incentives.models.rates import RATE_DIGITS, RATE_PLACES
from prm.audit import audit_note
from prm.errors import Invalid
from prm.money import Money, is_currency
from prm.permissions import can, require
from prm.tenancy.context import current_tenant
from prm.users.models import User

CENT = Decimal("0.01")
ONE = Decimal(1)
RATE_QUANTUM = Decimal(1).scaleb(-RATE_PLACES)
SET_RATES = "Only finance and vendor admins set exchange rates."


@dataclass(frozen=True)
class Converted:
    """An amount converted: ``money`` in the target currency, the ``rate`` used (units of
    the target currency for one unit of the original, to 8 decimals) and the ``original``."""

    money: Money
    rate: Decimal
    original: Money

    @property
    def changed(self) -> bool:
        """Whether it was in another currency (otherwise ``money`` is ``original``)."""
        return self.money.currency != self.original.currency


def home_currency() -> str:
    """The tenant's own currency: the one every rate is expressed in."""
    return current_tenant().currency


def rates_visible_to(user: User) -> QuerySet[ExchangeRate]:
    """Every rate for vendor staff (they read amounts converted at them); none for partners
    and the inactive."""
    if not user.is_authenticated or not user.is_active or not user.is_vendor_side:
        return ExchangeRate.objects.none()
    if not can(user, "mdf.view"):
        return ExchangeRate.objects.none()
    return ExchangeRate.objects.all()


def rate_on(currency: str, day: dt.date) -> Decimal | None:
    """The value of one unit of ``currency`` in the tenant's currency on ``day``: 1 for the
    tenant's own, the newest rate in force from that day or before, None when none is."""
    if currency == home_currency():
        return ONE
    return (
        ExchangeRate.objects.filter(currency=currency, effective_from__lte=day)
        .order_by("-effective_from")
        .values_list("rate", flat=True)
        .first()
    )


def rates_in_force(day: dt.date) -> dict[str, ExchangeRate]:
    """Per currency, the rate in force on ``day`` (one query)."""
    rows = (
        ExchangeRate.objects.filter(effective_from__lte=day)
        .select_related("set_by")
        .order_by("currency", "-effective_from")
        .distinct("currency")
    )
    return {row.currency: row for row in rows}


def convertible_currencies(to: str, day: dt.date) -> list[str]:
    """The currencies an amount may be entered in to be converted into ``to`` on ``day``:
    ``to`` first, then those with a rate in force (and the tenant's own), when ``to`` has
    one itself."""
    in_force = rates_on(day)
    if to not in in_force:
        return [to]
    return [to, *sorted(set(in_force) - {to})]


def entered(amount: Decimal, currency: str) -> Money:
    """An amount as someone entered it with its currency code (``Invalid`` on ``currency``
    for a code that is not a currency)."""
    if not is_currency(currency):
        raise Invalid({"currency": ["Choose a currency such as USD or EUR."]})
    return Money(amount, currency)


def rates_on(day: dt.date) -> dict[str, Decimal]:
    """Every rate in force on ``day`` by currency, the tenant's own at 1 (one query): for
    callers converting many amounts (``convert(..., rates=...)``)."""
    rows = (
        ExchangeRate.objects.filter(effective_from__lte=day)
        .order_by("currency", "-effective_from")
        .distinct("currency")
        .values_list("currency", "rate")
    )
    return {**dict(rows), home_currency(): ONE}


def convert(
    amount: Money, to: str, *, on: dt.date, rates: dict[str, Decimal] | None = None
) -> Converted:
    """``amount`` in currency ``to`` at the rates in force ``on`` that day: rate(A) / rate(B),
    rounded half up to cents. ``Invalid`` (field ``currency``) when a rate is missing.
    ``rates``: those of ``rates_on(on)``, read once by a caller converting many amounts."""
    source = amount.currency.code
    if source == to:
        return Converted(money=amount, rate=ONE, original=amount)
    if rates is None:
        rate_from, rate_to = rate_on(source, on), rate_on(to, on)
    else:
        rate_from, rate_to = rates.get(source), rates.get(to)
    if rate_from is None or rate_to is None:
        raise Invalid(
            {
                "currency": [
                    f"No exchange rate from {source} to {to} is set: enter the amount in "
                    f"{to}, or ask finance to add the rate."
                ]
            }
        )
    value = (amount.amount * rate_from / rate_to).quantize(CENT, rounding=ROUND_HALF_UP)
    rate = (rate_from / rate_to).quantize(RATE_QUANTUM, rounding=ROUND_HALF_UP)
    return Converted(money=Money(value, to), rate=rate, original=amount)


def _rate_problems(currency: str, rate: Decimal | None, effective_from: dt.date | None) -> None:
    problems: dict[str, list[str]] = {}
    home = home_currency()
    if not is_currency(currency):
        problems["currency"] = ["Choose a currency from the list, such as EUR or GBP."]
    elif currency == home:
        problems["currency"] = [
            f"Amounts in {home} need no rate: it is your own currency. Choose another one."
        ]
    if rate is None or not rate.is_finite():
        problems["rate"] = ["Enter the rate, such as 1.0850."]
    elif rate <= 0:
        problems["rate"] = ["Enter a rate above zero."]
    elif rate != rate.quantize(RATE_QUANTUM) or rate.adjusted() >= RATE_DIGITS - RATE_PLACES:
        problems["rate"] = [f"Enter a rate with at most {RATE_PLACES} decimals."]
    if effective_from is None:
        problems["effective_from"] = ["Enter the day the rate is in force from."]
    if problems:
        raise Invalid(problems)


def _taken(currency: str, day: dt.date) -> Invalid:
    return Invalid(
        {
            "effective_from": [
                f"A rate for {currency} from {day:%d %b %Y} is already set: a rate is never "
                "changed; set the new one from another day."
            ]
        }
    )


def _rate_set(
    *, actor: User, currency: str, rate: Decimal | None, effective_from: dt.date | None
) -> ExchangeRate:
    """A new rate for ``currency`` from ``effective_from`` on (kept beside the earlier ones:
    a rate is never edited), audited in its history; every activity's ROI figures are
    recomputed in the same transaction, so deals in that currency count at once. Callers:
    the exchange rates page and API, the demo."""
    require(actor, "mdf.rates", SET_RATES)
    code = (currency or "").strip().upper()
    _rate_problems(code, rate, effective_from)
    assert rate is not None and effective_from is not None  # checked above
    if ExchangeRate.objects.filter(currency=code, effective_from=effective_from).exists():
        raise _taken(code, effective_from)
    row = ExchangeRate(currency=code, rate=rate, effective_from=effective_from, set_by=actor)
    audit_note(row, actor, f"rate set: 1 {code} = {rate} {home_currency()}")
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:  # the same currency and day, set at the same moment
        raise _taken(code, effective_from) from None
    figures_refresh()  # deals in this currency count on the ROI pages from the next load
    return row


rate_set = transaction.atomic(durable=True)(_rate_set)
