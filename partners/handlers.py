"""The program's standard notifications, as reactions to the partners app's events. The
rule-based workflows (editable by vendor admins) run beside these, so a fact a default
workflow already tells someone about has no handler here (one notification per fact):
a new partner's channel manager hears of it from "Partner onboarding"."""

from __future__ import annotations

from django.urls import reverse

from partners.models import AgreementAcceptance, Partner
from partners.scope import partner_admins
from partners.services.agreements import ACCEPT_TERMS
from prm.outbox.events import on_event
from prm.outbox.models import Event
from prm.users.models import PARTNER_ROLES, User
from workflows.notifications import notify


def _partner(event: Event) -> Partner | None:
    return Partner.objects.select_related("channel_manager").filter(pk=event.object_id).first()


def agreement_published(event: Event) -> None:
    """Ask the partner users who have not accepted this version yet (one may have before
    the event was processed) to accept it."""
    accepted = AgreementAcceptance.objects.filter(agreement_id=event.object_id)
    notify(
        users=User.objects.filter(role__in=PARTNER_ROLES, is_active=True).exclude(
            pk__in=accepted.values("user_id")
        ),
        title="New program terms to accept",
        body=f"Version {event.payload.get('version')} of the program agreement is published.",
        url=reverse("agreement"),
        event=event,
        asks=ACCEPT_TERMS,
    )


def agreement_reminder_sent(event: Event) -> None:
    """One notification and one e-mail to each person the reminder named (once per event
    and person, however often the event is processed)."""
    notify(
        users=User.objects.filter(pk__in=event.payload.get("users", []), role__in=PARTNER_ROLES),
        title="Reminder: please accept the program terms",
        body=f"Version {event.payload.get('version')} of the program agreement is waiting "
        "for your acceptance.",
        url=reverse("agreement"),
        event=event,
        email=True,
    )


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


def register() -> None:
    """Called from ``PartnersConfig.ready``, after the subjects declared the events."""
    on_event("agreement.published")(agreement_published)
    on_event("agreement.reminder_sent")(agreement_reminder_sent)
    on_event("partner.status_changed")(partner_status_changed)
