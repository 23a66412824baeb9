"""Vendor-side pages of customer accounts: the list, an account's page, merging duplicates,
the reservation policy."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver

urlpatterns: list[URLPattern | URLResolver] = []
