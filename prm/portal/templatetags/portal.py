"""Template filters of the portal, built into every template (settings.TEMPLATES' builtins):
relative times and money, each written one way on every page (issue 11, point 20)."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django import template
from django.template.defaultfilters import floatformat
from django.utils import timezone
from django.utils.timesince import timesince

from prm.tenancy.context import current_tenant

register = template.Library()


@register.filter
def ago(value: datetime | None, now: datetime | None = None) -> str:
    """ "just now" under a minute, else "3 minutes ago", "2 days, 4 hours ago"; "never" for
    no time (a user who never signed in)."""
    if value is None:
        return "never"
    now = now or timezone.now()
    if now - value < timedelta(minutes=1):
        return "just now"
    return f"{timesince(value, now)} ago"


@register.filter
def days_ago(days: int | None) -> str:
    """A whole number of days back: "today", "yesterday", "12 days ago"."""
    if days is None:
        return "never"
    if days <= 0:
        return "today"
    if days == 1:
        return "yesterday"
    return f"{days} days ago"


@register.filter
def a_or_an(word: str) -> str:
    """The word with its indefinite article, by its first letter: "an Acme", "a Globex"."""
    word = str(word)
    return f"{'an' if word[:1].lower() in 'aeiou' else 'a'} {word}"


@register.filter
def money(amount: Decimal | int | float | None, currency: str = "") -> str:
    """An amount with its currency code: "USD 1,250,000", "EUR 99.50" (cents only when there
    are any). The currency is the vendor's program currency unless one is given."""
    if amount is None or amount == "":
        return "—"
    code = currency or current_tenant().currency
    return f"{code}\N{NO-BREAK SPACE}{amount_text(amount)}"


CENT = Decimal("0.01")


def amount_text(amount: Decimal | int | float | str) -> str:
    """An amount as ``floatformat(amount, "-2g")`` writes it in English ("1,250,000",
    "99.50", rounded half up), at a tenth of its cost: a page of 100 rows of figures calls
    it a thousand times."""
    try:
        value = amount if isinstance(amount, Decimal) else Decimal(str(amount))
    except ArithmeticError:
        return floatformat(amount, "-2g")
    if not value.is_finite():
        return floatformat(amount, "-2g")
    whole = value == value.to_integral_value()  # decided before rounding, as floatformat does
    value = value.quantize(CENT, ROUND_HALF_UP)
    if not value:
        value = abs(value)  # never "-0"
    return f"{value:,.0f}" if whole else f"{value:,.2f}"
