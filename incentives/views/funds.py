"""The partner's MDF pages: my funds (per program: allocated, committed, paid, available,
with the period; the fund requests below) and a new fund request. Vendor staff get the
programs list at the same address (``incentives.views.programs``)."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, URLResolver, path
from django.utils import timezone
from django.utils.formats import date_format

from incentives import rates, scope
from incentives.forms import RequestForm
from incentives.models import Fund, RequestStatus
from incentives.requests import mdf_request_create
from incentives.views import programs
from partners.views._common import requires
from prm.errors import Invalid
from prm.permissions import can
from prm.portal.templatetags.portal import money
from prm.portal.views import PortalRequest, service_errors

REQUEST_LIMIT = 200


def open_funds(user) -> QuerySet[Fund]:
    """The funds ``user`` may ask from: their partners' (not a shared pool) in programs that
    are active and not over."""
    return (
        scope.funds_visible_to(user)
        .filter(
            partner__isnull=False,
            program__active=True,
            program__ends_on__gte=timezone.localdate(),
        )
        .select_related("program", "partner")
        .order_by("program__starts_on", "program__name", "partner__display_name")
    )


def _own_partner_id(user) -> int | None:
    membership = getattr(user, "partner_membership", None)
    return membership.partner_id if membership is not None else None


@requires("mdf.view")
def funds_home(request: PortalRequest) -> HttpResponse:
    """Partners: their funds and requests. Vendor staff: the programs."""
    if request.user.is_vendor_side:
        return programs.program_list(request)
    user = request.user
    funds = list(
        scope.funds_visible_to(user)
        .filter(partner__isnull=False)
        .select_related("program", "partner")
        .order_by("-program__starts_on", "program__name", "partner__display_name")
    )
    rows = list(
        scope.requests_visible_to(user)
        .select_related("fund__program", "partner")
        .order_by("-created_at", "-id")[: REQUEST_LIMIT + 1]
    )
    today = timezone.localdate()
    for fund in funds:
        program = fund.program
        fund.current = program.starts_on <= today <= program.ends_on  # type: ignore[attr-defined]  # for the template only
        fund.over = program.ends_on < today  # type: ignore[attr-defined]  # for the template only
        fund.open = program.active and not fund.over  # type: ignore[attr-defined]  # for the template only
    context = {
        "funds": funds,
        "requests": rows[:REQUEST_LIMIT],
        "more_requests": len(rows) > REQUEST_LIMIT,
        # Each fund's partner is named when they are not all the user's own company's (a
        # partner admin sees their branches' funds too).
        "many_partners": {f.partner_id for f in funds} - {_own_partner_id(user)} != set(),
        "can_request": can(user, "mdf.request") and open_funds(user).exists(),
        "may_request": can(user, "mdf.request"),
        "waiting": sum(1 for r in rows if r.status == RequestStatus.SUBMITTED),
    }
    return render(request, "incentives/funds_mine.html", context)


def _fund_choices(funds: list[Fund], many_partners: bool) -> list[tuple[int, str]]:
    choices = []
    for fund in funds:
        program = fund.program
        label = (
            f"{program.name} ({date_format(program.starts_on)} to {date_format(program.ends_on)})"
        )
        if many_partners:
            label = f"{fund.partner} · {label}"
        choices.append((fund.pk, f"{label}: {money(fund.available, program.currency)} available"))
    return choices


def _currency_choices(programs: list[str]) -> list[tuple[str, str]]:
    """The currencies a request's amounts may be entered in: the programs' own first (one
    program currency: it is the default; several: "the program's own" is), then those the
    tenant has a rate for today (incentives.rates)."""
    today = timezone.localdate()
    others = sorted(
        {c for p in programs for c in rates.convertible_currencies(p, today)} - set(programs)
    )
    if not others:
        return []
    own = [(programs[0], programs[0])] if len(programs) == 1 else [("", "The program's own")]
    return own + [(c, c) for c in others]


@requires("mdf.request")
def request_new(request: PortalRequest) -> HttpResponse:
    """A new fund request: saved as a draft or submitted (the workflow then asks the
    channel team). Bad fields are refused beside them, and nothing is saved."""
    funds = list(open_funds(request.user))
    if not request.user.is_partner_side or not funds:
        return render(request, "incentives/request_form.html", {"form": None, "funds": []})
    many = {f.partner_id for f in funds} - {_own_partner_id(request.user)} != set()
    choices = _fund_choices(funds, many)
    currencies = sorted({f.program.currency for f in funds})
    offered = _currency_choices(currencies)
    if request.method != "POST":
        chosen = request.GET.get("fund", "")
        initial = {"fund": int(chosen)} if chosen.isdigit() else {}
        form = RequestForm(funds=choices, initial=initial, currencies=offered)
        return render(
            request,
            "incentives/request_form.html",
            {"form": form, "funds": funds, "currencies": currencies},
        )
    form = RequestForm(request.POST, funds=choices, currencies=offered)
    submit = request.POST.get("action") == "submit"
    if form.is_valid():
        data = dict(form.cleaned_data)
        chosen = data.pop("fund")
        fund = next((f for f in funds if f.pk == chosen), None)
        with service_errors(request, form) as outcome:
            if fund is None:
                raise Invalid({"fund": ["Choose one of your open funds."]})
            created = mdf_request_create(actor=request.user, fund=fund, submit=submit, **data)
        if not outcome.failed:
            if submit:
                messages.success(
                    request,
                    f"“{created.title}” is submitted: the channel team decides, and you see "
                    "their decision here.",
                )
            else:
                messages.success(
                    request, f"“{created.title}” is saved as a draft: submit it when it is ready."
                )
            return redirect("mdf-request", created.pk)
    return render(
        request,
        "incentives/request_form.html",
        {"form": form, "funds": funds, "currencies": currencies},
        status=400,
    )


urlpatterns: list[URLPattern | URLResolver] = [
    path("funds/", funds_home, name="funds"),
    path("funds/requests/new/", request_new, name="mdf-request-new"),
]
