"""URLs of the deals app: its API, and the portal's pages of customer accounts."""

from django.urls import URLPattern, URLResolver

from deals.api import api_urls
from deals.views import imports, partner, vendor

portal_urls: list[URLPattern | URLResolver] = [
    *partner.urlpatterns,
    *imports.urlpatterns,
    *vendor.urlpatterns,
]

__all__ = ["api_urls", "portal_urls"]
