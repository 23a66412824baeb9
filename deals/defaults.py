"""The deal subject's default workflows (issue 13 point 8), which every tenant gets and its
admins may change: clean small deals of Gold and Platinum partners are approved at once;
the others go to the territory's channel manager within the policy's SLA (escalated to the
manager of the partner's territory when overdue); large ones need that manager too; the
partner is told every decision with its reason."""

from __future__ import annotations

from typing import Any

TOP_TIERS = ["Gold", "Platinum"]
CLEAN_TOP_TIER = [
    {"field": "conflict_count", "op": "=", "value": 0},
    {"field": "partner.tier.name", "op": "in", "value": TOP_TIERS},
    {"field": "below_auto_approval", "op": "=", "value": True},
]
ASK_CHANNEL_MANAGER = [
    {"type": "request_approval", "from": "channel_manager", "note": "Approve {deal}?"},
    {"type": "escalate", "after_hours": 48, "to": "unit_manager"},
]


def _tell(event: str, title: str, body: str) -> dict[str, Any]:
    return {
        "name": f"Tell the partner: {title.split(':')[0].lower()}",
        "description": "Tell the deal's submitter, in the portal and by e-mail.",
        "trigger": event,
        "definition": {
            "actions": [
                {"type": "notify", "to": "submitter", "title": title, "body": body, "email": True}
            ]
        },
    }


DEAL_DEFAULTS: list[dict[str, Any]] = [
    {
        "name": "Approve clean deals of Gold and Platinum partners",
        "description": "A conflict-free registration under the policy's automatic-approval "
        "amount from a Gold or Platinum partner is approved at once.",
        "trigger": "deal.submitted",
        "definition": {
            "conditions": {"all": CLEAN_TOP_TIER},
            "actions": [{"type": "approve", "reason": "a clean registration of a {tier} partner"}],
        },
    },
    {
        "name": "Channel manager approves deals",
        "description": "Every other registration up to the policy's second-approval amount "
        "goes to the partner's channel manager (escalated to the territory's manager after "
        "48 hours).",
        "trigger": "deal.submitted",
        "definition": {
            "conditions": {
                "all": [
                    {"field": "above_second_approval", "op": "=", "value": False},
                    {
                        "any": [
                            {"field": "conflict_count", "op": ">", "value": 0},
                            {
                                "field": "partner.tier.name",
                                "op": "in",
                                "value": ["Registered", "Silver"],
                            },
                            {"field": "partner.tier.name", "op": "is empty"},
                            {"field": "below_auto_approval", "op": "=", "value": False},
                        ]
                    },
                ]
            },
            "actions": [*ASK_CHANNEL_MANAGER, {"type": "approve", "reason": "approved"}],
        },
    },
    {
        "name": "Large deals: channel manager, then the territory's manager",
        "description": "A registration above the policy's second-approval amount needs both.",
        "trigger": "deal.submitted",
        "definition": {
            "conditions": {"all": [{"field": "above_second_approval", "op": "=", "value": True}]},
            "actions": [
                *ASK_CHANNEL_MANAGER,
                {"type": "request_approval", "from": "unit_manager", "note": "Approve {deal}?"},
                {
                    "type": "approve",
                    "reason": "approved by the channel manager and the territory's manager",
                },
            ],
        },
    },
    {
        "name": "Deal extensions",
        "description": "Ask the partner's channel manager to approve a partner's request for "
        "a longer protection; approved, it is extended by the policy's extension days.",
        "trigger": "deal.extension_requested",
        "definition": {
            "actions": [
                {
                    "type": "request_approval",
                    "from": "channel_manager",
                    "note": "Extend the protection of {deal}?",
                },
                {"type": "approve", "reason": "extension approved"},
            ]
        },
    },
    {
        "name": "Deal disputes",
        "description": "The manager of the channel manager's unit decides a partner's dispute "
        "of a rejection: approving overturns the rejection, rejecting upholds it.",
        "trigger": "deal.disputed",
        "definition": {
            "actions": [
                {
                    "type": "request_approval",
                    "from": "dispute_deciders",
                    "note": "Dispute of {deal}: overturn the rejection?",
                },
                {"type": "approve", "reason": "the dispute is upheld by the unit manager"},
            ]
        },
    },
    _tell(
        "deal.dispute_decided",
        "Dispute decided: {deal}",
        "Your dispute of the rejection of {customer} was decided: {outcome}. {reason}",
    ),
    _tell(
        "deal.extended",
        "Protection extended: {deal}",
        "Your registration of {customer} is now protected until {protected_until}.",
    ),
    _tell(
        "deal.approved",
        "Approved: {deal}",
        "Your registration of {customer} is approved and protected until {protected_until}. "
        "{reason}",
    ),
    _tell(
        "deal.rejected",
        "Rejected: {deal}",
        "Your registration of {customer} was rejected: {reason}",
    ),
    _tell(
        "deal.info_requested",
        "Information requested: {deal}",
        "Your channel manager asks: {question} Answer on the deal's page to submit it again.",
    ),
    _tell(
        "deal.queued",
        "Queued: {deal}",
        "An earlier registration of {customer} is protected until {protected_until}; yours "
        "waits behind it and is decided when that one ends.",
    ),
    _tell(
        "deal.expiring",
        "Protection ends in {days} days: {deal}",
        "Mark it won or lost, or ask for an extension on the deal's page.",
    ),
]
