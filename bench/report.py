"""The Markdown report of a bench run (bench/results/latest.md), from its JSON results."""

from __future__ import annotations


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
