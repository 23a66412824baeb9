"""(i) MDF at scale: the funds list, the payouts list and the ROI figures for the channel
manager with the most partners in his territory, with 5,000 partners, 50,000 claims and
1,000,000 deals in tenant "bench" (the scale MDF data of ``incentives.scale``, added once:
``seed_scale --claims``).

Each figure is measured in process, as that channel manager: the API through the Django
test client with the tenant's host (authentication, tenancy middleware, DRF, scope,
serializers, pagination), the portal's funds, payouts and ROI pages the same way, and
``incentives.roi.roi_rows`` called directly; beside each, the
same figures computed by one raw SQL query (the same rows of the same partners, the first
page and its count), alternately first, in the same run."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from bench.harness import manage, p50_p95_p99

HOST = "bench.localhost"
CLAIMS = 50_000
DEALS = 1_000_000
TARGET_P95_MS = 150

# The partners in the channel manager's scope, as partners.scope computes it for him: the
# territories under the units he manages, the units he is a member of, the partners he is
# the channel manager of, and the partners granted to him.
SCOPED_PARTNERS = """
    SELECT pa.id FROM partners_partner pa
    LEFT JOIN partners_orgunit t ON t.id = pa.territory_id
    WHERE t.path LIKE ANY(%(subtrees)s) OR pa.territory_id = ANY(%(units)s)
       OR pa.channel_manager_id = %(user)s
       OR pa.id IN (SELECT g.content_object_id FROM partners_partneruserobjectpermission g
                    JOIN auth_permission ap ON ap.id = g.permission_id
                    WHERE g.user_id = %(user)s AND ap.codename = 'view_partner')
"""
FUNDS_SQL = f"""
    SELECT f.id, p.id, p.name, pa.id, pa.display_name, p.currency, f.allocated, f.committed,
           f.payable, f.paid, f.allocated - f.committed - f.payable - f.paid,
           count(*) OVER ()
    FROM incentives_fund f
    JOIN incentives_mdfprogram p ON p.id = f.program_id
    LEFT JOIN partners_partner pa ON pa.id = f.partner_id
    WHERE f.partner_id IN ({SCOPED_PARTNERS})
    ORDER BY p.starts_on DESC, p.name, pa.display_name, f.id
    LIMIT 50
"""
PAYOUTS_SQL = f"""
    SELECT po.id, po.claim_id, pa.id, pa.display_name, p.id, p.name, po.currency, po.amount,
           po.status, b.id, po.payment_reference, po.paid_on, po.failure_reason,
           po.created_at, po.updated_at, count(*) OVER ()
    FROM incentives_payout po
    JOIN incentives_fund f ON f.id = po.fund_id
    JOIN incentives_mdfprogram p ON p.id = f.program_id
    JOIN partners_partner pa ON pa.id = po.partner_id
    LEFT JOIN incentives_payoutbatch b ON b.id = po.batch_id
    WHERE f.partner_id IN ({SCOPED_PARTNERS}) AND (%(status)s = '' OR po.status = %(status)s)
    ORDER BY po.created_at DESC, po.id DESC
    LIMIT %(limit)s
"""
# One statement for every ROI figure of the approved activities in scope, grouped by the
# program's or the partner's id: spend and leads from approved claims, pipeline and won
# revenue of the attributed deals in the activity's currency (sourced and influenced apart),
# the attributed deals in another currency, and the rows' names.
ROI_SQL = f"""
    WITH r AS (
        SELECT q.id, q.currency, f.program_id, q.partner_id, {{key}} AS k
        FROM incentives_mdfrequest q JOIN incentives_fund f ON f.id = q.fund_id
        WHERE q.status = 'approved' AND f.partner_id IN ({SCOPED_PARTNERS})
    ), c AS (
        SELECT r.k, sum(c.approved_amount) AS spend, sum(c.leads) AS leads
        FROM incentives_mdfclaim c JOIN r ON r.id = c.request_id
        WHERE c.status = 'approved' GROUP BY r.k
    ), d AS (
        SELECT r.k,
            sum(d.amount) FILTER (WHERE a.kind = 'sourced' AND d.currency = r.currency) AS sp,
            sum(d.amount) FILTER (WHERE a.kind = 'influenced' AND d.currency = r.currency) AS ip,
            sum(d.amount) FILTER (WHERE a.kind = 'sourced' AND d.currency = r.currency
                                  AND d.status = 'won') AS sw,
            sum(d.amount) FILTER (WHERE a.kind = 'influenced' AND d.currency = r.currency
                                  AND d.status = 'won') AS iw,
            count(*) FILTER (WHERE a.kind = 'sourced' AND d.currency = r.currency) AS sn,
            count(*) FILTER (WHERE a.kind = 'influenced' AND d.currency = r.currency) AS inn,
            count(*) FILTER (WHERE d.currency <> r.currency) AS other
        FROM incentives_attribution a JOIN r ON r.id = a.request_id
        JOIN deals_deal d ON d.id = a.deal_id
        WHERE d.status IN ('submitted', 'under_review', 'info_requested', 'approved', 'won')
        GROUP BY r.k
    ), n AS (SELECT DISTINCT r.k, {{label}} AS label, {{currency}} AS currency FROM r {{join}})
    SELECT n.k, n.label, n.currency, coalesce(c.spend, 0), coalesce(c.leads, 0),
           coalesce(d.sp, 0), coalesce(d.ip, 0), coalesce(d.sw, 0), coalesce(d.iw, 0),
           coalesce(d.sn, 0), coalesce(d.inn, 0), coalesce(d.other, 0)
    FROM n LEFT JOIN c ON c.k = n.k LEFT JOIN d ON d.k = n.k
    ORDER BY 4 DESC, 8 DESC, 2
"""
ROI_BY = {
    "program": {
        "key": "f.program_id",
        "label": "p.name",
        "currency": "p.currency",
        "join": "JOIN incentives_mdfprogram p ON p.id = r.k",
    },
    "partner": {
        "key": "q.partner_id",
        "label": "pa.display_name",
        "currency": "r.currency",
        "join": "JOIN partners_partner pa ON pa.id = r.k",
    },
}


def ensure_mdf() -> dict[str, int]:
    """The scale MDF data in tenant "bench" (the scope and lookup scenarios' partners,
    users and accounts, and the deals scenario's deals, first); returns what it holds."""
    from django.db import connection
    from django_tenants.utils import schema_context

    from bench.scenarios.lookup import ensure_bench_tenant
    from deals.models import Deal
    from incentives.models import Attribution, Fund, MdfClaim, Payout
    from incentives.scale import scale_present
    from partners.models import Partner

    ensure_bench_tenant(1_000_000)
    with schema_context("bench"):
        present, deals = scale_present(), Deal.objects.count()
    if deals < DEALS:  # the deals scenario's, if it has not run
        manage("seed_scale", "--tenant", "bench", "--deals", str(DEALS - deals))
    if not present:
        manage("seed_scale", "--tenant", "bench", "--claims", str(CLAIMS))
    with schema_context("bench"):
        with connection.cursor() as cursor:  # planner statistics of the deals joined
            cursor.execute("ANALYZE deals_deal")
        return {
            "partners": Partner.objects.count(),
            "deals": Deal.objects.count(),
            "funds": Fund.objects.count(),
            "claims": MdfClaim.objects.count(),
            "payouts": Payout.objects.count(),
            "attributions": Attribution.objects.count(),
        }


def busiest_channel_manager() -> tuple[Any, int]:
    """The channel manager who sees the most partners, and how many."""
    from partners.scope import partners_visible_to
    from prm.users.models import Role, User

    counts = [
        (partners_visible_to(user).count(), user.pk, user)
        for user in User.objects.filter(role=Role.CHANNEL_MANAGER, is_active=True)
    ]
    seen, _, user = max(counts, key=lambda c: (c[0], -c[1]))
    return User.objects.get(pk=user.pk), seen  # a fresh object: no scope cached


def _params(cam: Any, status: str = "", limit: int = 50) -> dict[str, Any]:
    from partners.scope import scope_of

    scope = scope_of(cam)
    return {
        "subtrees": [f"{p}%" for p in scope.unit_subtrees] or ["-"],
        "units": list(scope.unit_ids),
        "user": cam.pk,
        "status": status,
        "limit": limit,
    }


def _timed(calls: dict[str, Callable[[], Any]], samples: int) -> dict[str, dict]:
    """Each call ``samples`` times (after a warm-up), the calls taking turns at going
    first; their p50 / p95 / p99."""
    names = list(calls)
    times: dict[str, list[float]] = {name: [] for name in names}
    for name in names:
        for _ in range(5):
            calls[name]()
    for i in range(samples):
        order = names if i % 2 else names[::-1]
        for name in order:
            began = time.perf_counter()
            calls[name]()
            times[name].append(time.perf_counter() - began)
    return {name: p50_p95_p99(values) for name, values in times.items()}


def _queries(call: Callable[[], Any]) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        call()
    return len(captured.captured_queries)


def run(samples: int) -> dict:
    from django.db import connection
    from django.test import Client
    from django.urls import reverse
    from django_tenants.utils import schema_context

    from incentives.roi import roi_rows
    from incentives.views.payouts import LIST_LIMIT as PAGE_PAYOUTS

    held = ensure_mdf()
    with schema_context("bench"):
        cam, partners_seen = busiest_channel_manager()
        client = Client(HTTP_HOST=HOST)
        client.force_login(cam)

        def api(path: str) -> Callable[[], dict]:
            def call() -> dict:
                response = client.get(path)
                assert response.status_code == 200, f"{path}: {response.status_code}"
                return json.loads(response.content)

            return call

        def page(name: str, query: str = "") -> Callable[[], bytes]:
            path = reverse(name) + query

            def call() -> bytes:
                response = client.get(path)
                assert response.status_code == 200, f"{path}: {response.status_code}"
                return response.content

            return call

        def sql(statement: str, params: dict[str, Any]) -> Callable[[], list]:
            def call() -> list:
                with connection.cursor() as cursor:
                    cursor.execute(statement, params)
                    return cursor.fetchall()

            return call

        def roi(by: str) -> Callable[[], list]:
            def call() -> list:
                fresh = type(cam).objects.get(pk=cam.pk)  # each page load computes its scope
                return roi_rows(fresh, by=by)  # type: ignore[arg-type]

            return call

        figures: dict[str, tuple[Callable, Callable]] = {
            "funds list `GET /api/v1/mdf/funds/` (first page)": (
                api("/api/v1/mdf/funds/"),
                sql(FUNDS_SQL, _params(cam)),
            ),
            "payouts list `GET /api/v1/payouts/` (first page)": (
                api("/api/v1/payouts/"),
                sql(PAYOUTS_SQL, _params(cam)),
            ),
            "payouts list `GET /api/v1/payouts/?status=approved`": (
                api("/api/v1/payouts/?status=approved"),
                sql(PAYOUTS_SQL, _params(cam, "approved")),
            ),
            'ROI `roi_rows(cam, by="program")`': (
                roi("program"),
                sql(ROI_SQL.format(**ROI_BY["program"]), _params(cam)),
            ),
            'ROI `roi_rows(cam, by="partner")`': (
                roi("partner"),
                sql(ROI_SQL.format(**ROI_BY["partner"]), _params(cam)),
            ),
            "funds page `GET /funds/`": (page("funds"), sql(FUNDS_SQL, _params(cam))),
            f"payouts page `GET /funds/payouts/` ({PAGE_PAYOUTS} rows)": (
                page("mdf-payouts"),
                sql(PAYOUTS_SQL, _params(cam, limit=PAGE_PAYOUTS)),
            ),
            "ROI page `GET /funds/results/` (by program)": (
                page("mdf-roi"),
                sql(ROI_SQL.format(**ROI_BY["program"]), _params(cam)),
            ),
            "ROI page `GET /funds/results/?by=partner`": (
                page("mdf-roi", "?by=partner"),
                sql(ROI_SQL.format(**ROI_BY["partner"]), _params(cam)),
            ),
        }
        out: dict[str, Any] = {}
        for label, (ours, baseline) in figures.items():
            timed = _timed({"app": ours, "sql": baseline}, samples)
            first, raw = ours(), baseline()
            listed = "list" in label or "funds page" in label or "payouts page" in label
            out[label] = {
                "app": timed["app"],
                "sql": timed["sql"],
                "queries": _queries(ours),
                "rows": _rows(first) if not isinstance(first, bytes) else len(raw),
                "sql_rows": len(raw),
                "total": raw[0][-1] if raw and listed else len(raw),
                "p95_ratio": timed["app"]["p95_ms"] / timed["sql"]["p95_ms"],
            }
            if not isinstance(first, bytes):  # a page's HTML: its baseline's rows, not checked
                _check(label, first, raw)
    return {
        **held,
        "viewer": cam.email,
        "partners_seen": partners_seen,
        "samples": samples,
        "target_p95_ms": TARGET_P95_MS,
        "figures": out,
        "pages": "the portal's pages as rendered HTML (each beside the same baseline query as "
        "its API or roi_rows figure; their rows not compared)",
    }


def _rows(answer: Any) -> int:
    return len(answer["results"]) if isinstance(answer, dict) else len(answer)


def _check(label: str, ours: Any, raw: list) -> None:
    """The baseline computes the same figures: the same rows (ids of the page, or the ROI
    rows' keys and spend), so neither side is measured doing less."""
    if isinstance(ours, dict):
        assert ours["count"] == (raw[0][-1] if raw else 0), f"{label}: counts differ"
        assert [r["id"] for r in ours["results"]] == [r[0] for r in raw], f"{label}: rows differ"
    else:
        mine = {(r.key, r.spend, r.sourced_won, r.influenced_pipeline) for r in ours}
        theirs = {(r[0], r[3], r[7], r[6]) for r in raw}
        assert mine == theirs, f"{label}: figures differ"
