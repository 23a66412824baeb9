"""The ROI page: what each MDF dollar brought, per program, partner or activity, current on
every load (incentives.roi), with a CSV of the table; an activity's page lists the deals
attributed to it, and the channel team attributes others as sourced or influenced."""

from __future__ import annotations

from typing import cast

import tablib
from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.views.decorators.http import require_POST

from deals import scope as deal_scope
from deals.models import Deal
from incentives import roi, scope
from incentives.models import AttributionKind, RequestStatus
from partners.views._common import requires
from prm.exports import csv_text
from prm.permissions import can
from prm.portal.forms import PortalForm
from prm.portal.views import PortalRequest, service_errors

BY = {"program": "Program", "partner": "Partner", "activity": "Activity"}
PAGE_ROWS = 100  # the ones that spent most; the CSV download and the totals have every one


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


@requires("mdf.view")
def roi_page(request: PortalRequest) -> HttpResponse:
    by = request.GET.get("by", "program")
    by = by if by in BY else "program"
    program_id = _int(request.GET.get("program"))
    rows = roi.roi_rows(request.user, by=by, program_id=program_id)  # type: ignore[arg-type]  # one of BY
    if request.GET.get("format") == "csv":
        return _csv(rows, by)
    totals = roi.RoiRow(key=0, label="All")
    for row in rows:
        for name in (
            "spend",
            "leads",
            "sourced_pipeline",
            "influenced_pipeline",
            "sourced_won",
            "influenced_won",
        ):
            setattr(totals, name, getattr(totals, name) + getattr(row, name))
    currencies = {r.currency for r in rows if r.currency}
    context = {
        "rows": rows[:PAGE_ROWS],
        "count": len(rows),
        "limit": PAGE_ROWS,
        "totals": totals if len(currencies) <= 1 else None,
        "currency": next(iter(currencies), ""),
        "by": by,
        "by_label": BY[by],
        "by_choices": BY,
        "programs": scope.programs_visible_to(request.user).order_by("-starts_on"),
        "program_id": program_id,
    }
    return render(request, "incentives/roi.html", context)


def _csv(rows: list[roi.RoiRow], by: str) -> HttpResponse:
    data = tablib.Dataset(
        headers=[
            BY[by],
            "Currency",
            "Spend",
            "Leads",
            "Cost per lead",
            "Sourced pipeline",
            "Influenced pipeline",
            "Sourced won revenue",
            "Influenced won revenue",
            "ROI",
        ]
    )
    for r in rows:
        data.append(
            [
                r.label,
                r.currency,
                f"{r.spend:.2f}",
                r.leads,
                f"{r.cost_per_lead:.2f}" if r.cost_per_lead is not None else "",
                f"{r.sourced_pipeline:.2f}",
                f"{r.influenced_pipeline:.2f}",
                f"{r.sourced_won:.2f}",
                f"{r.influenced_won:.2f}",
                f"{r.roi:.2f}" if r.roi is not None else "",
            ]
        )
    response = HttpResponse(csv_text(data), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="mdf-roi-by-{by}.csv"'
    return response


class AttributeForm(PortalForm):
    deal = forms.TypedChoiceField(label="Deal", coerce=int)
    kind = forms.ChoiceField(
        label="The activity", choices=AttributionKind.choices, widget=forms.RadioSelect
    )


def _deal_field(form: AttributeForm) -> forms.TypedChoiceField:
    return cast(forms.TypedChoiceField, form.fields["deal"])


def _attributable(request: PortalRequest, activity) -> list[Deal]:
    return list(
        deal_scope.deals_visible_to(request.user)
        .filter(partner_id=activity.partner_id, registered_at__isnull=False)
        .exclude(mdf_attributions__request=activity)
        .select_related("account")
        .order_by("-registered_at")[:200]
    )


@requires("mdf.view")
def activity_page(request: PortalRequest, request_id: int) -> HttpResponse:
    activity = scope.get_request_for(request.user, request_id)
    rows = roi.roi_rows(request.user, by="activity", partner_id=activity.partner_id)
    row = next(
        (r for r in rows if r.key == activity.pk),
        roi.RoiRow(key=activity.pk, label=activity.title, currency=activity.currency),
    )
    attributions = list(
        roi.attributions_visible_to(request.user)
        .filter(request=activity)
        .select_related("deal__account", "attributed_by")
    )
    can_attribute = can(request.user, "mdf.decide") and activity.status == RequestStatus.APPROVED
    form = None
    if can_attribute:
        form = AttributeForm()
        _deal_field(form).choices = [
            (d.pk, f"{d.name} · {d.account.name} · {d.registered_at:%d %b %Y}")
            for d in _attributable(request, activity)
        ]
    context = {
        "activity": activity,
        "row": row,
        "attributions": attributions,
        "form": form,
        "can_set_rates": can(request.user, "mdf.rates"),
    }
    return render(request, "incentives/roi_activity.html", context)


@requires("mdf.decide")
@require_POST
def activity_attribute(request: PortalRequest, request_id: int) -> HttpResponse:
    activity = scope.get_request_for(request.user, request_id)
    form = AttributeForm(request.POST)
    _deal_field(form).choices = [(d.pk, d.name) for d in _attributable(request, activity)]
    if not form.is_valid():
        messages.error(request, "Choose one of the partner's deals and what the activity did.")
        return redirect("mdf-roi-activity", activity.pk)
    deal = deal_scope.get_deal_for(request.user, form.cleaned_data["deal"])
    with service_errors(request) as outcome:
        roi.attribution_set(
            actor=request.user, deal=deal, request=activity, kind=form.cleaned_data["kind"]
        )
    if not outcome.failed:
        messages.success(request, f"{deal.name} is attributed to {activity.title}.")
    return redirect("mdf-roi-activity", activity.pk)


@requires("mdf.decide")
@require_POST
def activity_unattribute(
    request: PortalRequest, request_id: int, attribution_id: int
) -> HttpResponse:
    attribution = roi.get_attribution_for(request.user, attribution_id)
    with service_errors(request) as outcome:
        roi.attribution_remove(actor=request.user, attribution=attribution)
    if not outcome.failed:
        messages.success(request, "The deal is no longer attributed to the activity.")
    return redirect("mdf-roi-activity", request_id)


urlpatterns: list[URLPattern] = [
    path("funds/results/", roi_page, name="mdf-roi"),
    path("funds/results/activities/<int:request_id>/", activity_page, name="mdf-roi-activity"),
    path(
        "funds/results/activities/<int:request_id>/attribute/",
        activity_attribute,
        name="mdf-roi-attribute",
    ),
    path(
        "funds/results/activities/<int:request_id>/attributions/<int:attribution_id>/remove/",
        activity_unattribute,
        name="mdf-roi-unattribute",
    ),
]
