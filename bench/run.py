"""``make bench``: the benchmark scenarios (bench/scenarios/), each beside a baseline measured
in the same run; results in bench/results/latest.json and latest.md (and raw/)."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import sys
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import harness
from bench.report import markdown
from bench.scenarios import (
    deals,
    lookup,
    mdf,
    migrate,
    provisioning,
    reservations,
    scope,
    tenancy,
    workflows,
)

RESULTS = harness.BASE_DIR / "bench" / "results"

# name -> (what is printed, with the options' values, when it starts; how to run it)
Scenario = tuple[str, Callable[[argparse.Namespace], dict]]
REGISTRY: dict[str, Scenario] = {
    "tenancy": (
        "(a) tenancy overhead…",
        lambda a: tenancy.run(a.requests, a.concurrency, a.rounds),
    ),
    "scope": (
        "(d) scoped partner pages at 5,000 partners…",
        lambda a: scope.run(max(a.requests // 5, 100), 2, a.rounds),
    ),
    "workflows": (
        "(e) event -> automatic decision through real workers…",
        lambda a: workflows.run(100, 200),
    ),
    "lookup": (
        "(f) account lookup at {accounts} accounts, {lookup_per_rule} queries per rule…",
        lambda a: lookup.run(a.accounts, a.lookup_per_rule),
    ),
    "reservations": (
        "(g) reservation races, {race_trials} trials of 8 concurrent partners…",
        lambda a: reservations.run(a.race_trials, a.accounts),
    ),
    "deals": (
        "(h) deal registration at {accounts} accounts and {deals} deals, "
        "{deal_rate:g} registrations/s for {deal_seconds:g} s…",
        lambda a: deals.run(a.deals, a.accounts, a.deal_rate, a.deal_seconds),
    ),
    "mdf": (
        "(i) MDF funds, payouts and ROI at 5,000 partners, 50,000 claims and {deals} deals, "
        "{mdf_samples} calls each…",
        lambda a: mdf.run(a.mdf_samples),
    ),
    # (c) before (b): it creates the 200 tenants, so (b) is measured in a crowded catalog.
    "migrate": (
        "(c) migrate_schemas over {tenants} tenants…",
        lambda a: migrate.run(a.tenants),
    ),
    "provisioning": (
        "(b) tenant provisioning…",
        lambda a: provisioning.run(a.provision_samples),
    ),
}
SCENARIOS = [
    "tenancy",
    "scope",
    "workflows",
    "lookup",
    "reservations",
    "deals",
    "mdf",
    "provisioning",
    "migrate",
]


def main() -> int:
    parser = argparse.ArgumentParser(description="PRM benchmarks")
    parser.add_argument("--only", default=",".join(SCENARIOS))
    parser.add_argument("--requests", type=int, default=1500, help="per variant and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--tenants", type=int, default=200)
    parser.add_argument("--provision-samples", type=int, default=5)
    parser.add_argument("--accounts", type=int, default=1_000_000, help="in tenant bench")
    parser.add_argument("--lookup-per-rule", type=int, default=50, help="evaluation queries")
    parser.add_argument("--race-trials", type=int, default=1000)
    parser.add_argument("--deals", type=int, default=1_000_000, help="in tenant bench")
    parser.add_argument("--deal-rate", type=float, default=50, help="registrations/s")
    parser.add_argument("--deal-seconds", type=float, default=60, help="at that rate")
    parser.add_argument("--mdf-samples", type=int, default=200, help="calls per MDF figure")
    args = parser.parse_args()

    data_dir = Path(os.environ.get("PRM_DATA_DIR", harness.BASE_DIR / ".data/bench")).resolve()
    handles = harness.prepare(data_dir)

    chosen = args.only.split(",")
    results: dict = {
        "when": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{os.cpu_count()} cores, {platform.platform()}, Python "
        f"{platform.python_version()}",
        "database": "embedded" if handles else "DATABASE_URL",
    }
    for name, (label, scenario) in REGISTRY.items():
        if name in chosen:
            print(label.format(**vars(args)), flush=True)
            results[name] = scenario(args)

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
