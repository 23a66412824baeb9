"""The incentives app's workflow subject (declared from ``IncentivesConfig.ready``): the fund
request, with its events, the fields conditions read, its partner (so "the channel manager"
works through ``partner_of``) and its decision: an approval commits the amount from the
fund, a rejection changes no money."""

from __future__ import annotations

from django.urls import reverse

from incentives import scope
from incentives.events import MDF_REQUEST_EVENTS
from incentives.models import ActivityType, MdfRequest
from incentives.requests import _mdf_request_approve, _mdf_request_reject
from prm.portal.templatetags.portal import money
from workflows.subjects import Decide, Field, Subject, subject_declare

MDF_REQUEST_EVENT_LABELS = {
    "mdf_request.submitted": "Fund request submitted",
    "mdf_request.approved": "Fund request approved",
    "mdf_request.rejected": "Fund request rejected",
    "mdf_request.cancelled": "Fund request cancelled",
}


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
    decide=Decide(
        approve=lambda request, actor, reason: _mdf_request_approve(
            actor=actor, request=request, reason=reason
        ),
        reject=lambda request, actor, reason: _mdf_request_reject(
            actor=actor, request=request, reason=reason
        ),
    ),
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
        }
    ],
)


def declare() -> None:
    subject_declare(MDF_REQUEST)
