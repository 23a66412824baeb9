"""The exchange rates page of finance and vendor admins (under Funds): the rate in force for
each currency with its date and who set it, every rate set (the history, newest first) and
the form to add one, confirmed before it is saved (incentives.rates)."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone

from incentives import rates
from incentives.forms import RateForm
from partners.views._common import requires
from prm.audit import viewer_of
from prm.portal.views import PortalRequest, service_errors

HISTORY_PAGE = 50


def _page(request: PortalRequest, form: RateForm, *, status: int = 200) -> HttpResponse:
    today = timezone.localdate()
    home = rates.home_currency()
    viewer = viewer_of(request.user)
    in_force = sorted(rates.rates_in_force(today).values(), key=lambda r: r.currency)
    history = (
        rates.rates_visible_to(request.user)
        .select_related("set_by")
        .order_by("-effective_from", "currency", "-set_at")
    )
    page = Paginator(history, HISTORY_PAGE).get_page(request.GET.get("page"))
    context = {
        "home": home,
        "today": today,
        "form": form,
        "in_force": [{"rate": r, "by": viewer.person(r.set_by)} for r in in_force],
        "history": [
            {"rate": r, "by": viewer.person(r.set_by), "later": r.effective_from > today}
            for r in page.object_list
        ],
        "page": page,
    }
    return render(request, "incentives/rates.html", context, status=status)


@requires("mdf.rates")
def rate_list(request: PortalRequest) -> HttpResponse:
    """The rates; a posted form adds one (its errors beside its fields, nothing saved)."""
    home = rates.home_currency()
    if request.method != "POST":
        return _page(request, RateForm(home=home, initial={"effective_from": timezone.localdate()}))
    form = RateForm(request.POST, home=home)
    if form.is_valid():
        data = form.cleaned_data
        with service_errors(request, form) as outcome:
            made = rates.rate_set(
                actor=request.user,
                currency=data["currency"],
                rate=data["rate"],
                effective_from=data["effective_from"],
            )
        if not outcome.failed:
            messages.success(
                request,
                f"1 {made.currency} = {made.rate_text} {home} from "
                f"{made.effective_from:%d %b %Y}: amounts in {made.currency} are converted at it.",
            )
            return redirect("mdf-rates")
    return _page(request, form, status=400)


urlpatterns: list[URLPattern] = [path("funds/rates/", rate_list, name="mdf-rates")]
