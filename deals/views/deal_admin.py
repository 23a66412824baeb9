"""Vendor pages of deal registrations: the deal list (saved views, filters, CSV, the
anti-hoarding figure), the deal policy with its back-test, the rejection reasons."""

from __future__ import annotations

from typing import Any

import tablib
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import URLPattern, URLResolver, path
from django.utils import timezone
from django.views.decorators.http import require_POST

from deals import services, vendor_deals
from deals.backtest import BUDGET_SECONDS, backtest
from deals.backtest import LIMIT as BACKTEST_LIMIT
from deals.models import Deal, DealPolicy, RejectionReason, ReservationPolicy
from deals.vendor_forms import DealFilterForm, DealPolicyForm, RejectionReasonForm
from partners.models import Partner
from partners.views._common import requires
from prm.exports import csv_text
from prm.permissions import can
from prm.portal.views import PortalRequest, service_errors

PAGE_SIZE = 50


def _listed(request: PortalRequest) -> tuple[DealFilterForm, Any, str]:
    """The filter form, the filtered deals (every saved view's base) and the saved view."""
    visible = vendor_deals.deal_list_queryset(request.user)
    regions, countries = vendor_deals.regions_of(visible)
    partners = Partner.objects.filter(pk__in=visible.values("partner")).order_by("display_name")
    form = DealFilterForm(request.GET, partners=partners, regions=regions, countries=countries)
    form.is_valid()  # a bad value is shown beside its filter, which then filters nothing
    rows = vendor_deals.filter_deals(visible, form.cleaned_data)
    view = request.GET.get("view", "")
    return form, rows, view if view in vendor_deals.VIEWS else ""


def _with_view(query: QueryDict, view: str) -> str:
    chosen = query.copy()
    chosen.pop("view", None)
    if view:
        chosen["view"] = view
    return chosen.urlencode()


def _without_page(params) -> str:
    """The list's query string without its page (the pager adds its own)."""
    kept = params.copy()
    kept.pop("page", None)
    return kept.urlencode()


@requires("deals.see_competitors")
def deal_registrations(request: PortalRequest) -> HttpResponse:
    now = timezone.now()
    form, rows, view = _listed(request)
    shown = vendor_deals.saved_view(rows, view, request.user, now)
    page = Paginator(shown, PAGE_SIZE).get_page(request.GET.get("page"))
    deals = list(page.object_list)
    for deal in deals:
        deal.url = vendor_deals.deal_url(deal.pk)  # type: ignore[attr-defined]  # for the template only
    counts = vendor_deals.view_counts(rows, request.user, now)
    tabs = [
        {
            "key": v.key,
            "label": v.label,
            "count": counts.get(v.key),
            "active": v.key == view,
            "query": _with_view(request.GET, v.key),
        }
        for v in vendor_deals.SAVED_VIEWS
    ]
    filtered = any(form.cleaned_data.get(name) for name in form.fields)
    context = {
        "form": form,
        "deals": deals,
        "total": page.paginator.count,
        "page": page,
        "page_query": _without_page(request.GET),
        "tabs": tabs,
        "view": vendor_deals.VIEWS[view],
        "filtered": filtered,
        "query": request.GET.urlencode(),
        "hoarding": vendor_deals.hoarding(vendor_deals.deal_list_queryset(request.user)),
        "can_configure": can(request.user, "deals.configure"),
        "now": now,
    }
    return render(request, "deals/deal_admin_list.html", context)


CSV_HEADERS = [
    "Opportunity",
    "Customer",
    "Country",
    "Region",
    "Partner",
    "Submitter",
    "Status",
    "Currency",
    "Amount",
    "Registered",
    "Expected close",
    "Conflicts",
    "Highest conflict score",
    "Protected until",
    "Decided",
]


def _day(moment) -> str:
    return timezone.localtime(moment).date().isoformat() if moment else ""


@requires("deals.see_competitors")
def deal_registrations_export(request: PortalRequest) -> HttpResponse:
    """The list as it is filtered and viewed, as CSV (every row, not only the page's)."""
    _, rows, view = _listed(request)
    shown = vendor_deals.saved_view(rows, view, request.user, timezone.now())
    data = tablib.Dataset(headers=CSV_HEADERS)
    for deal in shown:
        account = deal.account
        data.append(
            [
                deal.name,
                account.name,
                getattr(account.country, "name", "") if account.country else "",
                account.region,
                deal.partner.display_name,
                deal.submitter.email,
                deal.get_status_display(),
                deal.currency,
                f"{deal.amount:.2f}",
                _day(deal.registered_at),
                deal.expected_close_date.isoformat(),
                deal.conflict_count,
                f"{deal.conflict_score:.2f}",
                _day(deal.protected_until),
                _day(deal.decided_at),
            ]
        )
    response = HttpResponse(csv_text(data), content_type="text/csv")
    response["Content-Disposition"] = 'attachment; filename="deals.csv"'
    return response


@requires("deals.configure")
def deal_policy(request: PortalRequest) -> HttpResponse:
    """The deal policy; "Try these settings" back-tests the matching before saving."""
    policy, tree = DealPolicy.current(), ReservationPolicy.current()
    context: dict[str, Any] = {"limit": BACKTEST_LIMIT, "budget": int(BUDGET_SECONDS)}
    if request.method != "POST":
        context["form"] = DealPolicyForm(initial=DealPolicyForm.initial_for(policy, tree))
        return render(request, "deals/deal_admin_policy.html", context)
    form = context["form"] = DealPolicyForm(request.POST)
    trying = request.POST.get("action") == "try"
    if form.is_valid():
        with service_errors(request, form) as outcome:
            if trying:
                proposed, matching = services.deal_policy_proposed(fields=form.cleaned_data)
                context["result"] = backtest(policy=proposed, matching=matching)
            else:
                services.deal_policy_update(actor=request.user, fields=form.cleaned_data)
        if not outcome.failed:
            if trying:
                return render(request, "deals/deal_admin_policy.html", context)
            messages.success(request, "The deal policy is saved.")
            return redirect("deal-policy")
    return render(request, "deals/deal_admin_policy.html", context, status=400)


def _reason(reason_id: int) -> RejectionReason:
    reason = RejectionReason.objects.filter(pk=reason_id).first()
    if reason is None:
        raise Http404("No such reason.")
    return reason


def _reasons_page(request: PortalRequest, form: RejectionReasonForm, status: int = 200):
    reasons = list(RejectionReason.objects.order_by("position", "label"))
    used = set(
        Deal.objects.filter(rejection_reason__isnull=False).values_list(
            "rejection_reason_id", flat=True
        )
    )
    for reason in reasons:
        reason.used = reason.pk in used  # type: ignore[attr-defined]  # for the template only
    return render(
        request,
        "deals/deal_admin_reasons.html",
        {"reasons": reasons, "form": form, "editing": request.GET.get("edit", "")},
        status=status,
    )


@requires("deals.configure")
def rejection_reasons(request: PortalRequest) -> HttpResponse:
    """The tenant's rejection reasons; adding one on POST."""
    if request.method == "POST":
        form = RejectionReasonForm(request.POST)
        if form.is_valid():
            with service_errors(request, form) as outcome:
                reason = services.rejection_reason_create(
                    actor=request.user, label=form.cleaned_data["label"]
                )
            if not outcome.failed:
                messages.success(request, f"“{reason.label}” is added to the reasons.")
                return redirect("deal-rejection-reasons")
        return _reasons_page(request, form, status=400)
    return _reasons_page(request, RejectionReasonForm())


@require_POST
@requires("deals.configure")
def rejection_reason_change(request: PortalRequest, reason_id: int) -> HttpResponse:
    """Rename, deactivate, reactivate or move one reason."""
    reason = _reason(reason_id)
    action = request.POST.get("action", "")
    with service_errors(request) as outcome:
        if action == "rename":
            form = RejectionReasonForm(request.POST)
            if not form.is_valid():
                for errors in form.errors.values():
                    messages.error(request, " ".join(str(e) for e in errors))
                return redirect("deal-rejection-reasons")
            services.rejection_reason_update(
                actor=request.user, reason=reason, label=form.cleaned_data["label"]
            )
            done = f"The reason is renamed “{form.cleaned_data['label']}”."
        elif action in ("deactivate", "activate"):
            services.rejection_reason_update(
                actor=request.user, reason=reason, active=action == "activate"
            )
            done = (
                f"“{reason.label}” is offered again."
                if action == "activate"
                else f"“{reason.label}” is no longer offered; rejections that name it keep it."
            )
        elif action in ("up", "down"):
            services.rejection_reason_move(
                actor=request.user, reason=reason, by=-1 if action == "up" else 1
            )
            done = ""
        else:
            raise Http404
    if not outcome.failed and done:
        messages.success(request, done)
    return redirect("deal-rejection-reasons")


urlpatterns: list[URLPattern | URLResolver] = [
    path("deal-registrations/", deal_registrations, name="deal-registrations"),
    path(
        "deal-registrations/export.csv",
        deal_registrations_export,
        name="deal-registrations-export",
    ),
    path("settings/deals/", deal_policy, name="deal-policy"),
    path("settings/deals/reasons/", rejection_reasons, name="deal-rejection-reasons"),
    path(
        "settings/deals/reasons/<int:reason_id>/",
        rejection_reason_change,
        name="deal-rejection-reason",
    ),
]
