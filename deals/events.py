"""The reservation events deals emits through the outbox (prm.outbox.events). The workflow
subject "reservation" declares the same types with the same descriptions."""

from __future__ import annotations

from prm.outbox.events import events_declare

RESERVATION_EVENTS = {
    "reservation.created": "A partner reserved a customer account",
    "reservation.released": "A reservation was released",
    "reservation.expiring": "A reservation expires soon",
    "reservation.expired": "A reservation expired",
    "reservation.extension_requested": "A partner asked to extend a reservation",
}


def declare() -> None:
    events_declare(RESERVATION_EVENTS)
