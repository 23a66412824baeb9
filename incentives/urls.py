"""URLs of the incentives app: its API (``api_urls``, under /api/v1/) and its portal pages
(``portal_urls``: the MDF pages of incentives.views and the claims' files), mounted by
prm/urls.py."""

from django.urls import URLPattern, URLResolver

from incentives import documents
from incentives.api import api_urls
from incentives.views import funds, programs, requests

portal_urls: list[URLPattern | URLResolver] = [
    *funds.urlpatterns,
    *programs.urlpatterns,
    *requests.urlpatterns,
    *documents.urlpatterns,
]

__all__ = ["api_urls", "portal_urls"]
