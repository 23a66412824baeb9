"""(d) Scoped partner list and search for a region's channel manager with 5,000 partners and
50,000 users in the tenant, versus the vendor admin's unscoped page."""

from __future__ import annotations

from typing import Any

from bench import load
from bench.harness import api_token, manage, medians, start_gunicorn, stop_process


def run(requests: int, concurrency: int, rounds: int) -> dict:
    """A channel manager of a region (1/5 of 5,000 partners, 50,000 users in the tenant)
    against the vendor admin's unscoped view of the same page."""
    from django_tenants.utils import schema_context

    from partners.models import Partner
    from prm.tenancy.models import Vendor

    have = 0
    if Vendor.objects.filter(schema_name="bench").exists():
        with schema_context("bench"):
            have = Partner.objects.count()
    if have < 5000:
        manage(
            "seed_scale", "--tenant", "bench", "--partners", str(5000 - have), "--users", "50000"
        )
    server = start_gunicorn(18103, "prm.settings")
    try:
        host = "bench.localhost"
        cam = {"Authorization": f"Token {api_token(18103, 'cam.north@scale.example', host)}"}
        admin = {"Authorization": f"Token {api_token(18103, 'admin@bench.example', host)}"}
        pages = {
            "partner list (page of 50)": "/api/v1/partners/?page_size=50",
            "partner search (skill + country)": "/api/v1/partners/search/?skill=Cloud&country=DE",
        }
        summary = {}
        for label, path in pages.items():
            runs: dict[str, list[load.Result]] = {"scoped": [], "unscoped": []}
            for headers in (cam, admin):
                load.run(18103, path, host, headers, 50, concurrency)  # warm-up
            for _ in range(rounds):
                for who, headers in (("scoped", cam), ("unscoped", admin)):
                    runs[who].append(load.run(18103, path, host, headers, requests, concurrency))
            figures: dict[str, Any] = {who: medians(results) for who, results in runs.items()}
            assert not any(r.errors for rs in runs.values() for r in rs), f"{label}: errors"
            figures["p50_ratio"] = figures["scoped"]["p50_ms"] / figures["unscoped"]["p50_ms"]
            figures["p95_ratio"] = figures["scoped"]["p95_ms"] / figures["unscoped"]["p95_ms"]
            summary[label] = figures
    finally:
        stop_process(server)
    return {"pages": summary, "partners": 5000, "users": 50000, "viewer": "cam.north (region)"}
