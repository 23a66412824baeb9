"""The deals app's workflow subjects (declared from ``DealsConfig.ready``): the
reservation and the deal, each with its events, the fields conditions read, and its
partner (so "the channel manager" and the partner's admins work for their workflows through
``partner_of``). The reservation's decision is its extension; the deal's, its registration
or (once approved) an extension of its protection."""

from __future__ import annotations

from django.utils.formats import date_format
from django.utils.timezone import localtime

from deals import scope, services
from deals.defaults import DEAL_DEFAULTS
from deals.events import DEAL_EVENTS, RESERVATION_EVENTS
from deals.models import ConflictCode, Deal, DealPolicy, Reservation
from deals.selectors import deciders_of_disputes
from deals.services import decisions
from deals.vendor_deals import deal_url
from prm.portal.templatetags.portal import money
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


DEAL_EVENT_LABELS = {
    "deal.submitted": "Deal submitted",
    "deal.queued": "Deal queued behind an earlier registration",
    "deal.approved": "Deal approved",
    "deal.rejected": "Deal rejected",
    "deal.info_requested": "Information requested on a deal",
    "deal.withdrawn": "Deal withdrawn",
    "deal.won": "Deal won",
    "deal.lost": "Deal lost",
    "deal.reopened": "Deal reopened",
    "deal.expiring": "Deal protection expiring",
    "deal.expired": "Deal protection expired",
    "deal.extension_requested": "Deal extension requested",
    "deal.extended": "Deal protection extended",
    "deal.disputed": "Deal rejection disputed",
    "deal.dispute_decided": "Deal dispute decided",
}


def _when(moment) -> str:
    return date_format(localtime(moment)) if moment else ""


def _deal_summary(deal: Deal) -> list[str]:
    """The approvals inbox's facts of a deal: its conflicts, their highest score and reasons."""
    if not deal.conflict_count:
        return ["No conflict found when it was submitted."]
    plural = "s" if deal.conflict_count != 1 else ""
    labels = [ConflictCode(c).label for c in deal.conflict_codes if c in ConflictCode.values]
    facts = [f"{deal.conflict_count} conflict{plural}, highest score {deal.conflict_score:.2f}"]
    return [*facts, "; ".join(str(x) for x in labels)] if labels else facts


DEAL = Subject(
    name="deal",
    model=Deal,
    label="deal",
    events=DEAL_EVENTS,
    event_labels=DEAL_EVENT_LABELS,
    fields=[
        Field("amount", "int", "Amount", read=lambda d: float(d.amount)),
        Field("currency", "str", "Currency"),
        Field("status", "str", "Deal status"),
        Field("account.name", "str", "Customer"),
        Field("account.country.code", "str", "Customer's country code"),
        Field("partner.display_name", "str", "Partner"),
        Field("partner.tier.name", "str", "Partner's tier"),
        Field("partner.tier.rank", "int", "Partner's tier rank"),
        Field(
            "product_lines",
            "list",
            "Product lines",
            read=lambda d: sorted({x.product.line.name for x in d.lines.all()}),
        ),
        Field("conflict_count", "int", "Number of conflicts"),
        Field("conflict_score", "int", "Highest conflict score (0-1)"),
        Field("conflict_codes", "list", "Conflict reason codes"),
        Field(
            "below_auto_approval",
            "bool",
            "Amount below the policy's automatic-approval amount",
            read=lambda d: d.amount < DealPolicy.current().auto_approve_below,
        ),
        Field(
            "above_second_approval",
            "bool",
            "Amount above the policy's second-approval amount",
            read=lambda d: d.amount > DealPolicy.current().second_approval_above,
        ),
        Field("extensions", "int", "Extensions granted"),
    ],
    decide=Decide(approve=decisions.decide_approve, reject=decisions.decide_reject),
    placeholders={
        "customer": lambda deal, payload: deal.account.name,
        "amount": lambda deal, payload: money(deal.amount, deal.currency),
        "protected_until": lambda deal, payload: _when(deal.protected_until),
        "reason": lambda deal, payload: payload.get("reason", ""),
        "question": lambda deal, payload: payload.get("question", ""),
        "days": lambda deal, payload: payload.get("days", ""),
        "outcome": lambda deal, payload: {
            "upheld": "the rejection stands",
            "overturned": "the rejection is overturned and your registration approved",
        }.get(payload.get("outcome", ""), ""),
    },
    recipients={"submitter": lambda deal: [deal.submitter]},
    approvers={"dispute_deciders": deciders_of_disputes},
    labels={
        "submitter": "the deal's submitter",
        "dispute_deciders": "the manager of the channel manager's unit",
    },
    partner_of=lambda deal: deal.partner,
    threshold_events=frozenset({"deal.expiring"}),
    visible_to=scope.deals_visible_to,
    history=lambda: Deal.history,
    select_related=("account", "partner__tier", "submitter"),
    defaults=DEAL_DEFAULTS,
    summary=_deal_summary,
    url=lambda pk: deal_url(int(pk)),
)


def declare() -> None:
    subject_declare(RESERVATION)
    subject_declare(DEAL)
