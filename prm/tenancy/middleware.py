"""Host name -> tenant, with a short in-process cache of the lookup.

The cache saves one public-schema query per request; combined with
``TENANT_LIMIT_SET_CALLS`` a request then issues exactly one ``SET search_path``
(tests/test_tenancy.py pins this). A removed or re-pointed domain keeps resolving in
other processes for at most ``TENANT_CACHE_SECONDS``; the process that changes a domain
forgets it at once (see ``forget``).
"""

from __future__ import annotations

import time

from django.conf import settings
from django.http import JsonResponse
from django_tenants.middleware.main import TenantMainMiddleware

from prm.api import error_body

_cache: dict[str, tuple[float, object]] = {}


def forget(hostname: str | None = None) -> None:
    """Drop one cached host (or all) after a domain or tenant changes."""
    if hostname is None:
        _cache.clear()
    else:
        _cache.pop(hostname, None)


class TenantMiddleware(TenantMainMiddleware):
    @staticmethod
    def hostname_from_request(request):
        """Host names are case-insensitive (``ACME.localhost`` is acme)."""
        return TenantMainMiddleware.hostname_from_request(request).lower()

    def no_tenant_found(self, request, hostname):
        """An unknown host is a 404; under /api/ in the API's error shape."""
        if request.path.startswith("/api/"):
            return JsonResponse(error_body("not_found", "Not found."), status=404)
        return super().no_tenant_found(request, hostname)

    def get_tenant(self, domain_model, hostname):
        now = time.monotonic()
        hit = _cache.get(hostname)
        if hit and hit[0] > now:
            return hit[1]
        tenant = super().get_tenant(domain_model, hostname)
        _cache[hostname] = (now + settings.TENANT_CACHE_SECONDS, tenant)
        return tenant
