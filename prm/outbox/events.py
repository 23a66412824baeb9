"""Emitting and processing domain events.

Apps declare their event types (``events_declare``) and register handlers (``on_event``,
``on_any_event``) from their ``AppConfig.ready``. A service calls ``event_emit`` inside its
transaction: the event row commits with the change or not at all, and is handed to Celery
only after commit. ``event_process`` runs the handlers and marks the event processed in one
transaction, so a worker killed mid-way leaves it unprocessed (the sweep sends it again) and
a redelivered task finds it processed and does nothing. This module imports no domain app.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from prm.outbox.models import Event
from prm.outbox.tasks import event_process as event_process_task
from prm.tasks import enqueue_on_commit

logger = logging.getLogger(__name__)

EVENT_TYPES: dict[str, str] = {}  # type -> what happened, in the users' words
Handler = Callable[[Event], None]
HANDLERS: dict[str, list[Handler]] = {}
ANY_HANDLERS: list[Handler] = []
# Events older than this and unprocessed are re-sent.
SWEEP_AFTER = timedelta(seconds=settings.WORKFLOW_OUTBOX_RESEND_SECONDS)
MAX_ATTEMPTS = 10


def events_declare(types: dict[str, str]) -> None:
    """Declare event types with their descriptions (each app, for the events it emits)."""
    for event_type, description in types.items():
        if EVENT_TYPES.get(event_type, description) != description:
            raise ValueError(f"Event type {event_type!r} is declared twice.")
        EVENT_TYPES[event_type] = description


def _known(event_type: str) -> None:
    if event_type not in EVENT_TYPES:
        raise ValueError(f"Unknown event type {event_type!r}")


def on_event(event_type: str) -> Callable[[Handler], Handler]:
    """Register a handler; handlers must be idempotent (they may run again after a crash)."""
    _known(event_type)

    def register(handler: Handler) -> Handler:
        HANDLERS.setdefault(event_type, []).append(handler)
        return handler

    return register


def on_any_event(handler: Handler) -> Handler:
    """Register a handler of every event (the workflow engine's run starter)."""
    if handler not in ANY_HANDLERS:
        ANY_HANDLERS.append(handler)
    return handler


def event_emit(
    *,
    event_type: str,
    obj: models.Model,
    actor: Any = None,
    payload: dict[str, Any] | None = None,
    partner_id: int | None = None,
    dedupe_key: str | None = None,
) -> Event | None:
    """Record an event about ``obj`` in the current transaction and process it after
    commit. ``partner_id``: the partner it concerns; ``dedupe_key``: emit this fact once
    (returns None when an event of the type with the key exists)."""
    _known(event_type)
    event = Event(
        type=event_type,
        object_type=obj._meta.model_name or "",
        object_id=str(obj.pk),
        partner_id=partner_id,
        payload=payload or {},
        actor=actor if actor is not None and actor.pk else None,
        dedupe_key=dedupe_key,
    )
    if dedupe_key is None:
        event.save()
    else:
        try:
            with transaction.atomic():
                event.save()
        except IntegrityError:
            return None  # emitted before (the constraint decides, not a look-up)
    enqueue_on_commit(event_process_task, str(event.pk))
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
            for handler in [*HANDLERS.get(event.type, []), *ANY_HANDLERS]:
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
    stale = Event.objects.filter(
        processed_at__isnull=True,
        created_at__lt=timezone.now() - SWEEP_AFTER,
        attempts__lt=MAX_ATTEMPTS,
    ).values_list("pk", flat=True)[:1000]
    count = 0
    for event_id in stale:
        event_process_task.delay(str(event_id))
        count += 1
    if count:
        logger.info("Re-dispatched %d unprocessed events", count)
    return count
