"""Small reads of the partner-side pages beside deals.selectors: whether an extension of
a reservation has been asked for (the ``reservation.extension_requested`` event of the
reservation's next extension, the same key the service refuses a second request on)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from deals.models import Reservation
from prm.outbox.models import Event


def extensions_asked(reservations: Iterable[Reservation]) -> dict[int, datetime]:
    """For each reservation whose next extension has been asked for: when it was asked."""
    keys = {r.extension_request_key: r.pk for r in reservations}
    if not keys:
        return {}
    rows = Event.objects.filter(
        type="reservation.extension_requested", dedupe_key__in=list(keys)
    ).values_list("dedupe_key", "created_at")
    return {keys[key]: created for key, created in rows if key}


__all__ = ["extensions_asked"]
