"""(f) The account lookup with 1,000,000 accounts in tenant "bench": the seeded evaluation
set of deals.evaluation (variant rules labelled one by one, each query knowing its account
or none), its figures per rule beside a naive pg_trgm baseline, and the latency of both.

Quality and the in-process latency call the selector (``deals.selectors.account_lookup``)
and the baseline's SQL in this process, query by query, alternately. The HTTP latency goes
through gunicorn (``GET /api/v1/accounts/lookup/``) with the per-user lookup budget raised
by ``PRM_ACCOUNT_LOOKUP_RATE`` for the server (default unchanged), beside ``GET
/api/v1/me/`` (the same user, authentication and tenancy, no lookup) in the same run."""

from __future__ import annotations

import http.client
import json
import time
import urllib.parse
from dataclasses import asdict

from bench.harness import api_token, manage, p50_p95_p99, start_gunicorn, stop_process

PORT = 18107
HOST = "bench.localhost"
SEED = 2026
BASELINE_INDEX = "bench_account_raw_name_trgm"


def ensure_bench_tenant(accounts: int) -> None:
    """Tenant "bench" with at least ``accounts`` accounts and the scope scenario's 5,000
    partners and 50,000 users (seed_scale is additive: only what is missing is added)."""
    from django_tenants.utils import schema_context

    from deals.models import CustomerAccount
    from partners.models import Partner
    from prm.tenancy.models import Vendor

    have_accounts = have_partners = 0
    if Vendor.objects.filter(schema_name="bench").exists():
        with schema_context("bench"):
            have_partners = Partner.objects.count()
            have_accounts = CustomerAccount.objects.count()
    args = []
    if have_partners < 5000:
        args += ["--partners", str(5000 - have_partners), "--users", "50000"]
    if have_accounts < accounts:
        args += ["--accounts", str(accounts - have_accounts)]
    if args:
        manage("seed_scale", "--tenant", "bench", *args)
    with schema_context("bench"):
        from django.db import connection

        with connection.cursor() as cursor:
            table = CustomerAccount._meta.db_table
            cursor.execute(f"ANALYZE {table}; ANALYZE deals_accountdomain")


def partner_users(count: int) -> list[str]:
    """E-mail addresses of ``count`` active partner users of ``count`` different partners
    of the bench tenant (the scale data's)."""
    from django_tenants.utils import schema_context

    from partners.models import PartnerMembership
    from prm.users.models import Role

    emails: dict[int, str] = {}
    with schema_context("bench"):
        rows = (
            PartnerMembership.objects.filter(
                user__role=Role.PARTNER_USER,
                user__is_active=True,
                user__email__endswith="-scale.example",
            )
            .order_by("partner_id", "user_id")
            .values_list("partner_id", "user__email")
        )
        for partner_id, email in rows.iterator():
            emails.setdefault(partner_id, email)
            if len(emails) == count:
                break
    assert len(emails) == count, f"only {len(emails)} partners with partner users"
    return list(emails.values())


def _get(path: str, headers: dict[str, str]) -> tuple[int, float]:
    started = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
    conn.request("GET", path, headers={"Host": HOST, **headers})
    response = conn.getresponse()
    response.read()
    conn.close()
    return response.status, time.perf_counter() - started


def run(accounts: int, per_rule: int) -> dict:
    from django.db import connection
    from django_tenants.utils import schema_context

    from deals import evaluation
    from deals.models import CustomerAccount
    from deals.selectors import account_lookup
    from prm.users.models import User

    ensure_bench_tenant(accounts)
    [email] = partner_users(1)
    with schema_context("bench"):
        table = CustomerAccount._meta.db_table
        with connection.cursor() as cursor:  # the baseline's own index, bench tenant only
            cursor.execute(
                f"CREATE INDEX IF NOT EXISTS {BASELINE_INDEX} ON {table} "
                "USING gin (name gin_trgm_ops)"
            )
        total = CustomerAccount.objects.count()
        started = time.perf_counter()
        queries = evaluation.generate(seed=SEED, per_rule=per_rule)
        generated_s = time.perf_counter() - started
        actor = User.objects.get(email=email)

        def ours(q: evaluation.Query) -> evaluation.Answer:
            answer = account_lookup(actor, q=q.q, domain=q.domain, country=q.country)
            return evaluation.lookup_answer(answer)

        for q in queries[:: max(1, len(queries) // 100)]:  # warm-up
            ours(q)
            evaluation.baseline_lookup(q)
        answers: list[evaluation.Answer] = []
        baseline: list[evaluation.Answer] = []
        for i, q in enumerate(queries):  # alternately first, so neither warms the other
            pair = [(ours, answers), (evaluation.baseline_lookup, baseline)]
            for lookup, into in pair if i % 2 else reversed(pair):
                began = time.perf_counter()
                answer = lookup(q)
                answer.ms = (time.perf_counter() - began) * 1000
                into.append(answer)
        per_rule_ours = evaluation.figures(queries, answers)
        per_rule_base = evaluation.figures(queries, baseline)

    http_figures = _http_latency(email, queries)
    return {
        "accounts": total,
        "queries": len(queries),
        "per_rule_requested": per_rule,
        "seed": SEED,
        "generated_s": generated_s,
        "user": email,
        "rules": {
            rule: {
                "family": evaluation.RULES[rule],
                "lookup": asdict(per_rule_ours[rule]),
                "baseline": asdict(per_rule_base[rule]),
            }
            for rule in evaluation.RULES
            if rule in per_rule_ours
        },
        "summary": {
            "lookup": evaluation.summary(per_rule_ours),
            "baseline": evaluation.summary(per_rule_base),
        },
        "targets": {
            "false_match_max": evaluation.FALSE_MATCH_TARGET,
            "recall_min": evaluation.RECALL_TARGETS,
            "p95_ms_max": 25,
        },
        "in_process": {
            "lookup": p50_p95_p99([a.ms / 1000 for a in answers]),
            "baseline": p50_p95_p99([a.ms / 1000 for a in baseline]),
        },
        "http": http_figures,
    }


def _http_latency(email: str, queries: list) -> dict:
    """Every query once through gunicorn (one client), each beside a GET of /api/v1/me/."""
    server = start_gunicorn(
        PORT, "prm.settings", workers=2, env={"PRM_ACCOUNT_LOOKUP_RATE": "1000000/m"}
    )
    try:
        headers = {"Authorization": f"Token {api_token(PORT, email, HOST)}"}
        paths = [
            "/api/v1/accounts/lookup/?"
            + urllib.parse.urlencode({"q": q.q, "domain": q.domain, "country": q.country})
            for q in queries
        ]
        for path in paths[:: max(1, len(paths) // 100)]:  # warm-up (both workers)
            _get(path, headers)
        lookups: list[float] = []
        mes: list[float] = []
        statuses: dict[str, int] = {}
        for path in paths:
            status, seconds = _get(path, headers)
            statuses[str(status)] = statuses.get(str(status), 0) + 1
            lookups.append(seconds)
            status, seconds = _get("/api/v1/me/", headers)
            assert status == 200, f"/api/v1/me/ answered {status}"
            mes.append(seconds)
        _, body = _sample(paths[0], headers)
    finally:
        stop_process(server)
    return {
        "lookup": p50_p95_p99(lookups),
        "baseline_me": p50_p95_p99(mes),
        "requests": len(lookups),
        "statuses": statuses,
        "sample_answer_keys": sorted(body),
        "workers": 2,
        "rate_setting": "PRM_ACCOUNT_LOOKUP_RATE=1000000/m",
    }


def _sample(path: str, headers: dict[str, str]) -> tuple[int, dict]:
    conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
    conn.request("GET", path, headers={"Host": HOST, **headers})
    response = conn.getresponse()
    body = json.loads(response.read() or b"{}")
    conn.close()
    return response.status, body
