"""The deals app's workflow subjects (declared from ``DealsConfig.ready``): the
reservation, with its events, the fields conditions read, and its partner (so "the channel
manager" and the partner's admins work for reservation workflows through ``partner_of``).
The extension approval's decision joins it with ``reservation_extend``."""

from __future__ import annotations

from deals import scope, services
from deals.events import RESERVATION_EVENTS
from deals.models import Reservation
from workflows.subjects import Decide, Field, Subject, subject_declare

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
    # An approved extension request extends the reservation; a refused one changes nothing.
    decide=Decide(
        approve=lambda reservation, actor, reason: services._reservation_extend(
            actor=actor, reservation=reservation, reason=reason
        ),
        reject=lambda reservation, actor, reason: services._reservation_extension_refuse(
            actor=actor, reservation=reservation, reason=reason
        ),
    ),
    partner_of=lambda reservation: reservation.partner,
    threshold_events=frozenset({"reservation.expiring"}),
    visible_to=scope.reservations_visible_to,
    history=lambda: Reservation.history,
    select_related=("account", "partner"),
    defaults=[
        {
            "name": "Reservation extensions",
            "description": "Ask the partner's channel manager to approve a partner's request "
            "for more time on a reserved account; approved, the reservation is extended by "
            "the policy's extension days.",
            "trigger": "reservation.extension_requested",
            "definition": {
                "actions": [
                    {
                        "type": "request_approval",
                        "from": "channel_manager",
                        "note": "Extend {reservation}?",
                    },
                    {"type": "approve", "reason": "extension approved"},
                ]
            },
        }
    ],
)


def declare() -> None:
    subject_declare(RESERVATION)
