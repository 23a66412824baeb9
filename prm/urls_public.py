"""URLs of the platform operator's host (localhost): a landing page and the Django admin,
where tenants and their domains are listed and created."""

from django.contrib import admin
from django.urls import path

from prm.portal import views

urlpatterns = [
    path("", views.public_home, name="public-home"),
    path("admin/", admin.site.urls),
    path("healthz/", views.healthz, name="healthz"),
]

handler404 = "prm.portal.errors.not_found"
handler500 = "prm.portal.errors.server_error"
