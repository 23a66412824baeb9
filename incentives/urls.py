"""URLs of the incentives app: the portal's MDF pages (``portal_urls``) and its API
(``api_urls``)."""

from django.urls import URLPattern, URLResolver

from incentives.views import funds, programs, requests

portal_urls: list[URLPattern | URLResolver] = [
    *funds.urlpatterns,
    *programs.urlpatterns,
    *requests.urlpatterns,
]

# The MDF API's routes (/api/v1/mdf/...) are added here.
api_urls: list[URLPattern | URLResolver] = []

__all__ = ["api_urls", "portal_urls"]
