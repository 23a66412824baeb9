"""Vendor-side pages of customer accounts: the list, an account's page, merging duplicates,
the reservation policy."""

from __future__ import annotations

import tablib
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, URLResolver, path
from django.utils import timezone
from django.views.decorators.http import require_POST
from django_countries import countries

from deals import scope, selectors, services
from deals.filters import AccountFilter
from deals.models import CustomerAccount
from deals.vendor_forms import ReservationPolicyForm
from partners.views._common import requires
from prm.exports import csv_text
from prm.permissions import can
from prm.portal.views import PortalRequest, service_errors

FILTERS = ("q", "country", "vendor_owned", "reserved", "parent")
LIST_LIMIT = 500


def _filtered(request: PortalRequest):
    visible = selectors.account_list_queryset(request.user)
    return AccountFilter(request.GET, queryset=visible).qs  # the one set of filters


def _editable(request: PortalRequest, account: CustomerAccount) -> bool:
    return scope.accounts_editable_by(request.user).filter(pk=account.pk).exists()


def _editable_account(request: PortalRequest, account_id: int) -> CustomerAccount:
    """An account the user may change; out of scope or not theirs to change: 404."""
    account = scope.get_account_for(request.user, account_id)
    if not _editable(request, account):
        raise Http404
    return account


@requires("accounts.see_all")
def account_list(request: PortalRequest) -> HttpResponse:
    accounts = _filtered(request)
    chosen = {k: request.GET.get(k, "") for k in FILTERS}
    parent = None
    if chosen["parent"].isdigit():
        parent = scope.accounts_visible_to(request.user).filter(pk=chosen["parent"]).first()
    context = {
        "accounts": accounts[:LIST_LIMIT],
        "total": accounts.count(),
        "limit": LIST_LIMIT,
        "chosen": chosen,
        "filtered": any(chosen.values()),
        "parent": parent,
        "countries": [(c, countries.name(c)) for c in selectors.account_countries(request.user)],
        "query": request.GET.urlencode(),
        "can_configure": can(request.user, "reservations.configure"),
        "can_import": can(request.user, "accounts.edit"),
    }
    template = "deals/vendor_list.html#rows" if request.htmx else "deals/vendor_list.html"
    return render(request, template, context)


CSV_HEADERS = [
    "Name",
    "Domains",
    "Country",
    "Region",
    "Parent company",
    "Vendor-owned",
    "Account owner",
    "Reserved by",
    "Reserved until",
    "CRM id",
]


@requires("accounts.see_all")
def account_export(request: PortalRequest) -> HttpResponse:
    """The filtered list as CSV (every row, not only the page's first ones)."""
    data = tablib.Dataset(headers=CSV_HEADERS)
    for a in _filtered(request):
        held = "reserved" if a.reserved and not a.holder_name else a.holder_name or ""
        data.append(
            [
                a.name,
                " ".join(d.domain for d in a.domains.all()),
                a.country.name if a.country else "",
                a.region,
                a.parent_name or "",
                "yes" if a.vendor_owned else "no",
                a.vendor_owner.email if a.vendor_owner else "",
                held,
                timezone.localdate(a.reserved_until).isoformat() if a.reserved_until else "",
                a.external_crm_id,
            ]
        )
    response = HttpResponse(csv_text(data), content_type="text/csv")
    response["Content-Disposition"] = 'attachment; filename="accounts.csv"'
    return response


@requires("accounts.see_all")
def account_detail(request: PortalRequest, account_id: int) -> HttpResponse:
    account = scope.get_account_for(request.user, account_id)
    row = selectors.account_list_queryset(request.user).get(pk=account.pk)
    editable = _editable(request, account)
    context = {
        "account": row,
        "parent": selectors.account_parent(account),
        "children": selectors.account_children(request.user, account),
        "domains": selectors.account_domains(account),
        "reservations": selectors.account_reservations(request.user, account),
        "can_own": editable and can(request.user, "accounts.mark_vendor_owned"),
        "can_merge": editable,
    }
    return render(request, "deals/vendor_detail.html", context)


@require_POST
@requires("accounts.mark_vendor_owned")
def account_ownership(request: PortalRequest, account_id: int) -> HttpResponse:
    """Mark an account vendor-owned (the user becomes its account owner), or release it to
    the partners."""
    account = _editable_account(request, account_id)
    mark = request.POST.get("action") == "mark"
    fields = {"vendor_owned": mark, "vendor_owner": request.user if mark else None}
    with service_errors(request) as outcome:
        services.account_update(actor=request.user, account=account, fields=fields)
    if not outcome.failed:
        messages.success(
            request,
            f"{account.name} is now vendor-owned: partners cannot reserve it."
            if mark
            else f"{account.name} is released to partners: they may reserve it.",
        )
    return redirect("account-detail", account.pk)


@requires("accounts.edit")
def account_merge_pick(request: PortalRequest, account_id: int) -> HttpResponse:
    """Choose the duplicate to merge into this account: the lookup's suggestions, or a
    search by name or domain."""
    account = _editable_account(request, account_id)
    q = request.GET.get("q", "").strip()
    context = {
        "account": account,
        "suggestions": selectors.merge_suggestions(request.user, account),
        "q": q,
        "results": selectors.merge_search(request.user, account, q) if q else None,
    }
    return render(request, "deals/vendor_merge.html", context)


@requires("accounts.edit")
def account_merge_confirm(request: PortalRequest, account_id: int, other_id: int) -> HttpResponse:
    """What the merge moves and that the other account disappears; merging on POST."""
    account = _editable_account(request, account_id)
    other = _editable_account(request, other_id)
    if request.method == "POST":
        with service_errors(request) as outcome:
            survivor = services.account_merge(actor=request.user, survivor=account, duplicate=other)
        if not outcome.failed:
            messages.success(request, f"{other.name} was merged into {survivor.name}.")
            return redirect("account-detail", survivor.pk)
    context = {
        "account": account,
        "other": other,
        "domains": selectors.account_domains(other),
        "children": selectors.account_children(request.user, other),
        "reservations": selectors.account_reservations(request.user, other),
    }
    return render(
        request,
        "deals/vendor_merge_confirm.html",
        context,
        status=400 if request.method == "POST" else 200,
    )


@requires("reservations.configure")
def reservation_policy(request: PortalRequest) -> HttpResponse:
    policy = selectors.reservation_policy()
    if request.method == "POST":
        form = ReservationPolicyForm(request.POST)
        if form.is_valid():
            with service_errors(request, form) as outcome:
                services.reservation_policy_update(actor=request.user, fields=form.cleaned_data)
            if not outcome.failed:
                messages.success(request, "The reservation policy is saved.")
                return redirect("reservation-policy")
        return render(request, "deals/vendor_policy.html", {"form": form}, status=400)
    form = ReservationPolicyForm(initial=ReservationPolicyForm.initial_for(policy))
    return render(request, "deals/vendor_policy.html", {"form": form})


urlpatterns: list[URLPattern | URLResolver] = [
    path("accounts/", account_list, name="accounts"),
    path("accounts/export.csv", account_export, name="accounts-export"),
    path("accounts/<int:account_id>/", account_detail, name="account-detail"),
    path("accounts/<int:account_id>/ownership/", account_ownership, name="account-ownership"),
    path("accounts/<int:account_id>/merge/", account_merge_pick, name="account-merge"),
    path(
        "accounts/<int:account_id>/merge/<int:other_id>/",
        account_merge_confirm,
        name="account-merge-confirm",
    ),
    path("settings/reservations/", reservation_policy, name="reservation-policy"),
]
