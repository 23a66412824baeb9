"""URLs of the deals app: its API, and the portal's pages of customer accounts and of the
product catalogue."""

from django.urls import URLPattern, URLResolver

from deals.api import api_urls
from deals.views import catalogue, partner, vendor

portal_urls: list[URLPattern | URLResolver] = [
    *partner.urlpatterns,
    *vendor.urlpatterns,
    *catalogue.urlpatterns,
]

__all__ = ["api_urls", "portal_urls"]
