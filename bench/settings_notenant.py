"""The same project without tenancy, as the baseline of scenario (a): plain PostgreSQL
backend with ``search_path`` fixed per connection, no host lookup, no per-request SET.
The schema is ``PRM_BENCH_SCHEMA`` (default ``acme``; the deals scenario's is ``bench``)."""

import os

from prm.settings import *  # noqa: F403
from prm.settings import DATABASES, MIDDLEWARE

DATABASES["default"] = {
    **DATABASES["default"],
    "ENGINE": "django.db.backends.postgresql",
    "OPTIONS": {
        **DATABASES["default"].get("OPTIONS", {}),
        "options": f"-c search_path={os.environ.get('PRM_BENCH_SCHEMA', 'acme')},public",
    },
}
MIDDLEWARE = [
    "bench.urls_notenant.FixedTenantMiddleware",
    *(m for m in MIDDLEWARE if m != "prm.tenancy.middleware.TenantMiddleware"),
]
ROOT_URLCONF = "bench.urls_notenant"
