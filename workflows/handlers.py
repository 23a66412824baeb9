"""Built-in reactions to events: the program's standard notifications. The rule-based
workflow engine (definitions, conditions, actions) runs beside these."""

from __future__ import annotations

from django.urls import reverse

from partners.models import Partner
from partners.scope import partner_admins
from prm.users.models import PARTNER_ROLES, User
from workflows.events import on_event
from workflows.models import Event
from workflows.notifications import notify


def _partner(event: Event) -> Partner | None:
    return Partner.objects.select_related("channel_manager").filter(pk=event.object_id).first()


@on_event("agreement.published")
def agreement_published(event: Event) -> None:
    notify(
        users=User.objects.filter(role__in=PARTNER_ROLES, is_active=True),
        title="New program terms to accept",
        body=f"Version {event.payload.get('version')} of the program agreement is published.",
        url=reverse("agreement"),
        event=event,
    )


@on_event("partner.status_changed")
def partner_status_changed(event: Event) -> None:
    partner = _partner(event)
    if partner is None:
        return
    recipients = list(partner_admins(partner))
    if partner.channel_manager:
        recipients.append(partner.channel_manager)
    notify(
        users=recipients,
        title=f"{partner} is now {partner.get_status_display()}",
        body=event.payload.get("reason", ""),
        url=reverse("partner-detail", args=[partner.pk]),
        event=event,
    )


@on_event("partner.enrolled")
def partner_enrolled(event: Event) -> None:
    partner = _partner(event)
    if partner is None or partner.channel_manager is None:
        return
    notify(
        users=[partner.channel_manager],
        title=f"New partner assigned to you: {partner}",
        url=reverse("partner-detail", args=[partner.pk]),
        event=event,
    )
