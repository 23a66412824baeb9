"""The incentives app's workflow subject (declared from ``IncentivesConfig.ready``): the fund
request, with its events, the fields conditions read, its partner (so "the channel manager"
works through ``partner_of``) and its decision: an approval commits the amount from the
fund, a rejection changes no money."""

from __future__ import annotations

from django.urls import reverse

from incentives import scope
from incentives.claims import (
    _claim_approve,
    _claim_extension_decide,
    _claim_reject,
    extension_pending,
)
from incentives.events import MDF_CLAIM_EVENTS, MDF_REQUEST_EVENTS, PAYOUT_EVENTS
from incentives.models import ActivityType, MdfClaim, MdfPolicy, MdfRequest, Payout
from incentives.requests import _mdf_request_approve, _mdf_request_reject
from prm.portal.templatetags.portal import money
from prm.users.models import User
from workflows.subjects import Decide, Field, Subject, subject_declare

MDF_REQUEST_EVENT_LABELS = {
    "mdf_request.submitted": "Fund request submitted",
    "mdf_request.approved": "Fund request approved",
    "mdf_request.rejected": "Fund request rejected",
    "mdf_request.cancelled": "Fund request cancelled",
    "mdf_request.extension_requested": "Later claim deadline asked for",
    "mdf_request.extension_granted": "Later claim deadline granted",
    "mdf_request.extension_refused": "Later claim deadline refused",
}
MDF_CLAIM_EVENT_LABELS = {
    "mdf_claim.submitted": "Claim submitted",
    "mdf_claim.approved": "Claim approved",
    "mdf_claim.rejected": "Claim rejected",
    "mdf_claim.withdrawn": "Claim withdrawn",
}


def _request_approve(request: MdfRequest, actor: User, reason: str) -> MdfRequest:
    """Approve what is pending on the request: a later claim deadline, or the request."""
    if extension_pending(request):
        return _claim_extension_decide(actor=actor, request=request, grant=True, reason=reason)
    return _mdf_request_approve(actor=actor, request=request, reason=reason)


def _request_reject(request: MdfRequest, actor: User, reason: str) -> MdfRequest:
    if extension_pending(request):
        return _claim_extension_decide(actor=actor, request=request, grant=False, reason=reason)
    return _mdf_request_reject(actor=actor, request=request, reason=reason)


def _summary(request: MdfRequest) -> list[str]:
    """The approvals inbox's facts: what is asked, and what the fund has left."""
    fund = request.fund
    return [
        f"{ActivityType(request.activity_type).label}, {request.starts_on:%d %b %Y} to "
        f"{request.ends_on:%d %b %Y}: {money(request.requested_amount, request.currency)} asked",
        f"The fund has {money(fund.available, request.currency)} available "
        f"of {money(fund.allocated, request.currency)} allocated",
    ]


MDF_REQUEST = Subject(
    name="mdfrequest",
    model=MdfRequest,
    label="fund request",
    events=MDF_REQUEST_EVENTS,
    event_labels=MDF_REQUEST_EVENT_LABELS,
    fields=[
        Field("requested_amount", "int", "Amount asked", read=lambda r: float(r.requested_amount)),
        Field("activity_type", "str", "Kind of activity"),
        Field("expected_leads", "int", "Expected leads"),
        Field("partner.tier.name", "str", "Partner's tier"),
        Field("fund.program.name", "str", "MDF program"),
        Field("status", "str", "Fund request status"),
    ],
    decide=Decide(approve=_request_approve, reject=_request_reject),
    partner_of=lambda request: request.partner,
    url=lambda pk: reverse("mdf-request", args=[int(pk)]),
    visible_to=scope.requests_visible_to,
    history=lambda: MdfRequest.history,
    select_related=("partner", "fund__program"),
    summary=_summary,
    defaults=[
        {
            "name": "Fund requests",
            "description": "Ask the partner's channel manager to approve a partner's request "
            "for market development funds; approved, the amount is committed from the "
            "partner's fund and the claim is due the policy's days after the activity.",
            "trigger": "mdf_request.submitted",
            "definition": {
                "actions": [
                    {
                        "type": "request_approval",
                        "from": "channel_manager",
                        "note": "Fund {mdfrequest}?",
                    },
                    {"type": "approve", "reason": "fund request approved"},
                ]
            },
        },
        {
            "name": "Later claim deadlines",
            "description": "Ask the partner's channel manager whether a fund request's claim "
            "may be filed later; granted, the deadline moves on by the policy's days.",
            "trigger": "mdf_request.extension_requested",
            "definition": {
                "actions": [
                    {
                        "type": "request_approval",
                        "from": "channel_manager",
                        "note": "Later claim deadline for {mdfrequest}?",
                    },
                    {"type": "approve", "reason": "later claim deadline granted"},
                ]
            },
        },
    ],
)


def _claim_summary(claim: MdfClaim) -> list[str]:
    """The approvals inbox's facts: what is claimed against what was approved, the proof,
    and what the fund has left."""
    request, fund = claim.request, claim.fund
    return [
        f"{money(claim.amount, claim.currency)} claimed for {request.title} "
        f"({ActivityType(request.activity_type).label.lower()}, ended "
        f"{request.ends_on:%d %b %Y}); {money(request.approved_amount, claim.currency)} "
        "approved for it",
        f"Invoice {claim.invoice_number} of {claim.supplier_tax_id}, "
        f"{money(claim.invoice_total, claim.currency)}; {claim.documents.count()} proof files",
        f"Results: {claim.leads} leads, {claim.attendees} attendees, "
        f"{money(claim.pipeline, claim.currency)} pipeline",
        f"The fund has {money(fund.available, claim.currency)} available "
        f"of {money(fund.allocated, claim.currency)} allocated",
    ]


def _needs_finance(claim: MdfClaim) -> bool:
    return claim.amount > MdfPolicy.current().finance_approval_above


FINANCE_NOTE = "Pay {mdfclaim}? The channel manager approved it."
MDF_CLAIM = Subject(
    name="mdfclaim",
    model=MdfClaim,
    label="claim",
    events=MDF_CLAIM_EVENTS,
    event_labels=MDF_CLAIM_EVENT_LABELS,
    fields=[
        Field("amount", "int", "Amount claimed", read=lambda c: float(c.amount)),
        Field(
            "needs_finance",
            "bool",
            "Amount above the policy's finance approval amount",
            read=_needs_finance,
        ),
        Field("request.activity_type", "str", "Kind of activity"),
        Field("leads", "int", "Leads"),
        Field("partner.display_name", "str", "Partner"),
        Field("partner.tier.name", "str", "Partner's tier"),
        Field("fund.program.name", "str", "MDF program"),
        Field("status", "str", "Claim status"),
    ],
    decide=Decide(
        approve=lambda claim, actor, reason: _claim_approve(
            actor=actor, claim=claim, reason=reason
        ),
        reject=lambda claim, actor, reason: _claim_reject(actor=actor, claim=claim, reason=reason),
    ),
    partner_of=lambda claim: claim.partner,
    visible_to=scope.claims_visible_to,
    history=lambda: MdfClaim.history,
    select_related=("partner", "request", "fund__program"),
    summary=_claim_summary,
    defaults=[
        {
            "name": "Claims",
            "description": "A claim up to the policy's finance approval amount goes to the "
            "partner's channel manager; approved, its amount is payable and a payout waits "
            "for finance.",
            "trigger": "mdf_claim.submitted",
            "definition": {
                "conditions": {"all": [{"field": "needs_finance", "op": "=", "value": False}]},
                "actions": [
                    {
                        "type": "request_approval",
                        "from": "channel_manager",
                        "note": "Pay {mdfclaim}?",
                    },
                    {"type": "approve", "reason": "claim approved"},
                ],
            },
        },
        {
            "name": "Large claims: channel manager, then finance",
            "description": "A claim above the policy's finance approval amount needs the "
            "channel manager and then a finance approver.",
            "trigger": "mdf_claim.submitted",
            "definition": {
                "conditions": {"all": [{"field": "needs_finance", "op": "=", "value": True}]},
                "actions": [
                    {
                        "type": "request_approval",
                        "from": "channel_manager",
                        "note": "Pay {mdfclaim}?",
                    },
                    {
                        "type": "request_approval",
                        "from": "role",
                        "role": "finance_approver",
                        "note": FINANCE_NOTE,
                    },
                    {
                        "type": "approve",
                        "reason": "claim approved by the channel manager and finance",
                    },
                ],
            },
        },
    ],
)


# Payouts decide nothing through workflows; their events start notifications and webhooks
# ("tell the partner when it is paid").
PAYOUT = Subject(
    name="payout",
    model=Payout,
    label="payout",
    events=PAYOUT_EVENTS,
    event_labels={
        "payout.created": "Payout created",
        "payout.approved": "Payout approved for payment",
        "payout.exported": "Payout sent to accounts payable",
        "payout.paid": "Payout paid",
        "payout.failed": "Payment failed",
        "payout.reversed": "Paid payout reversed",
    },
    fields=[
        Field("amount", "int", "Amount", read=lambda p: float(p.amount)),
        Field("status", "str", "Payout status"),
        Field("partner.tier.name", "str", "Partner's tier"),
    ],
    partner_of=lambda payout: payout.partner,
    visible_to=scope.payouts_visible_to,
    history=lambda: Payout.history,
    select_related=("partner", "fund__program"),
)


def declare() -> None:
    subject_declare(MDF_REQUEST)
    subject_declare(MDF_CLAIM)
    subject_declare(PAYOUT)
