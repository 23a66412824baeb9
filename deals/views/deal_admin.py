"""Vendor pages of deal registrations: the deal list, the deal policy with its back-test,
the rejection reasons."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
