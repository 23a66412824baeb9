"""A tenant's one row of settings (a reservation policy, a deal policy): read without ever
inserting, created and locked only by the service that changes it."""

from __future__ import annotations

from typing import Self

from django.db import models


class TenantSettings(models.Model):
    """Abstract: the model has at most one row (``singleton``), its field defaults until an
    admin saves it."""

    singleton = models.BooleanField(default=True, unique=True, editable=False)

    class Meta:
        abstract = True

    @classmethod
    def current(cls) -> Self:
        """The settings to read: the defaults until an admin saves them. Never an insert,
        so that concurrent transactions reading them never wait on each other."""
        return cls._default_manager.filter(singleton=True).first() or cls()

    @classmethod
    def for_update(cls) -> Self:
        """The row, created if need be and locked, for the settings service."""
        cls._default_manager.get_or_create(singleton=True)
        return cls._default_manager.select_for_update().get(singleton=True)
