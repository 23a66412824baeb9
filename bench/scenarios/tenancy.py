"""(a) Tenancy overhead: ``GET /api/v1/me/`` on a tenant host versus the same view without
tenancy (bench/settings_notenant.py) and a bare Django view; gunicorn, DEBUG off."""

from __future__ import annotations

from bench import load
from bench.harness import api_token, medians, start_gunicorn, stop_processes


def run(requests: int, concurrency: int, rounds: int) -> dict:
    tenant = start_gunicorn(18101, "prm.settings")
    try:
        plain = start_gunicorn(18102, "bench.settings_notenant")
    except BaseException:
        stop_processes([tenant])
        raise
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
        stop_processes([tenant, plain])
    summary = {}
    for name, results in runs.items():
        assert not any(r.errors for r in results), f"{name}: non-200 answers"
        summary[name] = medians(results)
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
