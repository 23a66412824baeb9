"""The reservation and deal events deals emits through the outbox (prm.outbox.events),
declared with the workflow subjects "reservation" and "deal" (deals/subjects.py)."""

from __future__ import annotations

RESERVATION_EVENTS = {
    "reservation.created": "A partner reserved a customer account",
    "reservation.released": "A reservation was released",
    "reservation.expiring": "A reservation expires soon",
    "reservation.expired": "A reservation expired",
    "reservation.extension_requested": "A partner asked to extend a reservation",
}

DEAL_EVENTS = {
    "deal.submitted": "A partner submitted a deal registration (or it was handed on after "
    "waiting in a queue)",
    "deal.queued": "A registration waits behind an earlier approved one for the same customer",
    "deal.approved": "A deal registration was approved",
    "deal.rejected": "A deal registration was rejected",
    "deal.info_requested": "The vendor asked the partner for more information on a deal",
    "deal.withdrawn": "A partner withdrew a deal registration",
    "deal.won": "A partner won a registered deal",
    "deal.lost": "A partner lost a registered deal",
    "deal.reopened": "Vendor staff reopened a won or lost deal",
    "deal.expiring": "A registration's protection ends soon",
    "deal.expired": "A registration's protection ended",
    "deal.extension_requested": "A partner asked to extend a registration's protection",
    "deal.extended": "A registration's protection was extended",
    "deal.disputed": "A partner disputed the rejection of its registration for a conflict",
    "deal.dispute_decided": "A dispute of a rejection was decided (upheld or overturned)",
}
