"""``make bench``: the benchmark scenarios, each beside a baseline measured in the same run.

  (a) tenancy overhead: ``GET /api/v1/me/`` on a tenant host, versus the same view on the
      same project without tenancy (bench/settings_notenant.py), versus a bare Django view
      doing the same query; gunicorn as in production (DEBUG off).
  (b) tenant provisioning: cloned from the template schema versus migrated.
  (c) ``migrate_schemas`` with nothing to apply over 200 tenants, versus one schema.
  (e) event emitted -> automatic workflow decision committed, with real workers and 50
      workflows in the tenant, versus a no-op task's round trip; runs/s with two workers.
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


def _percentiles(values: list[float]) -> tuple[float, float]:
    q = statistics.quantiles(values, n=100)
    return q[49], q[94]


def scenario_workflows(samples: int, burst: int) -> dict:
    """(e) Event emitted -> automatic decision committed, through real workers, with 50
    workflows in the tenant; baseline: a no-op task's round trip in the same run."""
    from django_tenants.utils import schema_context

    from partners import services as partner_services
    from partners.models import OrgUnit, Partner
    from prm.celery import app as celery_app
    from prm.tenancy.tasks import ping
    from prm.users.models import User
    from workflows.models import RunStatus, Workflow, WorkflowRun
    from workflows.services import workflow_save

    workers = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "prm",
                "worker",
                "-l",
                "warning",
                "-c",
                "1",
                "-n",
                f"bench{i}@%h",
                "--without-mingle",
                "--without-gossip",
            ],
            cwd=BASE_DIR,
            env=dict(os.environ),
            stdout=subprocess.DEVNULL,
        )
        for i in range(2)
    ]
    try:
        with schema_context("acme"):
            admin = User.objects.get(email="admin@acme.example")
            for n in range(49 - Workflow.objects.filter(name__startswith="Bench noise").count()):
                workflow_save(
                    actor=admin,
                    name=f"Bench noise {n}",
                    trigger="partner.status_changed",
                    enabled=True,
                    definition={
                        "conditions": {
                            "all": [{"field": "display_name", "op": "=", "value": f"Nobody {n}"}]
                        },
                        "actions": [{"type": "notify", "to": "vendor_admins", "title": "never"}],
                    },
                )
            if not Workflow.objects.filter(name="Bench auto decision").exists():
                workflow_save(
                    actor=admin,
                    name="Bench auto decision",
                    trigger="partner.status_changed",
                    enabled=True,
                    definition={
                        "conditions": {
                            "all": [{"field": "display_name", "op": "=", "value": "Bench Partner"}]
                        },
                        "actions": [{"type": "set_field", "field": "tier.name", "value": "Gold"}],
                    },
                )
            partner = Partner.objects.filter(display_name="Bench Partner").first()
            partner = partner or partner_services.partner_create(
                actor=admin,
                fields={
                    "display_name": "Bench Partner",
                    "partner_type": "reseller",
                    "territory": OrgUnit.objects.get(name="Germany"),
                },
            )
            Partner.objects.filter(pk=partner.pk).update(status="active")
            workflows = Workflow.objects.filter(enabled=True).count()

            for _ in range(20):  # warm-up: workers up, connections open
                ping.delay().get(timeout=60)
            round_trips = []
            for _ in range(samples):
                started = time.perf_counter()
                ping.delay().get(timeout=30)
                round_trips.append((time.perf_counter() - started) * 1000)

            auto = Workflow.objects.get(name="Bench auto decision")
            statuses = ["suspended", "active"]

            def change(i: int) -> None:
                partner_services.partner_transition(
                    actor=admin, partner=partner, status=statuses[i % 2]
                )

            def completed() -> int:
                return WorkflowRun.objects.filter(workflow=auto, status=RunStatus.COMPLETED).count()

            latencies = []
            for i in range(samples):
                done = completed()
                started = time.perf_counter()
                change(i)
                while completed() == done:
                    time.sleep(0.002)
                latencies.append((time.perf_counter() - started) * 1000)

            done = completed()
            started = time.perf_counter()
            for i in range(burst):
                change(i + samples)
            while completed() < done + burst:
                time.sleep(0.01)
            seconds = time.perf_counter() - started
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(timeout=30)
    p50, p95 = _percentiles(latencies)
    b50, b95 = _percentiles(round_trips)
    del celery_app
    return {
        "workflows_in_tenant": workflows,
        "decision_p50_ms": p50,
        "decision_p95_ms": p95,
        "baseline_task_p50_ms": b50,
        "baseline_task_p95_ms": b95,
        "samples": samples,
        "burst": burst,
        "runs_per_second": burst / seconds,
        "workers": 2,
        "target": "p95 under 1000 ms",
    }


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
    if e := results.get("workflows"):
        lines += [
            f"## (e) Event -> automatic decision, real workers, {e['workflows_in_tenant']} "
            "workflows in the tenant",
            "",
            "| decision p50 / p95 | no-op task round trip p50 / p95 (baseline) "
            "| sustained runs/s (2 workers) |",
            "|---:|---:|---:|",
            f"| {e['decision_p50_ms']:.0f} / {e['decision_p95_ms']:.0f} ms "
            f"| {e['baseline_task_p50_ms']:.1f} / {e['baseline_task_p95_ms']:.1f} ms "
            f"| {e['runs_per_second']:.1f} |",
            "",
            f"From the committed status change to the committed decision (set tier), "
            f"{e['samples']} sequential samples; throughput from a burst of {e['burst']} "
            "changes. Target p95 under 1 s.",
            "",
        ]
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


SCENARIOS = ["tenancy", "scope", "workflows", "provisioning", "migrate"]


def main() -> int:
    parser = argparse.ArgumentParser(description="PRM benchmarks")
    parser.add_argument("--only", default=",".join(SCENARIOS))
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
    if "workflows" in chosen:
        print("(e) event -> automatic decision through real workers…", flush=True)
        results["workflows"] = scenario_workflows(100, 200)
    # (c) first: it creates the 200 tenants, so (b) is measured in a crowded catalog.
    if "migrate" in chosen:
        print(f"(c) migrate_schemas over {args.tenants} tenants…", flush=True)
        results["migrate"] = scenario_migrate(args.tenants)
    if "provisioning" in chosen:
        print("(b) tenant provisioning…", flush=True)
        results["provisioning"] = scenario_provisioning(args.provision_samples)

    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "raw").mkdir(exist_ok=True)
    latest = RESULTS / "latest.json"
    if latest.exists() and set(chosen) != set(SCENARIOS):
        # A partial run (--only) updates its scenarios and keeps the others' last figures.
        previous = json.loads(latest.read_text())
        for name in SCENARIOS:
            if name not in chosen and name in previous:
                results[name] = previous[name]
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
