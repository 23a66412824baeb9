"""URLs of the incentives app: its API (``api_urls``, under /api/v1/) and its portal pages
(``portal_urls``: the MDF pages of incentives.views and the claims' files), each module
adding its own; mounted by prm/urls.py."""

from django.urls import URLPattern, URLResolver

from incentives import documents
from incentives.api import api_urls
from incentives.views import claims, funds, payouts, programs, rates, requests, roi
from incentives.views import spiffs as spiff_pages

portal_urls: list[URLPattern | URLResolver] = [
    *funds.urlpatterns,
    *programs.urlpatterns,
    *rates.urlpatterns,
    *requests.urlpatterns,
    *documents.urlpatterns,
    *claims.urlpatterns,
    *payouts.urlpatterns,
    *roi.urlpatterns,
    *spiff_pages.urlpatterns,
]

__all__ = ["api_urls", "portal_urls"]
