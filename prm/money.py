"""Money: a ``Decimal`` amount with an ISO 4217 currency, never a float (py-moneyed's
``Money`` refuses to add amounts of different currencies). Models keep the two as an
``amount_field()`` and a ``currency_field()``; services add them up with ``total``."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

import moneyed
from django.core.exceptions import ValidationError
from django.db import models
from moneyed import Money

__all__ = ["Money", "amount_field", "currency_field", "is_currency", "total"]

MAX_DIGITS = 14  # up to 999,999,999,999.99
DECIMAL_PLACES = 2


def is_currency(code: str) -> bool:
    return bool(code) and code == code.upper() and code in moneyed.CURRENCIES


def validate_currency(code: str) -> None:
    if not is_currency(code):
        raise ValidationError(
            f"{code!r} is not a currency code: use three capital letters such as USD or EUR."
        )


def currency_field(**kwargs) -> models.CharField:
    kwargs.setdefault("max_length", 3)
    kwargs.setdefault("validators", [validate_currency])
    return models.CharField(**kwargs)


def amount_field(verbose_name: str | None = None, **kwargs) -> models.DecimalField:
    kwargs.update(max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES)
    return models.DecimalField(verbose_name, **kwargs)


def total(amounts: Iterable[Money], currency: str) -> Money:
    """The sum of ``amounts`` in ``currency`` (zero for none); a ``TypeError`` if one of
    them is in another currency."""
    result = Money(Decimal(0), currency)
    for amount in amounts:
        result = result + amount
    return result
