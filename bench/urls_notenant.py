"""URLs of the no-tenancy baseline server: the portal's URLs plus bare Django views (the
deals scenario's in bench/bare_deals.py)."""

import os

from django.http import JsonResponse
from django.urls import include, path

from bench import bare_deals
from prm.users.models import User

SCHEMA = os.environ.get("PRM_BENCH_SCHEMA", "acme")  # as bench/settings_notenant.py

_tenant = None


class FixedTenantMiddleware:
    """Gives views the ``request.tenant`` they read, loaded once instead of per request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        global _tenant
        if _tenant is None:
            from prm.tenancy.models import Vendor

            _tenant = Vendor.objects.get(schema_name=SCHEMA)
        request.tenant = _tenant
        return self.get_response(request)


def bare_me(request):
    """What ``/api/v1/me/`` does, as a plain Django view: one token -> user query."""
    key = request.headers.get("Authorization", "").removeprefix("Token ")
    user = User.objects.filter(auth_token__key=key, is_active=True).first()
    if user is None:
        return JsonResponse({"code": "not_authenticated"}, status=401)
    return JsonResponse(
        {
            "id": user.id,
            "email": user.email,
            "full_name": user.full_name,
            "role": user.role,
            "role_label": user.get_role_display(),
            "side": "vendor" if user.is_vendor_side else "partner",
            "tenant": {"schema": SCHEMA, "name": request.tenant.name},
        }
    )


urlpatterns = [
    path("bench/bare/", bare_me),
    *bare_deals.urlpatterns,
    path("", include("prm.urls")),
]
