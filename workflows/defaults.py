"""What a new tenant starts with: editable default workflows, and the sweep that turns
certification expiry dates into ``certification.expiring`` events."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.db import transaction

from partners.models import Certification
from prm.users.models import User
from workflows.events import event_emit
from workflows.models import Event, Workflow
from workflows.services import workflow_save

REMINDER_DAYS = (60, 30, 7)

DEFAULTS: list[dict[str, Any]] = [
    {
        "name": "Partner onboarding",
        "description": "Welcome a newly enrolled partner, alert its channel manager and remind "
        "them three days later to hold the introduction call.",
        "trigger": "partner.enrolled",
        "definition": {
            "actions": [
                {
                    "type": "notify",
                    "to": "partner_admins",
                    "title": "Welcome to the program, {partner}",
                    "body": "Complete your profile and accept the program agreement to start.",
                },
                {
                    "type": "notify",
                    "to": "channel_manager",
                    "title": "New partner: {partner}",
                    "body": "Plan the introduction call.",
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
        "name": "Certification renewal reminders",
        "description": "Remind the partner's admins 60, 30 and 7 days before a certification "
        "expires, in the portal and by e-mail.",
        "trigger": "certification.expiring",
        "definition": {
            "actions": [
                {
                    "type": "notify",
                    "to": "partner_admins",
                    "email": True,
                    "title": "{certification} of {holder} expires in {days} days",
                    "body": "Renew it to keep {partner}'s tier requirements.",
                },
            ]
        },
    },
    {
        "name": "Certification about to lapse",
        "description": "Tell the channel manager a week before a certification lapses.",
        "trigger": "certification.expiring",
        "definition": {
            "conditions": {"all": [{"field": "status", "op": "=", "value": "active"}]},
            "actions": [
                {
                    "type": "notify",
                    "to": "channel_manager",
                    "title": "{partner}: {certification} of {holder} lapses soon ({days} days)",
                },
            ],
        },
    },
]


@transaction.atomic
def defaults_install(*, actor: User) -> int:
    """Create the default workflows that the tenant does not have yet (enabled, editable)."""
    created = 0
    for spec in DEFAULTS:
        if Workflow.objects.filter(name=spec["name"]).exists():
            continue
        workflow_save(actor=actor, enabled=True, **spec)
        created += 1
    return created


def certifications_expiring(today: date | None = None) -> int:
    """Emit ``certification.expiring`` once per certification and threshold (60/30/7 days);
    run daily by beat. A missed day is caught up: the window is "at most N days left"."""
    today = today or date.today()
    emitted = 0
    for days in REMINDER_DAYS:
        due = Certification.objects.filter(
            expires_on__gte=today, expires_on__lte=today + timedelta(days=days)
        ).select_related("partner")
        for cert in due.iterator():
            assert cert.expires_on is not None  # filtered above
            left = (cert.expires_on - today).days
            if any(left <= d < days for d in REMINDER_DAYS if d < days):
                continue  # a tighter threshold applies
            key = {"certification": cert.pk, "days": days}
            if Event.objects.filter(type="certification.expiring", payload__contains=key).exists():
                continue
            with transaction.atomic():
                event_emit(
                    event_type="certification.expiring",
                    obj=cert.partner,
                    payload={
                        **key,
                        "left": left,
                        "certification_name": cert.name,
                        "holder": cert.holder_name,
                    },
                )
            emitted += 1
    return emitted
