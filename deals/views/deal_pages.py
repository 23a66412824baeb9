"""Portal pages of deal registrations: new deal, my deals, the deal page."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
