"""The deal list's page (``GET /api/v1/deals/``) written from rows: the same JSON as
``deals.api.deals.DealOut`` (key for key, value for value: tests/deals/test_deal_list_rows.py
pins it), at a fraction of its cost.

Reading a page of 50 deals as model objects (the deal joined to its account, partner,
submitter, rejection reason, queue and dispute, their lines with products) and writing them
through the nested serializers was ~350 objects, a 7-table join whose planning alone took
longer than its execution, and 17.6 ms of serialization at 1,000,000 deals. Here the page is
one query of the deal's columns with its account's, partner's and submitter's names (a
4-table join over the page's rows) and whether it is disputed, then the lines with their
products, and the disputes, rejection reasons and earlier registrations the page names (only
when it names some); values are written by the serializer's own field classes, so their
formats (time zone, decimal places) cannot drift from the detail's."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db.models import Exists, F, OuterRef, QuerySet
from rest_framework import serializers

from deals.models import Deal, DealDispute, DealLine, DealStatus, RejectionReason
from prm.money import DECIMAL_PLACES, MAX_DIGITS

# The deal's own columns the page writes (as DealOut's fields name them), then the names of
# its account, partner and submitter.
COLUMNS = (
    "id",
    "name",
    "account_id",
    "partner_id",
    "submitter_id",
    "status",
    "description",
    "campaign_code",
    "currency",
    "amount",
    "expected_close_date",
    "created_at",
    "registered_at",
    "submissions",
    "decided_at",
    "rejection_reason_id",
    "decision_note",
    "protected_until",
    "extensions",
    "queued_behind_id",
    "conflict_count",
    "closed_on",
    "final_amount",
    "lost_reason",
)
NAMES = {
    "account_name": F("account__name"),
    "partner_name": F("partner__display_name"),
    "submitter_email": F("submitter__email"),
}


class PageRows:
    """``deals`` (scoped, filtered, ordered) for the paginator: counted alone (no join),
    a page of them read as the rows ``deal_page`` writes."""

    ordered = True

    def __init__(self, deals: QuerySet[Deal]):
        self.deals = deals

    def count(self) -> int:
        return self.deals.count()

    def __getitem__(self, page: slice) -> list[dict[str, Any]]:
        disputed = Exists(DealDispute.objects.filter(deal=OuterRef("pk")))
        return list(self.deals.values(*COLUMNS, **NAMES, disputed=disputed)[page])


def deal_page(rows: Sequence[dict[str, Any]], *, now: datetime | None) -> list[dict[str, Any]]:
    """The page's deals as DealOut writes them (``now``: its ``protection_days_left``)."""
    from deals.api.deals import DisputeOut  # the detail's own, for the rare disputed deal

    if not rows:
        return []
    # The request's time zone read once (a DateTimeField reads it for every value).
    zone = serializers.DateTimeField().default_timezone()
    when = serializers.DateTimeField(default_timezone=zone).to_representation
    day = serializers.DateField().to_representation
    money = serializers.DecimalField(MAX_DIGITS, DECIMAL_PLACES).to_representation
    labels = dict(Deal._meta.get_field("status").flatchoices)
    ids = [row["id"] for row in rows]

    lines: dict[int, list[dict[str, Any]]] = {pk: [] for pk in ids}
    for line in (
        DealLine.objects.filter(deal_id__in=ids)
        .order_by(*DealLine._meta.ordering)
        .values_list(
            "deal_id",
            "id",
            "product_id",
            "product__sku",
            "product__name",
            "quantity",
            "unit_price",
            "amount",
        )
    ):
        deal_id, pk, product, sku, name, quantity, unit_price, amount = line
        lines[deal_id].append(
            {
                "id": pk,
                "product": {"id": product, "sku": sku, "name": name},
                "quantity": quantity,
                "unit_price": money(unit_price),
                "amount": money(amount),
            }
        )
    disputed = [row["id"] for row in rows if row["disputed"]]
    disputes = (
        {
            d.deal_id: dict(DisputeOut(d).data)
            for d in DealDispute.objects.filter(deal_id__in=disputed)
        }
        if disputed
        else {}
    )
    reason_ids = {row["rejection_reason_id"] for row in rows} - {None}
    reasons = (
        {
            pk: {"code": code, "label": label}
            for pk, code, label in RejectionReason.objects.filter(pk__in=reason_ids).values_list(
                "pk", "code", "label"
            )
        }
        if reason_ids
        else {}
    )
    earlier_ids = {row["queued_behind_id"] for row in rows} - {None}
    earlier = (
        dict(Deal.objects.filter(pk__in=earlier_ids).values_list("pk", "protected_until"))
        if earlier_ids
        else {}
    )

    page = []
    for row in rows:
        status, protected = row["status"], row["protected_until"]
        queued_behind = row["queued_behind_id"]
        until = earlier.get(queued_behind) if queued_behind is not None else None
        reason = row["rejection_reason_id"]
        final = row["final_amount"]
        page.append(
            {
                "id": row["id"],
                "name": row["name"],
                "account": {"id": row["account_id"], "name": row["account_name"]},
                "partner": {"id": row["partner_id"], "name": row["partner_name"]},
                "submitter": {"id": row["submitter_id"], "name": row["submitter_email"]},
                "status": status,
                "status_label": str(labels.get(status, status)),
                "description": row["description"],
                "campaign_code": row["campaign_code"],
                "currency": row["currency"],
                "amount": money(row["amount"]),
                "lines": lines[row["id"]],
                "expected_close_date": day(row["expected_close_date"]),
                "created_at": when(row["created_at"]),
                "registered_at": when(row["registered_at"]),
                "submissions": row["submissions"],
                "decided_at": when(row["decided_at"]),
                "rejection_reason": None if reason is None else reasons[reason],
                "decision_note": row["decision_note"],
                "protected_until": when(protected),
                "protection_days_left": max((protected - now).days, 0)
                if status == DealStatus.APPROVED and protected is not None and now is not None
                else None,
                "extensions": row["extensions"],
                "queued": queued_behind is not None,
                "queued_until": when(until) if until is not None else None,
                "conflict_count": row["conflict_count"],
                "closed_on": day(row["closed_on"]),
                "final_amount": None if final is None else money(final),
                "lost_reason": row["lost_reason"],
                "dispute": disputes.get(row["id"]),
            }
        )
    return page
