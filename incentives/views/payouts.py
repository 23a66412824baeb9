"""The payouts page: partners see what is owed and paid to them; finance approves payouts
for payment, exports them as a batch for accounts payable (its CSV file), marks them paid
with the payment's reference in bulk, or applies the bank's confirmation file; every list
downloads as CSV. Reads through incentives.scope, writes through incentives.payouts."""

from __future__ import annotations

import datetime as dt

import tablib
from django.contrib import messages
from django.db.models import Count, QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.views.decorators.http import require_POST

from incentives import payouts as services
from incentives import scope
from incentives.models import Payout, PayoutBatch, PayoutStatus
from partners.views._common import requires
from prm.errors import Invalid
from prm.exports import csv_text
from prm.permissions import can
from prm.portal.views import PortalRequest, service_errors

S = PayoutStatus
LIST_LIMIT = 100  # the latest; the CSV download has every one


# What the list and its CSV show of each payout's partner, claim, batch and payee: their
# other columns (a claim's and a request's dozens) are not read for 100 rows.
SHOWN = (
    *(f.name for f in Payout._meta.concrete_fields),
    "partner__display_name",
    "claim__request__title",
    "batch__id",
    "payee__full_name",
    "payee__email",
)


def _payouts(request: PortalRequest) -> QuerySet[Payout]:
    rows = (
        scope.payouts_visible_to(request.user)
        .select_related("partner", "claim__request", "batch", "payee")
        .only(*SHOWN)
    )
    status = request.GET.get("status", "")
    if status in S.values:
        rows = rows.filter(status=status)
    return rows.order_by("-created_at", "-id")


@requires("mdf.view")
def payout_list(request: PortalRequest) -> HttpResponse:
    rows = _payouts(request)
    if request.GET.get("format") == "csv":
        return _csv(rows)
    finance = can(request.user, "mdf.pay")
    batches: list[PayoutBatch] = []
    if finance:
        batches = list(
            PayoutBatch.objects.annotate(size=Count("payouts")).order_by("-created_at", "-id")[:8]
        )
    context = {
        "payouts": rows[:LIST_LIMIT],
        "count": rows.count(),
        "limit": LIST_LIMIT,
        "statuses": S.choices,
        "status": request.GET.get("status", ""),
        "finance": finance,
        "batches": batches,
        "today": dt.date.today().isoformat(),
    }
    return render(request, "incentives/payout_list.html", context)


def _csv(rows: QuerySet[Payout]) -> HttpResponse:
    data = tablib.Dataset(
        headers=[
            "Payout",
            "Partner",
            "For",
            "Amount",
            "Currency",
            "Status",
            "Batch",
            "Payment reference",
            "Paid on",
        ]
    )
    for p in rows[:50000]:
        data.append(
            [
                p.number,
                p.partner.display_name,
                p.about,
                f"{p.amount:.2f}",
                p.currency,
                p.get_status_display(),
                p.batch.number if p.batch else "",
                p.payment_reference,
                p.paid_on.isoformat() if p.paid_on else "",
            ]
        )
    response = HttpResponse(csv_text(data), content_type="text/csv")
    response["Content-Disposition"] = 'attachment; filename="payouts.csv"'
    return response


def _chosen(request: PortalRequest) -> list[Payout]:
    ids = [i for i in request.POST.getlist("payouts") if i.isdigit()]
    chosen = list(scope.payouts_visible_to(request.user).filter(pk__in=ids))
    if not chosen or len(chosen) != len(set(ids)):
        raise Invalid({"payouts": ["Tick the payouts first."]})
    return chosen


@requires("mdf.pay")
@require_POST
def payout_bulk(request: PortalRequest) -> HttpResponse:
    action = request.POST.get("action")
    back = redirect(f"{reverse('mdf-payouts')}?{request.GET.urlencode()}")
    with service_errors(request):
        chosen = _chosen(request)
        if action == "approve":
            services.payouts_approve(actor=request.user, payouts=chosen)
            messages.success(request, f"{len(chosen)} payout(s) approved for payment.")
        elif action == "export":
            batch = services.payouts_export(actor=request.user, payouts=chosen)
            messages.success(
                request,
                f"Batch {batch.number} with {len(chosen)} payout(s) is ready: download its file "
                "below for accounts payable.",
            )
        elif action == "paid":
            paid_on = request.POST.get("paid_on") or None
            day = dt.date.fromisoformat(paid_on) if paid_on else None
            services.payouts_mark_paid(
                actor=request.user,
                payouts=chosen,
                reference=request.POST.get("payment_reference", ""),
                paid_on=day,
            )
            messages.success(request, f"{len(chosen)} payout(s) marked paid.")
        else:
            raise Invalid({"action": ["Choose what to do with the payouts."]})
    return back


@requires("mdf.pay")
def batch_file(request: PortalRequest, batch_id: int) -> HttpResponse:
    visible = scope.payouts_visible_to(request.user)
    batch = PayoutBatch.objects.filter(pk=batch_id, payouts__in=visible).distinct().first()
    if batch is None:
        raise Http404
    response = HttpResponse(services.batch_csv(batch), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="payments-{batch.number}.csv"'
    return response


@requires("mdf.pay")
@require_POST
def payout_confirm(request: PortalRequest) -> HttpResponse:
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, "Choose the bank's payment confirmation file (CSV).")
        return redirect("mdf-payouts")
    try:
        text = upload.read(5 * 1024 * 1024).decode("utf-8-sig")
    except UnicodeDecodeError:
        messages.error(request, f"{upload.name} is not a CSV file in UTF-8.")
        return redirect("mdf-payouts")
    with service_errors(request) as outcome:
        report = services.payouts_confirm(
            actor=request.user, text=text, visible=scope.payouts_visible_to(request.user)
        )
    if outcome.failed:
        return redirect("mdf-payouts")
    if report.errors:
        messages.error(
            request,
            "Nothing was applied: "
            + "; ".join(f"row {n}: {detail}" for n, detail in report.errors[:10])
            + (" …" if len(report.errors) > 10 else ""),
        )
    else:
        messages.success(request, f"Applied: {report.paid} payout(s) paid, {report.failed} failed.")
    return redirect("mdf-payouts")


urlpatterns: list[URLPattern] = [
    path("funds/payouts/", payout_list, name="mdf-payouts"),
    path("funds/payouts/bulk/", payout_bulk, name="mdf-payouts-bulk"),
    path("funds/payouts/confirmations/", payout_confirm, name="mdf-payouts-confirm"),
    path("funds/payouts/batches/<int:batch_id>.csv", batch_file, name="mdf-payout-batch"),
]
