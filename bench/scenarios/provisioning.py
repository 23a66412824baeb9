"""(b) Tenant provisioning (schema + domain + first admin): cloned from the template schema
versus migrated."""

from __future__ import annotations

import statistics
import time


def run(count: int) -> dict:
    from django.db import connection
    from django.test import override_settings

    from prm.tenancy.models import Vendor
    from prm.tenancy.services import template_ensure, vendor_provision

    template_ensure()
    timings: dict[str, list[float]] = {}
    for mode, clone in (("migrated", False), ("cloned", True)):
        timings[mode] = []
        for i in range(count):
            schema = f"bench_{mode}_{i}"
            host = schema.replace("_", "-")
            Vendor.objects.filter(schema_name=schema).delete()
            with override_settings(TENANT_CREATION_FAKES_MIGRATIONS=clone):
                started = time.perf_counter()
                vendor = vendor_provision(
                    schema_name=schema,
                    domain=f"{host}.bench.localhost",
                    name=schema,
                    admin_email=f"admin@{host}.example",
                    admin_password=None,
                )
                timings[mode].append(time.perf_counter() - started)
            connection.set_schema_to_public()  # type: ignore[attr-defined]  # django-tenants
            vendor.delete(force_drop=True)
    median = {mode: statistics.median(t) for mode, t in timings.items()}
    return {
        "schemas_present": Vendor.objects.count(),
        "cloned_s": median["cloned"],
        "migrated_s": median["migrated"],
        "speedup": median["migrated"] / median["cloned"],
        "samples": count,
        "all_s": timings,
        "target": "under 1 s",
    }
