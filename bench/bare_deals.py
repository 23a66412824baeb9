"""Bare Django views of the deals scenario (bench/scenarios/deals.py), served by the
no-tenancy baseline server (bench/settings_notenant.py with ``PRM_BENCH_SCHEMA=bench``):
no DRF, no tenancy middleware, no services. They run the SQL the API's registration runs
at its core, so the API's throughput can be read against it:

- create: the deal's insert (and its history row), its one product line, the amount;
- submit: the deal locked, the customer's account tree locked top first
  (``_lock_account_line``), the conflict query (``deal_conflicts``, the same reads as the
  service's), the status, registration time and conflicts written;
- list: a partner's deals by partner id alone (no scope), the API's page (50 newest, their
  lines and products) and count, as JSON built by hand.

Authentication is one token -> user query, as ``bare_me``'s. Nothing else the API does
(eligibility, vendor-owned and hoarding checks, the naming rule, audit reasons, the event
and its workflows, DRF parsing and serializers) is here."""

from __future__ import annotations

import json
from decimal import Decimal

from django.db import transaction
from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from deals.conflicts import deal_conflicts
from deals.models import (
    Deal,
    DealConflict,
    DealLine,
    DealPolicy,
    DealStatus,
    ReservationPolicy,
)
from deals.services._common import _lock_account_line, server_now
from prm.users.models import User

PAGE = 50  # the API's page size (REST_FRAMEWORK PAGE_SIZE)


def _user(request: HttpRequest) -> User | None:
    key = request.headers.get("Authorization", "").removeprefix("Token ")
    return (
        User.objects.filter(auth_token__key=key, is_active=True)
        .select_related("partner_membership")
        .first()
    )


def _denied() -> JsonResponse:
    return JsonResponse({"code": "not_authenticated"}, status=401)


@csrf_exempt
def bare_deal_create(request: HttpRequest) -> JsonResponse:
    user = _user(request)
    if user is None:
        return _denied()
    body = json.loads(request.body)
    with transaction.atomic():
        deal = Deal(
            account_id=body["account"],
            partner_id=user.partner_membership.partner_id,
            submitter=user,
            name=body["name"],
            currency=body["currency"],
            expected_close_date=body["expected_close_date"],
        )
        deal.save()
        lines = [
            DealLine(
                deal=deal,
                product_id=x["product"],
                quantity=x["quantity"],
                unit_price=Decimal(x["unit_price"]),
            )
            for x in body["lines"]
        ]
        DealLine.objects.bulk_create(lines)
        deal.amount = sum((x.quantity * x.unit_price for x in lines), Decimal(0))
        deal.save(update_fields=["amount"])
    return JsonResponse({"id": deal.pk, "status": deal.status}, status=201)


@csrf_exempt
def bare_deal_submit(request: HttpRequest, pk: int) -> JsonResponse:
    user = _user(request)
    if user is None:
        return _denied()
    with transaction.atomic():
        deal = (
            Deal.objects.select_for_update(of=("self",), no_key=True)
            .select_related("account")
            .get(pk=pk, partner_id=user.partner_membership.partner_id)
        )
        _lock_account_line(deal.account)
        lines = list(deal.lines.select_related("product__line"))
        found = deal_conflicts(
            deal,
            lines,
            now=server_now(),
            policy=DealPolicy.current(),
            tree=ReservationPolicy.current(),
        )
        deal.status = DealStatus.SUBMITTED
        deal.registered_at = server_now()
        deal.submissions += 1
        deal.conflicts.all().delete()
        DealConflict.objects.bulk_create(
            DealConflict(
                deal=deal,
                code=f.code,
                score=f.score,
                reasons=f.reasons,
                warning=f.warning,
                competing_deal=f.competing_deal,
                competing_reservation=f.competing_reservation,
                competing_account=f.competing_account,
                competing_partner_id=f.competing_partner_id,
            )
            for f in found
        )
        real = [f for f in found if not f.warning]
        deal.conflict_count = len(real)
        deal.conflict_score = max((f.score for f in real), default=0)
        deal.conflict_codes = sorted({f.code for f in real})
        deal.save(
            update_fields=[
                "status",
                "registered_at",
                "submissions",
                "updated_at",
                "conflict_count",
                "conflict_score",
                "conflict_codes",
            ]
        )
    return JsonResponse({"id": deal.pk, "status": deal.status, "conflicts": len(real)})


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def _deal_json(deal: Deal) -> dict:
    reason = deal.rejection_reason
    return {
        "id": deal.pk,
        "name": deal.name,
        "account": {"id": deal.account_id, "name": deal.account.name},
        "partner": {"id": deal.partner_id, "name": deal.partner.display_name},
        "submitter": {"id": deal.submitter_id, "name": deal.submitter.email}
        if deal.submitter_id
        else None,
        "status": deal.status,
        "status_label": deal.get_status_display(),
        "description": deal.description,
        "campaign_code": deal.campaign_code,
        "currency": deal.currency,
        "amount": str(deal.amount),
        "lines": [
            {
                "id": line.pk,
                "product": {
                    "id": line.product_id,
                    "sku": line.product.sku,
                    "name": line.product.name,
                },
                "quantity": line.quantity,
                "unit_price": str(line.unit_price),
                "amount": str(line.quantity * line.unit_price),
            }
            for line in deal.lines.all()
        ],
        "expected_close_date": _iso(deal.expected_close_date),
        "created_at": _iso(deal.created_at),
        "registered_at": _iso(deal.registered_at),
        "submissions": deal.submissions,
        "decided_at": _iso(deal.decided_at),
        "rejection_reason": {
            "code": reason.code,
            "label": reason.label,
        }
        if reason is not None
        else None,
        "decision_note": deal.decision_note,
        "protected_until": _iso(deal.protected_until),
        "extensions": deal.extensions,
        "queued": deal.queued_behind_id is not None,
        "conflict_count": deal.conflict_count,
        "closed_on": _iso(deal.closed_on),
        "final_amount": None if deal.final_amount is None else str(deal.final_amount),
        "lost_reason": deal.lost_reason,
    }


def bare_deal_list(request: HttpRequest) -> JsonResponse:
    """The partner's deals by ``?partner=<id>`` alone: the newest page and the count."""
    if _user(request) is None:
        return _denied()
    deals = Deal.objects.filter(partner_id=int(request.GET["partner"]))
    page = list(
        deals.select_related("account", "partner", "submitter", "rejection_reason")
        .prefetch_related("lines__product")
        .order_by("-created_at", "-id")[:PAGE]
    )
    return JsonResponse({"count": deals.count(), "results": [_deal_json(d) for d in page]})


urlpatterns = [
    path("bench/bare/deals/", bare_deal_create),
    path("bench/bare/deals/<int:pk>/submit/", bare_deal_submit),
    path("bench/bare/deal-list/", bare_deal_list),
]
