"""Partner-side pages of customer accounts: the lookup, reserving, my reservations."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver

urlpatterns: list[URLPattern | URLResolver] = []
