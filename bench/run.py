"""``make bench``: the benchmark scenarios, each beside a baseline measured in the same run.

  (a) tenancy overhead: ``GET /api/v1/me/`` on a tenant host, versus the same view on the
      same project without tenancy (bench/settings_notenant.py), versus a bare Django view
      doing the same query; gunicorn as in production (DEBUG off).
  (b) tenant provisioning: cloned from the template schema versus migrated.
  (c) ``migrate_schemas`` with nothing to apply over 200 tenants, versus one schema.
  (d) scoped partner list and search for a region's channel manager with 5,000 partners
      and 50,000 users in the tenant, versus the unscoped page (vendor admin).

Uses the embedded PostgreSQL and Redis under .data/bench unless DATABASE_URL / REDIS_URL
are set. Results: bench/results/latest.json and latest.md (and a dated copy in raw/).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

BASE_DIR = Path(__file__).resolve().parent.parent
RESULTS = BASE_DIR / "bench" / "results"
sys.path.insert(0, str(BASE_DIR))

from bench import load  # noqa: E402
from prm import embedded  # noqa: E402


def setup_services(data_dir: Path) -> list[object]:
    handles = []
    if not os.environ.get("DATABASE_URL"):
        server, os.environ["DATABASE_URL"] = embedded.start_postgres(data_dir)
        handles.append(server)
    if not os.environ.get("REDIS_URL"):
        client, os.environ["REDIS_URL"] = embedded.start_redis(data_dir)
        handles.append(client)
    return handles


def manage(*args: str, settings: str = "prm.settings") -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=dict(os.environ, DJANGO_SETTINGS_MODULE=settings),
        check=True,
    )
    return time.perf_counter() - started


def start_gunicorn(port: int, settings: str) -> subprocess.Popen:
    env = dict(os.environ, DJANGO_SETTINGS_MODULE=settings)
    cmd = [sys.executable, "-m", "gunicorn", "prm.wsgi", "-b", f"127.0.0.1:{port}", "-w", "2"]
    proc = subprocess.Popen(cmd, cwd=BASE_DIR, env=env, stderr=subprocess.DEVNULL)
    for _ in range(200):
        try:
            req = urllib.request.Request(f"http://127.0.0.1:{port}/healthz/")
            req.add_header("Host", "acme.localhost")
            urllib.request.urlopen(req, timeout=1).close()
            return proc
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"gunicorn with {settings} did not start")


def api_token(port: int, email: str = "admin@acme.example", host: str = "acme.localhost") -> str:
    body = json.dumps({"email": email, "password": "demo-pass-123"}).encode()
    req = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/v1/auth/token/",
        data=body,
        headers={"Host": host, "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req) as response:
        return json.load(response)["token"]


def scenario_tenancy(requests: int, concurrency: int, rounds: int) -> dict:
    tenant = start_gunicorn(18101, "prm.settings")
    plain = start_gunicorn(18102, "bench.settings_notenant")
    try:
        auth = {"Authorization": f"Token {api_token(18101)}"}
        variants = {
            "tenant-resolved DRF view": (18101, "/api/v1/me/"),
            "same DRF view, no tenancy": (18102, "/api/v1/me/"),
            "bare Django view, no tenancy": (18102, "/bench/bare/"),
        }
        runs: dict[str, list[load.Result]] = {name: [] for name in variants}
        for port, path in variants.values():  # warm-up: imports, connections, caches
            load.run(port, path, "acme.localhost", auth, 200, concurrency)
        for _ in range(rounds):  # interleaved, so drift hits every variant alike
            for name, (port, path) in variants.items():
                runs[name].append(
                    load.run(port, path, "acme.localhost", auth, requests, concurrency)
                )
    finally:
        tenant.terminate()
        plain.terminate()
        tenant.wait()
        plain.wait()
    summary = {}
    for name, results in runs.items():
        assert not any(r.errors for r in results), f"{name}: non-200 answers"
        summary[name] = {
            "rps": statistics.median(r.rps for r in results),
            "p50_ms": statistics.median(r.p50_ms for r in results),
            "p95_ms": statistics.median(r.p95_ms for r in results),
        }
    base = summary["same DRF view, no tenancy"]
    ours = summary["tenant-resolved DRF view"]
    return {
        "variants": summary,
        "throughput_ratio_vs_no_tenancy": ours["rps"] / base["rps"],
        "p50_ratio_vs_no_tenancy": ours["p50_ms"] / base["p50_ms"],
        "p95_ratio_vs_no_tenancy": ours["p95_ms"] / base["p95_ms"],
        "throughput_ratio_vs_bare": ours["rps"] / summary["bare Django view, no tenancy"]["rps"],
        "requests_per_round": requests,
        "rounds": rounds,
        "concurrency": concurrency,
        "target": "throughput ratio vs no tenancy >= 0.85",
    }


def scenario_scope(requests: int, concurrency: int, rounds: int) -> dict:
    """(d) A channel manager of a region (1/5 of 5,000 partners, 50,000 users in the tenant)
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
            figures: dict[str, Any] = {
                who: {
                    "rps": statistics.median(r.rps for r in results),
                    "p50_ms": statistics.median(r.p50_ms for r in results),
                    "p95_ms": statistics.median(r.p95_ms for r in results),
                }
                for who, results in runs.items()
            }
            assert not any(r.errors for rs in runs.values() for r in rs), f"{label}: errors"
            figures["p50_ratio"] = figures["scoped"]["p50_ms"] / figures["unscoped"]["p50_ms"]
            figures["p95_ratio"] = figures["scoped"]["p95_ms"] / figures["unscoped"]["p95_ms"]
            summary[label] = figures
    finally:
        server.terminate()
        server.wait()
    return {"pages": summary, "partners": 5000, "users": 50000, "viewer": "cam.north (region)"}


def scenario_provisioning(count: int) -> dict:
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


def scenario_migrate(tenants: int) -> dict:
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


def markdown(results: dict) -> str:
    lines = [f"# Benchmarks, {results['when']}", "", f"Machine: {results['machine']}", ""]
    if a := results.get("tenancy"):
        lines += [
            "## (a) Tenancy overhead (gunicorn, 2 workers, DEBUG off)",
            "",
            "| variant | req/s | p50 ms | p95 ms |",
            "|---|---:|---:|---:|",
        ]
        for name, v in a["variants"].items():
            lines.append(f"| {name} | {v['rps']:.0f} | {v['p50_ms']:.2f} | {v['p95_ms']:.2f} |")
        lines += [
            "",
            f"Throughput ratio tenant / no tenancy: **{a['throughput_ratio_vs_no_tenancy']:.3f}**"
            f" (target ≥ 0.85); vs bare Django view: {a['throughput_ratio_vs_bare']:.3f}. "
            f"p50 ratio {a['p50_ratio_vs_no_tenancy']:.3f}, "
            f"p95 ratio {a['p95_ratio_vs_no_tenancy']:.3f}. "
            f"Median of {a['rounds']} interleaved rounds of {a['requests_per_round']} requests, "
            f"{a['concurrency']} concurrent clients.",
            "",
        ]
    if d := results.get("scope"):
        lines += [
            "## (d) Scoped partner pages, 5,000 partners and 50,000 users in the tenant",
            "",
            f"Viewer: channel manager of a region ({d['viewer']}); baseline: the vendor admin's "
            "unscoped view of the same page.",
            "",
            "| page | scoped p50 / p95 ms | unscoped p50 / p95 ms | ratio p50 / p95 |",
            "|---|---:|---:|---:|",
        ]
        for label, f in d["pages"].items():
            lines.append(
                f"| {label} | {f['scoped']['p50_ms']:.1f} / {f['scoped']['p95_ms']:.1f} "
                f"| {f['unscoped']['p50_ms']:.1f} / {f['unscoped']['p95_ms']:.1f} "
                f"| {f['p50_ratio']:.2f} / {f['p95_ratio']:.2f} |"
            )
        lines.append("")
    if b := results.get("provisioning"):
        lines += [
            "## (b) Tenant provisioning (schema + domain + first admin)",
            "",
            "| cloned from template | migrated (baseline) | speed-up |",
            "|---:|---:|---:|",
            f"| {b['cloned_s']:.3f} s | {b['migrated_s']:.3f} s | {b['speedup']:.1f}x |",
            "",
            f"Median of {b['samples']} each, with {b['schemas_present']} schemas present; "
            "target under 1 s.",
            "",
        ]
    if c := results.get("migrate"):
        lines += [
            f"## (c) `migrate_schemas` with nothing to apply, {c['schemas']} schemas",
            "",
            "| standard executor | multiprocessing executor | one schema (baseline) "
            "| Django start-up (`check`) | per schema |",
            "|---:|---:|---:|---:|---:|",
            f"| {c['standard_s']:.1f} s | {c['multiprocessing_s']:.1f} s "
            f"| {c['one_schema_s']:.2f} s "
            f"| {c['django_startup_s']:.2f} s | {c['per_schema_ms']:.0f} ms |",
            "",
        ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description="PRM benchmarks")
    parser.add_argument("--only", default="tenancy,scope,provisioning,migrate")
    parser.add_argument("--requests", type=int, default=1500, help="per variant and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--tenants", type=int, default=200)
    parser.add_argument("--provision-samples", type=int, default=5)
    args = parser.parse_args()

    data_dir = Path(os.environ.get("PRM_DATA_DIR", BASE_DIR / ".data/bench")).resolve()
    os.environ.update(
        PRM_DATA_DIR=str(data_dir),
        DEBUG="0",
        SECRET_KEY=os.environ.get("SECRET_KEY", "bench-only-secret-key-" + "x" * 30),
        LOG_LEVEL="WARNING",
        DJANGO_SETTINGS_MODULE="prm.settings",
    )
    handles = setup_services(data_dir)
    manage("migrate_schemas", "-v", "0")
    manage("collectstatic", "--noinput", "-v", "0")
    manage("seed_demo")
    import django

    django.setup()

    chosen = args.only.split(",")
    results: dict = {
        "when": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{os.cpu_count()} cores, {platform.platform()}, Python "
        f"{platform.python_version()}",
        "database": "embedded" if handles else "DATABASE_URL",
    }
    if "tenancy" in chosen:
        print("(a) tenancy overhead…", flush=True)
        results["tenancy"] = scenario_tenancy(args.requests, args.concurrency, args.rounds)
    if "scope" in chosen:
        print("(d) scoped partner pages at 5,000 partners…", flush=True)
        results["scope"] = scenario_scope(max(args.requests // 5, 100), 2, args.rounds)
    # (c) first: it creates the 200 tenants, so (b) is measured in a crowded catalog.
    if "migrate" in chosen:
        print(f"(c) migrate_schemas over {args.tenants} tenants…", flush=True)
        results["migrate"] = scenario_migrate(args.tenants)
    if "provisioning" in chosen:
        print("(b) tenant provisioning…", flush=True)
        results["provisioning"] = scenario_provisioning(args.provision_samples)

    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "raw").mkdir(exist_ok=True)
    text = json.dumps(results, indent=2)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")
    (RESULTS / "raw" / f"{stamp}.json").write_text(text)
    (RESULTS / "latest.json").write_text(text)
    report = markdown(results)
    (RESULTS / "latest.md").write_text(report + "\n")
    print("\n" + report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
