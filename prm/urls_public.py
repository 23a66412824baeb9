"""URLs of the platform operator's host (localhost): a landing page and the Django admin,
where tenants and their domains are listed and created."""

from django.contrib import admin
from django.urls import path
from rest_framework.authtoken.models import TokenProxy

from prm.portal import views

# API tokens live in tenant schemas; the operator's admin has no table for them.
if admin.site.is_registered(TokenProxy):
    admin.site.unregister(TokenProxy)

urlpatterns = [
    path("", views.public_home, name="public-home"),
    path("admin/", admin.site.urls),
    path("healthz/", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon, name="favicon"),
]

handler404 = "prm.portal.errors.not_found"
handler500 = "prm.portal.errors.server_error"
