"""URLs of the deals app: its API, and the portal's pages of customer accounts, deals and
the product catalogue."""

from django.urls import URLPattern, URLResolver

from deals.api import api_urls
from deals.views import catalogue, deal_admin, deal_pages, documents, imports, partner, vendor

portal_urls: list[URLPattern | URLResolver] = [
    *partner.urlpatterns,
    *imports.urlpatterns,
    *vendor.urlpatterns,
    *catalogue.urlpatterns,
    *deal_pages.urlpatterns,
    *deal_admin.urlpatterns,
    *documents.urlpatterns,
]

__all__ = ["api_urls", "portal_urls"]
