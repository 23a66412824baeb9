"""The Markdown report of a bench run (bench/results/latest.md), from its JSON results."""

from __future__ import annotations

from typing import Any


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
    if f := results.get("lookup"):
        lines += _lookup(f)
    if g := results.get("reservations"):
        lines += _reservations(g)
    if h := results.get("deals"):
        lines += _deals(h)
    if i := results.get("mdf"):
        lines += _mdf(i)
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


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 100:.1f}%"


def _ms(f: dict) -> str:
    return f"{f['p50_ms']:.1f} / {f['p95_ms']:.1f} / {f['p99_ms']:.1f}"


def _lookup(f: dict) -> list[str]:
    ours, base = f["summary"]["lookup"], f["summary"]["baseline"]
    t = f["targets"]
    lines = [
        f"## (f) Account lookup, {f['accounts']:,} accounts in the tenant",
        "",
        f"{f['queries']} evaluation queries (deals.evaluation, seed {f['seed']}, "
        f"{f['per_rule_requested']} per rule), in process through "
        "`deals.selectors.account_lookup` as a partner user; baseline: pg_trgm "
        "`similarity(name, text)` on the raw names (the top 5 above 0.3, the first taken as "
        "the match, the country ignored), each query alternately first.",
        "",
        "| rule | family | queries | recall lookup / baseline | matched lookup "
        "| false match lookup / baseline | review lookup / baseline |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for rule, r in f["rules"].items():
        a, b = r["lookup"], r["baseline"]
        review = f"{_pct(a['review'])} / {_pct(b['review'])}" if a["recall"] is None else "n/a"
        lines.append(
            f"| {rule} | {r['family']} | {a['queries']} "
            f"| {_pct(a['recall'])} / {_pct(b['recall'])} | {_pct(a['matched'])} "
            f"| {_pct(a['false_match'])} / {_pct(b['false_match'])} | {review} |"
        )
    rec = t["recall_min"]
    lines += [
        "",
        f"False matches (a match on another company), all queries: lookup "
        f"**{_pct(ours['false_match'])}**, baseline {_pct(base['false_match'])}; companies "
        f"not in the data: lookup {_pct(ours['false_match_negatives'])}, baseline "
        f"{_pct(base['false_match_negatives'])} (target ≤ {_pct(t['false_match_max'])}).",
        f"Recall by domain: lookup **{_pct(ours['recall_domain'])}** (worst rule "
        f"{_pct(ours['recall_domain_worst'])}), baseline {_pct(base['recall_domain'])}; "
        f"exact after normalisation: **{_pct(ours['recall_exact'])}** (worst "
        f"{_pct(ours['recall_exact_worst'])}), baseline {_pct(base['recall_exact'])} "
        f"(target ≥ {_pct(rec['domain'])}); name-only typos and word order: "
        f"**{_pct(ours['recall_fuzzy'])}** (worst {_pct(ours['recall_fuzzy_worst'])}), "
        f"baseline {_pct(base['recall_fuzzy'])} (target ≥ {_pct(rec['fuzzy'])}).",
        f"Review burden (companies not in the data answered with a possible): lookup "
        f"{_pct(ours['review_burden'])}, baseline {_pct(base['review_burden'])}.",
        "",
        "| latency p50 / p95 / p99 ms | lookup | baseline |",
        "|---|---:|---:|",
        f"| in process (selector / baseline SQL) | {_ms(f['in_process']['lookup'])} "
        f"| {_ms(f['in_process']['baseline'])} |",
        f"| HTTP through gunicorn ({f['http'].get('requests', f['queries'])} lookups "
        "/ `GET /api/v1/me/`) "
        f"| {_ms(f['http']['lookup'])} | {_ms(f['http']['baseline_me'])} |",
        "",
        f"Target p95 < {t['p95_ms_max']} ms. HTTP with `{f['http']['rate_setting']}` for the "
        f"server, {f['http']['workers']} workers, one client; statuses "
        f"{f['http']['statuses']}.",
        "",
    ]
    return lines


def _reservations(g: dict) -> list[str]:
    return [
        f"## (g) Reservation races, {g['trials']} trials of {g['clients']} partners at once",
        "",
        "| exact trials (one 201, seven 409) | 5xx or dropped | deadlocks "
        "| reserve p50 / p95 / p99 ms | winner p50 / p95 / p99 ms "
        "| `GET /api/v1/me/` burst (baseline) |",
        "|---:|---:|---:|---:|---:|---:|",
        f"| {g['exact_trials']} / {g['trials']} | {g['five_xx_or_dropped']} "
        f"| {g['deadlocks']} | {_ms(g['reserve'])} | {_ms(g['winner'])} "
        f"| {_ms(g['baseline_me'])} |",
        "",
        f"gunicorn with {g['workers']} sync workers; each trial {g['clients']} partner users "
        f"of {g['clients']} partners POST `/api/v1/reservations/` for the same fresh account "
        f"at once, then the same clients GET `/api/v1/me/` at once. Statuses "
        f"{g['statuses']}; active reservations afterwards {g['active_reservations']} on "
        f"{g['accounts_reserved']} accounts. Target p95 < {g['target_p95_ms']} ms.",
        "",
        f"Uncontended (one client, {g['sequential']['requests']} fresh accounts, each beside "
        f"a `GET /api/v1/me/`): reserve p50 / p95 / p99 "
        f"**{_ms(g['sequential']['reserve'])} ms**, baseline "
        f"{_ms(g['sequential']['baseline_me'])} ms.",
        "",
    ]


def _holds(ok: bool) -> str:
    return "holds" if ok else "**misses**"


def _deals(h: dict) -> list[str]:
    failed = [f"{n} failed: {h[n]['error']}." for n in ("conflicts", "decision") if "error" in h[n]]
    if failed:  # the figures measured before the failure
        ok = {"p50_ms": float("nan"), "p95_ms": float("nan"), "p99_ms": float("nan")}
        nothing: dict[str, Any] = {
            "samples": 0,
            "with_conflicts": 0,
            "lookup_share": float("nan"),
            "workers": 0,
        }
        nothing |= {"outcomes": {}, "check": ok, "duplicate_lookup": ok, "baseline": ok}
        nothing |= {"total": ok, "after_commit": ok, "baseline_task": ok}
        h = {**h, **{n: nothing for n in ("conflicts", "decision") if "error" in h[n]}}
    t = h["targets"]
    rate, tp, dec = h["constant_rate"], h["throughput"], h["decision"]
    con, lst = h["conflicts"], h["deal_list"]
    api, bare = tp["api_best"], tp["bare_best"]
    rows = [
        (
            f"create+submit at {rate['rate']:g}/s for {rate['duration_s']:g} s (open loop, "
            f"from the scheduled time): {rate['registrations']} done in "
            f"{rate['seconds']:.0f} s ({rate['per_second']:.1f}/s), {rate['errors']} errors",
            _ms(rate),
            f"p95 < {t['create_submit_p95_ms']} ms, no errors",
            rate["p95_ms"] < t["create_submit_p95_ms"] and not rate["errors"],
        ),
        (
            f"highest throughput, API {api['per_second']:.1f}/s (at {api['concurrency']} "
            f"clients) / bare views {bare['per_second']:.1f}/s (at {bare['concurrency']})",
            f"ratio {tp['ratio']:.2f}",
            f"≥ {t['throughput_ratio_min']}x",
            tp["ratio"] >= t["throughput_ratio_min"],
        ),
        (
            "submit -> automatic approval committed, real workers (conflict check included)",
            _ms(dec["total"]),
            f"p95 < {t['decision_p95_ms']} ms",
            dec["total"]["p95_ms"] < t["decision_p95_ms"],
        ),
        (
            f"conflict check alone (`deal_conflicts`), {con['samples']} submitted deals with "
            "competing registrations",
            _ms(con["check"]),
            f"p95 < {t['conflicts_p95_ms']} ms",
            con["check"]["p95_ms"] < t["conflicts_p95_ms"],
        ),
        (
            f"deal list `GET /api/v1/deals/`, a partner manager seeing "
            f"{lst['visible_deals']} deals",
            f"{_ms(lst['api'])} (ratio p95 {lst['p95_ratio']:.2f})",
            f"p95 < {t['list_p95_ms']} ms, ≤ {t['list_ratio_max']}x bare",
            lst["api"]["p95_ms"] < t["list_p95_ms"] and lst["p95_ratio"] <= t["list_ratio_max"],
        ),
    ]
    lines = [
        f"## (h) Deal registration, {h['deals']:,} deals in the tenant",
        "",
        "| figure | p50 / p95 / p99 ms | target | |",
        "|---|---:|---|---|",
    ]
    lines += [f"| {what} | {value} | {target} | {_holds(ok)} |" for what, value, target, ok in rows]
    levels = tp["levels"]
    lines += [
        "",
        f"gunicorn with {h['workers']} sync workers for each server; the API's registrations "
        "are `POST /api/v1/deals/` (a draft on a fresh account the partner looked up, one "
        "product line) then `POST /api/v1/deals/{id}/submit/`, by partner users of 8 "
        "Gold/Platinum partners. At the constant rate: create "
        f"{_ms(rate['create'])} ms, submit {_ms(rate['submit'])} ms (each from its own "
        f"start); answers {rate['statuses']}.",
        "",
        "| closed-loop clients | "
        + " | ".join(str(r["concurrency"]) for r in levels["api"])
        + " |",
        "|---|" + "---:|" * len(levels["api"]),
        "| API registrations/s (p95 ms) | "
        + " | ".join(f"{r['per_second']:.1f} ({r['p95_ms']:.0f})" for r in levels["api"])
        + " |",
        "| bare views registrations/s (p95 ms) | "
        + " | ".join(f"{r['per_second']:.1f} ({r['p95_ms']:.0f})" for r in levels["bare"])
        + " |",
        "",
        "Bare views (bench/bare_deals.py, no DRF, no tenancy middleware, no services): the "
        "same deal, line and history inserts, the account tree's lock and the same conflict "
        f"query (`deal_conflicts`). Answers: API {tp['statuses']['api']}, bare "
        f"{tp['statuses']['bare']}.",
        "",
        f"Decisions: {dec['samples']} sequential submits (services, in process) on "
        f"conflict-free accounts, {dec['workers']} workers; outcomes {dec['outcomes']}; "
        f"from the committed submit {_ms(dec['after_commit'])} ms; no-op task round trip "
        f"(baseline) {_ms(dec['baseline_task'])} ms.",
        "",
        f"Conflict check: {con['with_conflicts']} of {con['samples']} with conflicts found; "
        f"its fuzzy-duplicate lookup (`account_candidates`) {_ms(con['duplicate_lookup'])} "
        f"ms, {con['lookup_share'] * 100:.0f}% of its time; baseline (an indexed SELECT of "
        f"the account's other active registrations) {_ms(con['baseline'])} ms.",
        "",
        f"Deal list: {lst['requests']} requests each, alternately first, one client, as "
        f"{lst['viewer']}; bare view of the partner's deals by partner id alone (the same "
        f"page of 50, their lines, and the count) {_ms(lst['bare'])} ms; ratio p50 "
        f"{lst['p50_ratio']:.2f}, p95 {lst['p95_ratio']:.2f}.",
        "",
        *failed,
    ]
    return lines


def _mdf(i: dict) -> list[str]:
    target = i["target_p95_ms"]
    lines = [
        f"## (i) MDF funds, payouts and ROI, {i['claims']:,} claims and {i['deals']:,} deals "
        "in the tenant",
        "",
        f"As {i['viewer']} (a channel manager with the largest territory: "
        f"{i['partners_seen']:,} of {i['partners']:,} partners), in process: the API through "
        "the Django test client with the tenant's host, `roi_rows` called directly (a fresh "
        "user each call, so its scope is read each time); baseline: the same figures by one "
        f"raw SQL query, alternately first, {i['samples']} calls each. Tenant: "
        f"{i['funds']:,} funds, {i['payouts']:,} payouts, {i['attributions']:,} attributed "
        "deals.",
        "",
        "| figure | rows (of) | queries | app p50 / p95 / p99 ms "
        f"| one SQL query p50 / p95 / p99 ms | ratio p95 | p95 < {target} ms |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for label, f in i["figures"].items():
        lines.append(
            f"| {label} | {f['rows']} ({f['total']:,}) | {f['queries']} | {_ms(f['app'])} "
            f"| {_ms(f['sql'])} | {f['p95_ratio']:.2f} | {_holds(f['app']['p95_ms'] < target)} |"
        )
    lines += ["", f"Pages: {i['pages']}; rows (of) for a page are its baseline's.", ""]
    return lines
