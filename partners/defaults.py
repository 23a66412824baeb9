"""The default workflows a new tenant starts with, on the partners app's subjects (editable
by its vendor admins; workflows.services.defaults_install creates them)."""

from __future__ import annotations

from typing import Any

from partners.models import PROFILE_STALE_DAYS

REMINDER_DAYS = (60, 30, 7)
ACTIVE = {"field": "status", "op": "=", "value": "active"}

PARTNER_DEFAULTS: list[dict[str, Any]] = [
    {
        "name": "Partner onboarding",
        "description": "Alert a newly enrolled partner's channel manager, welcome its admins "
        "(those invited are welcomed when they join), and remind the channel manager three "
        "days later to hold the introduction call.",
        "trigger": "partner.enrolled",
        "definition": {
            "actions": [
                {
                    "type": "notify",
                    "to": "channel_manager",
                    "title": "New partner: {partner}",
                    "body": "Plan the introduction call.",
                },
                {
                    "type": "notify",
                    "to": "partner_admins",
                    "title": "Welcome to the program, {partner}",
                    "body": "Complete your profile and accept the program agreement to start.",
                },
                {"type": "wait", "hours": 72},
                {
                    "type": "notify",
                    "to": "channel_manager",
                    "title": "Introduction call with {partner} due",
                },
            ]
        },
    },
    {
        "name": "Welcome new partner users",
        "description": "Welcome whoever joins a partner's team, with the partner's tier and the "
        "discount that comes with it.",
        "trigger": "partner.user_joined",
        "definition": {
            "actions": [
                {
                    "type": "notify",
                    "to": "actor",
                    "title": "Welcome to the program, {partner}",
                    "body": "Tier: {tier}, with a {discount}% discount. Complete the profile, "
                    "accept the program agreement and register your first deal.",
                },
                {
                    "type": "notify",
                    "to": "channel_manager",
                    "title": "{partner}: a new colleague joined",
                },
            ]
        },
    },
    {
        "name": "Certification renewal reminders",
        "description": "Remind the partner's admins 60, 30 and 7 days before a certification "
        "expires, in the portal and by e-mail.",
        "trigger": "certification.expiring",
        "definition": {
            "days_before": list(REMINDER_DAYS),
            "actions": [
                {
                    "type": "notify",
                    "to": "partner_admins",
                    "email": True,
                    "title": "{certification} of {holder} expires in {days} days",
                    "body": "Renew it to keep {partner}'s tier requirements.",
                },
            ],
        },
    },
    {
        "name": "Certification about to lapse",
        "description": "Tell the channel manager a week before a certification lapses.",
        "trigger": "certification.expiring",
        "definition": {
            "days_before": [7],
            "conditions": {"all": [ACTIVE]},
            "actions": [
                {
                    "type": "notify",
                    "to": "channel_manager",
                    "title": "{partner}: {certification} of {holder} lapses soon ({days} days)",
                },
            ],
        },
    },
    {
        "name": "Stale profile reminder",
        "description": "Once a week, ask the admins of an active partner whose profile has not "
        f"been reviewed for {PROFILE_STALE_DAYS} days to review it.",
        "trigger": "schedule",
        "definition": {
            "schedule": {"every": "week"},
            "conditions": {
                "all": [
                    ACTIVE,
                    {"field": "days_since_review", "op": ">", "value": PROFILE_STALE_DAYS},
                ]
            },
            "actions": [
                {
                    "type": "notify",
                    "to": "partner_admins",
                    "email": True,
                    "title": "Please review {partner}'s profile",
                    "body": "Confirm your locations, skills and certifications: partners with "
                    "stale profiles stop receiving distributed leads.",
                }
            ],
        },
    },
    {
        "name": "Reach out to your partner",
        "description": "Once a week, remind the channel manager of an active partner with no "
        "recorded contact in 60 days.",
        "trigger": "schedule",
        "definition": {
            "schedule": {"every": "week"},
            "conditions": {"all": [ACTIVE, {"not_happened": "partner.contacted", "days": 60}]},
            "actions": [
                {
                    "type": "notify",
                    "to": "channel_manager",
                    "title": "Reach out to {partner}",
                    "body": "No contact recorded in 60 days. Log it on the partner's page.",
                }
            ],
        },
    },
    {
        "name": "Quarterly tier review",
        "description": "At the start of each quarter, propose to the channel manager the tier "
        "each active partner qualifies for; on approval the tier changes and the partner is "
        "told.",
        "trigger": "schedule",
        "definition": {
            "schedule": {"every": "quarter"},
            "conditions": {
                "all": [
                    ACTIVE,
                    {"field": "tier_review", "op": "in", "value": ["upgrade", "downgrade"]},
                ]
            },
            "actions": [
                {
                    "type": "request_approval",
                    "from": "channel_manager",
                    "note": "Tier review: {partner} from {tier} to {qualified_tier}",
                },
                {"type": "escalate", "after_hours": 168, "to": "unit_manager"},
                {"type": "set_field", "field": "tier.name", "value": "{qualified_tier}"},
                {
                    "type": "notify",
                    "to": "partner_admins",
                    "email": True,
                    "title": "{partner} is now {tier}",
                    "body": "The quarterly tier review changed your tier.",
                },
            ],
        },
    },
    {
        "name": "Applications from enrolled companies",
        "description": "Turn down at once an application whose e-mail domain belongs to a "
        "partner already in the program.",
        "trigger": "application.submitted",
        "definition": {
            "conditions": {"all": [{"field": "domain_enrolled", "op": "=", "value": True}]},
            "actions": [
                {
                    "type": "reject",
                    "reason": "{application} is already in the program: ask its partner "
                    "admin for an invitation.",
                }
            ],
        },
    },
]
