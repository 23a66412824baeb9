"""The outbox row. Its table keeps the name it had in the workflows app (workflows_event)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Event(models.Model):
    """A domain event, written in the same transaction as the change that caused it and
    processed after commit. ``processed_at`` stays empty until every handler has run; a
    beat sweep re-dispatches events left unprocessed (broker down, worker killed)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    type = models.CharField(max_length=80)
    object_type = models.CharField(max_length=60)
    object_id = models.CharField(max_length=40)
    # The partner the event concerns, given by the emitting app ("has not happened" looks here).
    partner_id = models.IntegerField(null=True, blank=True)
    payload = models.JSONField(default=dict, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    # Set by emitters that must emit a fact once (a reminder per certification and threshold).
    dedupe_key = models.CharField(max_length=120, null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    processed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        db_table = "workflows_event"
        ordering = ["created_at"]
        indexes = [
            models.Index(fields=["type", "created_at"], name="event_type_time"),
            models.Index(fields=["partner_id", "type", "created_at"], name="event_partner"),
            models.Index(
                fields=["created_at"],
                condition=Q(processed_at__isnull=True),
                name="event_pending",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["type", "dedupe_key"],
                condition=Q(dedupe_key__isnull=False),
                name="event_once_per_dedupe_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.object_type}#{self.object_id}"
