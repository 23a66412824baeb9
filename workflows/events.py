"""Emitting and processing domain events (the outbox).

Domain services call ``event_emit`` inside their transaction; the event row commits with the
change or not at all, and is handed to Celery only after commit. ``event_process`` runs the
handlers of the event's type and marks it processed in one transaction, so a worker killed
mid-way leaves it unprocessed (and the sweep sends it again) and a redelivered task finds it
processed and does nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

from partners.models import Partner
from prm.tasks import enqueue_on_commit
from prm.users.models import User
from workflows.models import Event

logger = logging.getLogger(__name__)

EVENT_TYPES = {
    "partner.enrolled": "A partner organisation was enrolled or approved.",
    "partner.status_changed": "A partner moved to another status.",
    "agreement.published": "A new version of the program agreement was published.",
    "certification.expiring": "A certification of a partner's person expires soon "
    "(60, 30 and 7 days before, as the reminder workflows say).",
    "partner.contacted": "The vendor's team recorded a contact with a partner.",
    "partner.user_joined": "Someone accepted an invitation and joined a partner's team.",
    "application.submitted": "A prospect applied to the program through the public form.",
}
Handler = Callable[[Event], None]
HANDLERS: dict[str, list[Handler]] = {}
# Events older than this and unprocessed are re-sent.
SWEEP_AFTER = timedelta(seconds=settings.WORKFLOW_OUTBOX_RESEND_SECONDS)
MAX_ATTEMPTS = 10


def on_event(event_type: str) -> Callable[[Handler], Handler]:
    """Register a handler; handlers must be idempotent (they may run again after a crash)."""
    if event_type not in EVENT_TYPES:
        raise ValueError(f"Unknown event type {event_type!r}")

    def register(handler: Handler) -> Handler:
        HANDLERS.setdefault(event_type, []).append(handler)
        return handler

    return register


def event_emit(
    *,
    event_type: str,
    obj: models.Model,
    actor: User | None = None,
    payload: dict[str, Any] | None = None,
) -> Event:
    """Record an event about ``obj`` in the current transaction and process it after
    commit. Called by domain services (partners.services, and later deals and claims)."""
    if event_type not in EVENT_TYPES:
        raise ValueError(f"Unknown event type {event_type!r}")
    event = Event.objects.create(
        type=event_type,
        object_type=obj._meta.model_name or "",
        object_id=str(obj.pk),
        # The partner the event concerns, for "has not happened" conditions.
        partner_id=obj.pk if isinstance(obj, Partner) else getattr(obj, "partner_id", None),
        payload=payload or {},
        actor=actor if actor is not None and actor.pk else None,
    )
    from workflows.tasks import process_event

    enqueue_on_commit(process_event, str(event.pk))
    return event


def event_process(*, event_id: str) -> bool:
    """Run the handlers of one event once. Returns False when there was nothing to do
    (unknown, already processed, or being processed by another worker)."""
    try:
        with transaction.atomic():
            event = (
                Event.objects.select_for_update(skip_locked=True)
                .filter(pk=event_id, processed_at__isnull=True)
                .first()
            )
            if event is None:
                return False
            for handler in HANDLERS.get(event.type, []):
                handler(event)
            event.processed_at = timezone.now()
            event.attempts += 1
            event.last_error = ""
            event.save(update_fields=["processed_at", "attempts", "last_error"])
            return True
    except Exception as exc:
        # The handlers' writes are rolled back with the transaction; record the failure.
        Event.objects.filter(pk=event_id).update(
            attempts=models.F("attempts") + 1, last_error=f"{type(exc).__name__}: {exc}"[:2000]
        )
        raise


def events_redispatch() -> int:
    """Send again every event left unprocessed for a while (the beat sweep, per tenant)."""
    from workflows.tasks import process_event

    stale = Event.objects.filter(
        processed_at__isnull=True,
        created_at__lt=timezone.now() - SWEEP_AFTER,
        attempts__lt=MAX_ATTEMPTS,
    ).values_list("pk", flat=True)[:1000]
    count = 0
    for event_id in stale:
        process_event.delay(str(event_id))
        count += 1
    if count:
        logger.info("Re-dispatched %d unprocessed events", count)
    return count
