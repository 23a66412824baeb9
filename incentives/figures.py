"""Keeping each activity's ROI figures (``ActivityFigures``) equal to what its claims and
attributed deals say, recomputed for the activities a change touches, in the transaction
of the change: two statements whatever their number. Callers: a request's approval and
cancellation (incentives.requests), claim approvals (incentives.claims), attributions
(incentives.roi), the outbox handler of deal events (``deal_changed``), a new exchange
rate (incentives.rates), the demo and the scale data (all activities)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import connection
from django.utils import timezone

from incentives.models import Attribution
from prm.outbox.models import Event
from prm.tenancy.context import current_tenant

# Registered and not lost: what counts as an attributed deal's pipeline (incentives.roi).
PIPELINE = ("submitted", "under_review", "info_requested", "approved", "won")

# Deals in another currency than their activity's count converted at the rates in force
# today: rate(deal's currency) / rate(activity's currency), with the tenant's own currency
# at 1 (incentives.rates does the same for single amounts); a deal whose currency (or whose
# activity's) has no rate stays out, counted in ``other_currency_deals``.
REFRESH = """
WITH rates AS (
    SELECT %(home)s::varchar AS currency, 1::numeric AS rate
    UNION ALL
    (SELECT DISTINCT ON (currency) currency, rate
     FROM incentives_exchangerate
     WHERE effective_from <= %(today)s AND currency <> %(home)s
     ORDER BY currency, effective_from DESC)
)
INSERT INTO incentives_activityfigures AS f (
    request_id, fund_id, partner_id, program_id, currency, spend, leads, sourced_pipeline,
    influenced_pipeline, sourced_won, influenced_won, sourced_deals, influenced_deals,
    other_currency_deals, updated_at
)
SELECT r.id, r.fund_id, r.partner_id, fu.program_id, r.currency,
       COALESCE(c.spend, 0), COALESCE(c.leads, 0),
       COALESCE(a.sourced_pipeline, 0), COALESCE(a.influenced_pipeline, 0),
       COALESCE(a.sourced_won, 0), COALESCE(a.influenced_won, 0),
       COALESCE(a.sourced_deals, 0), COALESCE(a.influenced_deals, 0),
       COALESCE(a.other_currency_deals, 0), now()
FROM incentives_mdfrequest r
JOIN incentives_fund fu ON fu.id = r.fund_id
LEFT JOIN (
    SELECT request_id, SUM(approved_amount) AS spend, SUM(leads) AS leads
    FROM incentives_mdfclaim
    WHERE status = 'approved' {claims_filter}
    GROUP BY request_id
) c ON c.request_id = r.id
LEFT JOIN (
    SELECT t.request_id,
        SUM(x.amount) FILTER (WHERE t.kind = 'sourced' AND known) AS sourced_pipeline,
        SUM(x.amount) FILTER (WHERE t.kind = 'influenced' AND known) AS influenced_pipeline,
        SUM(x.amount) FILTER (WHERE t.kind = 'sourced' AND known AND won) AS sourced_won,
        SUM(x.amount) FILTER (WHERE t.kind = 'influenced' AND known AND won) AS influenced_won,
        COUNT(*) FILTER (WHERE t.kind = 'sourced' AND known) AS sourced_deals,
        COUNT(*) FILTER (WHERE t.kind = 'influenced' AND known) AS influenced_deals,
        COUNT(*) FILTER (WHERE NOT known) AS other_currency_deals
    FROM incentives_attribution t
    JOIN incentives_mdfrequest q ON q.id = t.request_id
    JOIN deals_deal d ON d.id = t.deal_id
    LEFT JOIN rates ra ON ra.currency = d.currency AND d.currency <> q.currency
    LEFT JOIN rates rb ON rb.currency = q.currency AND d.currency <> q.currency,
    LATERAL (SELECT
        CASE WHEN d.currency = q.currency THEN d.amount
             ELSE ROUND(d.amount * ra.rate / rb.rate, 2) END AS amount,
        d.status = 'won' AS won) x,
    LATERAL (SELECT x.amount IS NOT NULL AS known) k
    WHERE d.status = ANY(%(pipeline)s) {attributions_filter}
    GROUP BY t.request_id
) a ON a.request_id = r.id
WHERE r.status = 'approved' {requests_filter}
ON CONFLICT (request_id) DO UPDATE SET
    fund_id = EXCLUDED.fund_id, partner_id = EXCLUDED.partner_id,
    program_id = EXCLUDED.program_id, currency = EXCLUDED.currency,
    spend = EXCLUDED.spend, leads = EXCLUDED.leads,
    sourced_pipeline = EXCLUDED.sourced_pipeline,
    influenced_pipeline = EXCLUDED.influenced_pipeline,
    sourced_won = EXCLUDED.sourced_won, influenced_won = EXCLUDED.influenced_won,
    sourced_deals = EXCLUDED.sourced_deals, influenced_deals = EXCLUDED.influenced_deals,
    other_currency_deals = EXCLUDED.other_currency_deals, updated_at = EXCLUDED.updated_at
"""

# An activity no longer approved (a cancelled request) has no figures.
FORGET = """
DELETE FROM incentives_activityfigures f USING incentives_mdfrequest r
WHERE r.id = f.request_id AND r.status <> 'approved' {requests_filter}
"""


def figures_refresh(request_ids: Iterable[int] | None = None) -> None:
    """Recompute the figures of the given activities (None: every one): a row for each one
    approved, none for the others. Runs in the caller's transaction."""
    params: dict[str, Any] = {
        "pipeline": list(PIPELINE),
        "home": current_tenant().currency,
        "today": timezone.localdate(),
    }
    if request_ids is None:
        filters = {"claims_filter": "", "attributions_filter": "", "requests_filter": ""}
    else:
        ids = sorted({int(pk) for pk in request_ids})
        if not ids:
            return
        params["ids"] = ids
        filters = {
            "claims_filter": "AND request_id = ANY(%(ids)s)",
            "attributions_filter": "AND t.request_id = ANY(%(ids)s)",
            "requests_filter": "AND r.id = ANY(%(ids)s)",
        }
    with connection.cursor() as cursor:
        cursor.execute(FORGET.format(**filters), params)
        cursor.execute(REFRESH.format(**filters), params)


def deal_changed(event: Event) -> None:
    """Outbox handler of every event: a deal's status or amount changed, so the figures of
    the activities it is attributed to are recomputed (idempotent: run twice, same rows)."""
    if event.object_type != "deal":
        return
    ids = Attribution.objects.filter(deal_id=event.object_id).values_list("request_id", flat=True)
    figures_refresh(list(ids))
