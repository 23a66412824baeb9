"""URLs of the incentives app: its API (``api_urls``) and the portal's pages
(``portal_urls``), each module adding its own."""

from django.urls import URLPattern, URLResolver

from incentives.api.spiffs import spiff_api_urls
from incentives.views import spiffs as spiff_pages

api_urls: list[URLPattern | URLResolver] = [*spiff_api_urls]

portal_urls: list[URLPattern | URLResolver] = [*spiff_pages.urlpatterns]

__all__ = ["api_urls", "portal_urls"]
