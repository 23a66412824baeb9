"""The reservation events deals emits through the outbox (prm.outbox.events), declared
with the workflow subject "reservation" (deals/subjects.py)."""

from __future__ import annotations

RESERVATION_EVENTS = {
    "reservation.created": "A partner reserved a customer account",
    "reservation.released": "A reservation was released",
    "reservation.expiring": "A reservation expires soon",
    "reservation.expired": "A reservation expired",
    "reservation.extension_requested": "A partner asked to extend a reservation",
}
