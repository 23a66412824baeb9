"""The deals app's workflow subjects (declared from ``DealsConfig.ready``): the
reservation, with its events, the fields conditions read, and its partner (so "the channel
manager" and the partner's admins work for reservation workflows through ``partner_of``).
The extension approval's decision joins it with ``reservation_extend``."""

from __future__ import annotations

from deals import scope
from deals.events import RESERVATION_EVENTS
from deals.models import Reservation
from workflows.subjects import Field, Subject, subject_declare

RESERVATION_EVENT_LABELS = {
    "reservation.created": "Account reserved",
    "reservation.released": "Reservation released",
    "reservation.expiring": "Reservation expiring",
    "reservation.expired": "Reservation expired",
    "reservation.extension_requested": "Reservation extension requested",
}

RESERVATION = Subject(
    name="reservation",
    model=Reservation,
    label="reservation",
    events=RESERVATION_EVENTS,
    event_labels=RESERVATION_EVENT_LABELS,
    fields=[
        Field("account.name", "str", "Customer account"),
        Field("account.country.code", "str", "Customer's country code"),
        Field("account.vendor_owned", "bool", "Customer is vendor-owned"),
        Field("status", "str", "Reservation status"),
        Field("extensions", "int", "Extensions granted"),
        Field("partner.display_name", "str", "Partner"),
    ],
    partner_of=lambda reservation: reservation.partner,
    threshold_events=frozenset({"reservation.expiring"}),
    visible_to=scope.reservations_visible_to,
    history=lambda: Reservation.history,
    select_related=("account", "partner"),
)


def declare() -> None:
    subject_declare(RESERVATION)
