"""Certification expiry reminders: the daily sweep turns expiry dates into
``certification.expiring`` events, at the distances the enabled workflows ask for."""

from __future__ import annotations

from datetime import date, timedelta

from django.db import transaction

from partners.models import Certification
from prm.outbox.events import event_emit
from workflows.models import Workflow

REMINDER_DAYS = (60, 30, 7)


def reminder_days() -> list[int]:
    """The thresholds the enabled reminder workflows use (``days_before``, 60/30/7 when a
    workflow does not say)."""
    found: set[int] = set()
    for definition in Workflow.objects.filter(
        trigger="certification.expiring", enabled=True
    ).values_list("current__definition", flat=True):
        found.update((definition or {}).get("days_before") or REMINDER_DAYS)
    return sorted(found, reverse=True)


def certifications_expiring(today: date | None = None) -> int:
    """Emit ``certification.expiring`` once per certification and threshold (the outbox's
    dedupe key decides, not a look-up); run by beat. A missed day is caught up: the window
    is "at most N days left"."""
    today = today or date.today()
    emitted = 0
    thresholds = reminder_days()
    for days in thresholds:
        due = Certification.objects.filter(
            expires_on__gte=today, expires_on__lte=today + timedelta(days=days)
        ).select_related("partner")
        for cert in due.iterator():
            assert cert.expires_on is not None  # filtered above
            left = (cert.expires_on - today).days
            if any(left <= d < days for d in thresholds):
                continue  # a tighter threshold applies
            with transaction.atomic():
                event = event_emit(
                    event_type="certification.expiring",
                    obj=cert.partner,
                    partner_id=cert.partner_id,
                    dedupe_key=f"certification:{cert.pk}:{days}",
                    payload={
                        "certification": cert.pk,
                        "days": days,
                        "left": left,
                        "certification_name": cert.name,
                        "holder": cert.holder_name,
                    },
                )
            emitted += event is not None
    return emitted
