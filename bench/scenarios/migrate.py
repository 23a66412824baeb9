"""(c) ``migrate_schemas`` with nothing to apply over many tenants (standard and
multiprocessing executors), versus one schema and Django's start-up."""

from __future__ import annotations

from bench.harness import manage


def run(tenants: int) -> dict:
    manage("seed_scale", "--tenants", str(tenants), "--prefix", "load")
    from prm.tenancy.models import Vendor

    schemas = Vendor.objects.count()
    startup = min(manage("check") for _ in range(2))
    one = min(manage("migrate_schemas", "--schema", "acme", "-v", "0") for _ in range(2))
    standard = manage("migrate_schemas", "-v", "0")
    parallel = manage("migrate_schemas", "--executor", "multiprocessing", "-v", "0")
    return {
        "schemas": schemas,
        "standard_s": standard,
        "multiprocessing_s": parallel,
        "one_schema_s": one,
        "django_startup_s": startup,
        "per_schema_ms": (standard - startup) / schemas * 1000,
    }
