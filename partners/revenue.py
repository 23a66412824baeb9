"""A partner's trailing-12-month won revenue, which the tier review judges (issue 13 point
10). Partners know no deals: the deals app provides the figure (``revenue_provide``, from
``DealsConfig.ready``); without it every partner has won nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

_provider: Callable[[Any, date], Decimal] | None = None


def revenue_provide(provider: Callable[[Any, date], Decimal]) -> None:
    """``provider(partner, today)``: the partner's won revenue of the 12 months to today,
    in the program's currency."""
    global _provider
    _provider = provider


def trailing_revenue(partner: Any, today: date | None = None) -> Decimal:
    if _provider is None:
        return Decimal(0)
    return _provider(partner, today or date.today())
