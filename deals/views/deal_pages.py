"""Portal pages of deal registrations: new deal (find or create the customer, product lines
with live totals, the eligibility problems before submitting), my deals (saved views,
filters, CSV) and the deal page (everyone who may see the deal: its status, protection or
SLA, lines, timeline, conflicts, and the actions of the viewer's role and the deal's state).
They read through deals.scope / deals.selectors and write through deals.services."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

import tablib
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q, QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, URLResolver, path
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.views.decorators.http import require_POST
from django_countries import countries

from deals import scope, selectors, services
from deals.eligibility import deal_eligibility
from deals.models import (
    ACTIVE_STATUSES,
    DEAL_LIFECYCLE,
    DOMAIN_MAX,
    EDITABLE_STATUSES,
    NAME_MAX,
    CustomerAccount,
    Deal,
    DealDispute,
    DealLine,
    DealPolicy,
    DealStatus,
    DisputeResponse,
    DocumentKind,
    Product,
    RejectionReason,
)
from deals.normalise import registrable_domain
from deals.services import LineIn
from deals.services.deals import EDITABLE_FIELDS as DEAL_FIELDS
from deals.services.disputes import CONFLICT_REASONS
from partners.views._common import requires
from prm import limits
from prm.audit import audit_trail, viewer_of
from prm.errors import Invalid
from prm.exports import csv_text
from prm.permissions import PARTNER_SUBTREE_ROLES, can
from prm.portal.forms import PortalForm
from prm.portal.views import PortalRequest, service_errors
from prm.tenancy.context import current_tenant
from prm.users.models import PARTNER_ROLES, User
from workflows.approvals import approval_decide, decisions_timeline
from workflows.models import Approval

S = DealStatus
EXPIRING_DAYS = 14
LIST_LIMIT = 500
MAX_LINES = 50

CUSTOMER_WORDS = {
    selectors.OPEN: "Open: no partner holds this customer.",
    selectors.RESERVED: "Another partner has reserved this customer: your registration will "
    "be checked against theirs.",
    selectors.RESERVED_BY_YOU: "Reserved by your company.",
    selectors.VENDOR_OWNED: "The vendor sells to this customer directly: it cannot be registered.",
    selectors.NEEDS_REVIEW: "A similar name: check that this is your customer.",
}


# --- reads ----------------------------------------------------------------------------


def _products(user: User) -> QuerySet[Product]:
    """The products ``user`` may register: the active catalogue of their scope."""
    return (
        scope.products_visible_to(user)
        .filter(active=True, line__active=True)
        .select_related("line")
    )


def _pending_approvals(deal: Deal) -> QuerySet[Approval]:
    """The undecided workflow approvals of the deal's registration, soonest due first."""
    return Approval.objects.filter(
        run__object_type="deal",
        run__object_id=str(deal.pk),
        decided_at__isnull=True,
        superseded=False,
    ).order_by("due_at", "requested_at")


def _colleagues(user: User, deal: Deal) -> QuerySet[User]:
    """The people of the deal's partner company (any of its units) one may share it with;
    deal_share checks the same."""
    company = deal.partner.path[: deal.partner.steplen]
    return (
        User.objects.filter(
            is_active=True,
            role__in=PARTNER_ROLES,
            partner_membership__partner__path__startswith=company,
        )
        .exclude(pk=user.pk)
        .exclude(pk=deal.submitter_id)
        .order_by("full_name", "email")
    )


# --- the deal form --------------------------------------------------------------------


def _currency_choices(user: User) -> list[tuple[str, str]]:
    codes = set(_products(user).values_list("currency", flat=True).distinct())
    codes.add(current_tenant().currency)
    return [(c, c) for c in sorted(codes)]


def _country_choices() -> list[tuple[str, str]]:
    return [("", "Choose the country"), *((code, str(name)) for code, name in countries)]


class DealForm(PortalForm):
    """The deal's own fields; the customer and the product lines are read beside it."""

    name = forms.CharField(label="Opportunity", max_length=200)
    currency = forms.ChoiceField(label="Currency")
    expected_close_date = forms.DateField(
        label="Expected close date", widget=forms.DateInput(attrs={"type": "date"})
    )
    description = forms.CharField(
        label="Description",
        required=False,
        max_length=limits.DESCRIPTION,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What the customer needs, who you talk to, where the deal stands.",
    )
    campaign_code = forms.CharField(
        label="Campaign code",
        required=False,
        max_length=60,
        help_text="The marketing campaign that sourced the opportunity, if any.",
    )
    # Errors of the customer and of the lines (from the services and the eligibility
    # check) stand beside those parts of the page; these fields carry them.
    account = forms.CharField(required=False, widget=forms.HiddenInput)
    lines = forms.CharField(required=False, widget=forms.HiddenInput)
    new_country = forms.ChoiceField(label="Country", required=False, choices=_country_choices)
    new_domains = forms.CharField(
        label="Website or e-mail domain", required=False, max_length=DOMAIN_MAX
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        currency = self.fields["currency"]
        assert isinstance(currency, forms.ChoiceField)
        currency.choices = _currency_choices(user)
        self.fields["name"].widget.attrs["placeholder"] = "e.g. Firewall refresh 2027"
        self.fields["name"].error_messages["required"] = "Name the opportunity."
        self.fields["expected_close_date"].error_messages = {
            "required": "Give the date you expect the customer to sign.",
            "invalid": "Give the date as day, month and year.",
        }
        self.fields["new_domains"].widget.attrs["placeholder"] = "e.g. contoso.com"
        self.fields["currency"].widget.attrs["data-line-currency"] = ""

    def clean_new_domains(self) -> str:
        value = (self.cleaned_data.get("new_domains") or "").strip()
        if value and registrable_domain(value) is None:
            raise forms.ValidationError("Enter a web address, an e-mail address or a domain.")
        return value


@dataclass
class LineRow:
    """A product line as typed: kept as text so nothing typed is lost on an error."""

    product_id: str = ""
    quantity: str = "1"
    unit_price: str = ""
    product: Product | None = None
    errors: list[str] = field(default_factory=list)

    @property
    def amount(self) -> Decimal | None:
        try:
            return Decimal(self.quantity) * Decimal(self.unit_price)
        except (InvalidOperation, ValueError):
            return None


def _rows_from_post(request: PortalRequest, products: dict[str, Product]) -> list[LineRow]:
    ids = request.POST.getlist("line_product")
    quantities = request.POST.getlist("line_quantity")
    prices = request.POST.getlist("line_price")
    rows: list[LineRow] = []
    for i, product_id in enumerate(ids[:MAX_LINES]):
        quantity = quantities[i].strip() if i < len(quantities) else ""
        price = prices[i].strip() if i < len(prices) else ""
        if not product_id and not price and quantity in ("", "1"):
            continue  # an empty row
        product = products.get(product_id)
        if product is not None and not price:  # a product just chosen: its list price
            price = f"{product.list_price:f}"
        rows.append(LineRow(product_id, quantity, price, product))
    return rows


def _rows_of(deal: Deal) -> list[LineRow]:
    return [
        LineRow(str(x.product_id), str(x.quantity), f"{x.unit_price:f}", x.product)
        for x in deal.lines.select_related("product__line")
    ]


def _check_rows(rows: list[LineRow]) -> tuple[list[LineIn], list[str]]:
    """The lines as the services take them, or what is wrong with them (in the words of
    deals.services' own checks, line by line)."""
    lines: list[LineIn] = []
    problems: list[str] = []
    if not rows:
        problems.append("Add at least one product.")
    for number, row in enumerate(rows, 1):
        if row.product is None:
            row.errors.append("Choose a product.")
        try:
            quantity = int(row.quantity)
            if quantity < 1:
                raise ValueError
        except ValueError:
            quantity = 0
            row.errors.append("The quantity must be a whole number of at least 1.")
        try:
            price = Decimal(row.unit_price.replace(",", ""))
            if not price.is_finite() or price < 0 or price.as_tuple().exponent < -2:  # type: ignore[operator]  # finite: an int exponent
                raise InvalidOperation
        except InvalidOperation:
            price = Decimal(0)
            row.errors.append("Give the unit price as an amount, e.g. 950 or 950.50.")
        problems += [f"Line {number}: {e}" for e in row.errors]
        if row.product is not None and not row.errors:
            lines.append(LineIn(row.product, quantity, price))
    return lines, problems


def _customer_context(request: PortalRequest, q: str, domain: str, country: str) -> dict:
    """The customer search's answer: the candidates with their standing, and whether a
    new customer of that name may be added."""
    context: dict[str, Any] = {"customer_q": q, "candidates": [], "searched": False}
    if len(q) < selectors.LOOKUP_MIN_CHARS and not domain:
        return context
    if selectors.lookup_rate_limited(request):
        context["limited"] = True
        return context
    answer = selectors.account_lookup(request.user, q=q, domain=domain, country=country)
    context["searched"] = True
    context["candidates"] = [
        {
            "c": c,
            "words": CUSTOMER_WORDS[c.status],
            "domains": c.domains,
            "choosable": c.status != selectors.VENDOR_OWNED,
        }
        for c in answer.matches
    ]
    context["certain"] = any(c.verdict == selectors.MATCH for c in answer.matches)
    return context


def _new_deal_context(
    request: PortalRequest,
    form: DealForm,
    rows: list[LineRow],
    *,
    deal: Deal | None = None,
    chosen: CustomerAccount | None = None,
    eligibility: dict[str, list[str]] | None = None,
) -> dict[str, Any]:
    products = list(_products(request.user))
    q = (request.POST.get("customer_q") or request.GET.get("customer_q") or "").strip()
    context: dict[str, Any] = {
        "form": form,
        "deal": deal,
        "rows": rows or [LineRow()],
        "products": products,
        "chosen": chosen,
        "chosen_value": request.POST.get("account", str(chosen.pk) if chosen else ""),
        "eligibility": eligibility or {},
        "policy": DealPolicy.current(),
        "total": sum((r.amount or Decimal(0) for r in rows), Decimal(0)),
    }
    if deal is None:
        domain = (request.POST.get("new_domains") or "").strip()
        country = request.POST.get("new_country") or ""
        context.update(_customer_context(request, q, domain, country))
        context["chosen_listed"] = chosen is not None and any(
            row["c"].account.pk == chosen.pk for row in context["candidates"]
        )
    return context


def _eligibility(request: PortalRequest, form: DealForm, lines: list[LineIn]) -> dict:
    """The problems the submission would be refused for, found before anything is saved
    (deals.eligibility, on the deal as typed)."""
    partner = scope.partner_of(request.user)
    data = form.cleaned_data
    if partner is None or "currency" not in data or "expected_close_date" not in data:
        return {}
    deal = Deal(
        partner=partner,
        currency=data["currency"],
        expected_close_date=data["expected_close_date"],
        amount=sum((x.unit_price * x.quantity for x in lines), Decimal(0)),
    )
    unsaved = [
        DealLine(product=x.product, quantity=x.quantity, unit_price=x.unit_price) for x in lines
    ]
    return deal_eligibility(
        deal=deal,
        lines=unsaved,
        partner=partner,
        submitter=request.user,
        policy=DealPolicy.current(),
        today=timezone.localdate(),
    )


def _show_errors(form: DealForm, errors: dict[str, list[str]]) -> None:
    """Field errors (a service's or the eligibility check's) beside their fields; the
    partner's and the agreement's at the top of the form."""
    for name, problems in errors.items():
        form.add_error(name if name in form.fields else None, problems)


def _chosen_account(request: PortalRequest, value: str) -> CustomerAccount | None:
    if not value.isdigit():
        return None
    found = scope.accounts_nameable_by(request.user).filter(pk=value).first()
    if found is None:  # missing, or not for this user: the same 404
        raise Http404
    return found


def _render_form(request: PortalRequest, context: dict, partial: str = "") -> HttpResponse:
    template = "deals/deal_form.html" + (f"#{partial}" if partial else "")
    return render(request, template, context)


def _line_action(request: PortalRequest, rows: list[LineRow]) -> str:
    """Add or remove a line (the page's own buttons); what was typed stays."""
    action = request.POST.get("action", "")
    if action == "add_line" and len(rows) < MAX_LINES:
        rows.append(LineRow())
        return action
    if action.startswith("remove_line:"):
        index = action.partition(":")[2]
        if index.isdigit() and int(index) < len(rows):
            del rows[int(index)]
        return action
    return ""


def _typed_rows(request: PortalRequest) -> list[LineRow]:
    products = {str(p.pk): p for p in _products(request.user)}
    return _rows_from_post(request, products)


@requires("deals.register")
def deal_new(request: PortalRequest) -> HttpResponse:
    """A new registration: find or add the customer, the lines, the deal's fields; save it
    as a draft or submit it (the eligibility problems shown beside their fields first)."""
    if scope.partner_of(request.user) is None:
        messages.error(request, "You are not a member of a partner, so you cannot register deals.")
        return redirect("home")
    if request.method != "POST":
        chosen = _chosen_account(request, request.GET.get("account", ""))
        initial = {"currency": current_tenant().currency}
        form = DealForm(initial=initial, user=request.user)
        return _render_form(request, _new_deal_context(request, form, [], chosen=chosen))
    form = DealForm(request.POST, user=request.user)
    rows = _typed_rows(request)
    chosen = _chosen_account(request, request.POST.get("account", ""))
    if _line_action(request, rows):
        context = _new_deal_context(
            request, DealForm(request.POST, user=request.user), rows, chosen=chosen
        )
        return _render_form(request, context, "lines" if request.htmx else "")
    action = request.POST.get("action", "")
    lines, problems = _check_rows(rows)
    form.is_valid()
    customer = request.POST.get("account", "")
    q = (request.POST.get("customer_q") or "").strip()
    if problems:
        form.add_error("lines", problems)
    if chosen is None and customer != "new":
        form.add_error("account", "Choose the customer, or add it as a new one.")
    elif customer == "new" and not q:
        form.add_error("account", "Type the new customer's company name.")
    elif customer == "new" and not request.POST.get("new_country"):
        form.add_error("new_country", "Choose the customer's country.")
    eligibility: dict[str, list[str]] = {}
    if form.is_valid() and action == "submit":
        eligibility = _eligibility(request, form, lines)
        _show_errors(form, eligibility)
    if not form.is_valid():
        return _render_form(request, _new_deal_context(request, form, rows, chosen=chosen))
    data = form.cleaned_data
    new_account = None
    if chosen is None:
        new_account = {
            "name": q[:NAME_MAX],
            "country": data["new_country"],
            "domains": [data["new_domains"]] if data["new_domains"] else [],
        }
    deal = None
    with service_errors(request, form) as outcome:
        deal = services.deal_create(
            actor=request.user,
            name=data["name"],
            lines=lines,
            currency=data["currency"],
            expected_close_date=data["expected_close_date"],
            account=chosen,
            new_account=new_account,
            description=data["description"],
            campaign_code=data["campaign_code"],
        )
    if outcome.failed or deal is None:
        return _render_form(request, _new_deal_context(request, form, rows, chosen=chosen))
    if action != "submit":
        messages.success(request, f"“{deal.name}” is saved as a draft: submit it when it is ready.")
        return redirect("deal-detail", deal.pk)
    return _submit_and_tell(request, deal, saved_first=True)


def _submit_and_tell(request: PortalRequest, deal: Deal, *, saved_first: bool) -> HttpResponse:
    """Submit a saved deal. Refused, a deal the partner may still change comes back as its
    form with the problems beside their fields; any other refusal is a message on its page."""
    editable = deal.status in EDITABLE_STATUSES
    form = DealForm(
        {**_initial(deal), "expected_close_date": deal.expected_close_date}, user=request.user
    )
    form.is_valid()
    with service_errors(request, form if editable else None) as outcome:
        deal = services.deal_submit(actor=request.user, deal=deal)
    if outcome.failed:
        if saved_first:
            messages.info(request, "The deal is saved as a draft: correct it and submit it again.")
        if editable:
            context = _new_deal_context(request, form, _rows_of(deal), deal=deal)
            return _render_form(request, context)
        return redirect("deal-detail", deal.pk)
    deal.refresh_from_db()
    registered = date_format(localtime(deal.registered_at), "DATETIME_FORMAT")
    if deal.status == S.APPROVED and deal.protected_until:
        messages.success(
            request,
            f"“{deal.name}” is registered ({registered}) and approved: protected until "
            f"{date_format(localtime(deal.protected_until))}.",
        )
    elif deal.status == S.REJECTED:
        messages.error(request, f"“{deal.name}” was rejected at once: see why below.")
    else:
        messages.success(
            request,
            f"“{deal.name}” is registered ({registered}): the channel team decides; you will "
            "be told their decision.",
        )
    return redirect("deal-detail", deal.pk)


@requires("deals.register")
def deal_customers(request: PortalRequest) -> HttpResponse:
    """The customer search of the new-deal page, as you type (its results partial)."""
    q = (request.GET.get("customer_q") or "").strip()
    domain = (request.GET.get("new_domains") or "").strip()
    country = request.GET.get("new_country") or ""
    context = _customer_context(request, q, domain, country)
    context["chosen_value"] = request.GET.get("account", "")
    context["form"] = DealForm(request.GET, user=request.user)
    return render(request, "deals/deal_form.html#customers", context)


@requires("deals.register")
@require_POST
def deal_check(request: PortalRequest) -> HttpResponse:
    """What a submission of the form as typed would be refused for, beside each field
    (htmx, out of band): the page shows the problems before the partner submits."""
    form = DealForm(request.POST, user=request.user)
    rows = _typed_rows(request)
    lines, _ = _check_rows(rows)
    form.is_valid()
    eligibility = _eligibility(request, form, lines) if rows else {}
    return render(
        request, "deals/deal_form.html#eligibility", {"eligibility": eligibility, "oob": True}
    )


def _initial(deal: Deal) -> dict[str, Any]:
    return {
        "name": deal.name,
        "currency": deal.currency,
        "expected_close_date": deal.expected_close_date,
        "description": deal.description,
        "campaign_code": deal.campaign_code,
    }


@requires("deals.register")
def deal_edit(request: PortalRequest, deal_id: int) -> HttpResponse:
    """Change a draft, or answer an information request (change it and submit again). A
    deal that moved on meanwhile (submitted, decided) is shown as it is now."""
    deal = scope.get_deal_for(request.user, deal_id)
    if deal.status not in EDITABLE_STATUSES or not _is_partner_of(request.user, deal):
        messages.info(
            request, f"A deal that is {deal.get_status_display().lower()} cannot be changed."
        )
        return redirect("deal-detail", deal.pk)
    if request.method != "POST":
        form = DealForm(initial=_initial(deal), user=request.user)
        return _render_form(request, _new_deal_context(request, form, _rows_of(deal), deal=deal))
    form = DealForm(request.POST, user=request.user)
    rows = _typed_rows(request)
    if _line_action(request, rows):
        context = _new_deal_context(
            request, DealForm(request.POST, user=request.user), rows, deal=deal
        )
        return _render_form(request, context, "lines" if request.htmx else "")
    action = request.POST.get("action", "")
    lines, problems = _check_rows(rows)
    form.is_valid()
    if problems:
        form.add_error("lines", problems)
    if form.is_valid() and action == "submit":
        _show_errors(form, _eligibility(request, form, lines))
    if not form.is_valid():
        return _render_form(request, _new_deal_context(request, form, rows, deal=deal))
    data = form.cleaned_data
    fields = {k: data[k] for k in DEAL_FIELDS}
    with service_errors(request, form) as outcome:
        deal = services.deal_update(actor=request.user, deal=deal, fields=fields, lines=lines)
    if outcome.failed:
        return _render_form(request, _new_deal_context(request, form, rows, deal=deal))
    if action != "submit":
        messages.success(request, "Your changes are saved.")
        return redirect("deal-detail", deal.pk)
    return _submit_and_tell(request, deal, saved_first=False)


# --- my deals -------------------------------------------------------------------------

VIEWS = [
    ("open", "Open"),
    ("approved", "Approved"),
    ("rejected", "Rejected"),
    ("expiring", f"Expiring soon ({EXPIRING_DAYS} days)"),
    ("all", "All"),
]
OPEN_STATUSES = (S.DRAFT, S.SUBMITTED, S.UNDER_REVIEW, S.INFO_REQUESTED)


def _my_deals(request: PortalRequest) -> tuple[QuerySet[Deal], dict[str, str]]:
    chosen = {
        "view": request.GET.get("view", "open"),
        "q": (request.GET.get("q") or "").strip(),
        "status": request.GET.get("status", ""),
        "since": request.GET.get("since", ""),
    }
    if chosen["view"] not in dict(VIEWS):
        chosen["view"] = "open"
    deals = scope.deals_visible_to(request.user).select_related("account", "partner")
    now = selectors.server_now()
    view = chosen["view"]
    if view == "open":
        deals = deals.filter(status__in=OPEN_STATUSES)
    elif view == "approved":
        deals = deals.filter(status=S.APPROVED)
    elif view == "rejected":
        deals = deals.filter(status=S.REJECTED)
    elif view == "expiring":
        deals = deals.filter(
            status=S.APPROVED,
            protected_until__gt=now,
            protected_until__lte=now + timedelta(days=EXPIRING_DAYS),
        )
    if chosen["q"]:
        deals = deals.filter(
            Q(name__icontains=chosen["q"]) | Q(account__name__icontains=chosen["q"])
        )
    if chosen["status"]:
        deals = (
            deals.filter(status=chosen["status"]) if chosen["status"] in S.values else deals.none()
        )
    if chosen["since"]:
        try:
            since = date.fromisoformat(chosen["since"])
            deals = deals.filter(
                Q(registered_at__date__gte=since)
                | Q(registered_at__isnull=True, created_at__date__gte=since)
            )
        except ValueError:
            deals = deals.none()
    order = ("protected_until", "pk") if view == "expiring" else ("-created_at", "-pk")
    return deals.order_by(*order), chosen


def _days_left(deal: Deal, now) -> int | None:
    if deal.status != S.APPROVED or deal.protected_until is None:
        return None
    # Calendar days, as the date beside it reads: protected until 1 Mar is 90 days from 1 Dec.
    return max((timezone.localdate(deal.protected_until) - timezone.localdate(now)).days, 0)


@requires("deals.register")
def my_deals(request: PortalRequest) -> HttpResponse:
    """My registrations (partner managers: their unit's), by saved view, with filters."""
    deals, chosen = _my_deals(request)
    rows = list(deals[:LIST_LIMIT])
    now = selectors.server_now()
    for deal in rows:
        deal.days_left = _days_left(deal, now)  # type: ignore[attr-defined]  # for the template
    query = {k: v for k, v in chosen.items() if v and k != "view"}
    context = {
        "deals": rows,
        "total": deals.count(),
        "limit": LIST_LIMIT,
        "views": VIEWS,
        "chosen": chosen,
        "filtered": bool(query),
        "statuses": S.choices,
        "query": request.GET.urlencode(),
        "filter_query": "&".join(f"{k}={v}" for k, v in query.items()),
        "expiring_days": EXPIRING_DAYS,
        "anything": scope.deals_visible_to(request.user).exists(),
        "whole_unit": request.user.role in PARTNER_SUBTREE_ROLES,
        "policy_days": DealPolicy.current().protection_days,
    }
    template = "deals/deal_list.html#rows" if request.htmx else "deals/deal_list.html"
    return render(request, template, context)


CSV_HEADERS = [
    "Customer",
    "Opportunity",
    "Partner",
    "Submitter",
    "Amount",
    "Currency",
    "Status",
    "Registered",
    "Expected close",
    "Protected until",
    "Days of protection left",
]


@requires("deals.register")
def my_deals_export(request: PortalRequest) -> HttpResponse:
    """The list as the view and filters show it, as CSV (every row)."""
    deals, _ = _my_deals(request)
    now = selectors.server_now()
    data = tablib.Dataset(headers=CSV_HEADERS)
    for d in deals.select_related("submitter"):
        left = _days_left(d, now)
        data.append(
            [
                d.account.name,
                d.name,
                d.partner.display_name,
                d.submitter.email,
                f"{d.amount:f}",
                d.currency,
                d.get_status_display(),
                localtime(d.registered_at).isoformat(timespec="minutes") if d.registered_at else "",
                d.expected_close_date.isoformat(),
                timezone.localdate(d.protected_until).isoformat() if d.protected_until else "",
                "" if left is None else left,
            ]
        )
    response = HttpResponse(csv_text(data), content_type="text/csv")
    response["Content-Disposition"] = 'attachment; filename="deals.csv"'
    return response


# --- the deal page --------------------------------------------------------------------


class NoteForm(PortalForm):
    note = forms.CharField(
        label="Note to the partner",
        required=False,
        max_length=limits.NOTE,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class InfoForm(PortalForm):
    note = forms.CharField(
        label="What should the partner add?",
        max_length=limits.NOTE,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Say what information the partner should add."},
    )


class RejectForm(PortalForm):
    reason_code = forms.ChoiceField(label="Reason")
    note = forms.CharField(
        label="Note to the partner",
        required=False,
        max_length=limits.NOTE,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        reasons = RejectionReason.objects.filter(active=True)
        self.fields["reason_code"].choices = [  # type: ignore[attr-defined]  # a ChoiceField
            ("", "Choose a reason"),
            *((r.code, r.label) for r in reasons),
        ]
        self.fields["reason_code"].error_messages["required"] = (
            "Choose the reason of the rejection."
        )


class ReopenForm(PortalForm):
    reason = forms.CharField(
        label="Why is it reopened?",
        max_length=limits.NOTE,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Say why the deal is reopened."},
    )


class WonForm(PortalForm):
    closed_on = forms.DateField(
        label="Signed on",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={
            "required": "Give the date the customer signed.",
            "invalid": "Give the date as day, month and year.",
        },
    )
    final_amount = forms.DecimalField(
        label="Final amount",
        required=False,
        min_value=0,
        max_digits=14,
        decimal_places=2,
        help_text="Leave it empty if it is the registered amount.",
    )


class LostForm(PortalForm):
    reason = forms.CharField(
        label="Why was it lost?",
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": "e.g. price, a competitor, no budget"}),
        error_messages={"required": "Say why the deal was lost (e.g. price, competitor)."},
    )


class ShareForm(PortalForm):
    colleague = forms.ChoiceField(label="Colleague")

    def __init__(self, *args: Any, colleagues: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["colleague"].choices = [  # type: ignore[attr-defined]  # a ChoiceField
            ("", "Choose a colleague"),
            *(
                (str(u.pk), f"{u.full_name} ({u.email})" if u.full_name else u.email)
                for u in colleagues
            ),
        ]
        self.fields["colleague"].error_messages["required"] = (
            "Choose the colleague to share it with."
        )


class DocumentForm(PortalForm):
    kind = forms.ChoiceField(
        label="What is it?",
        choices=[
            ("", "Choose what the file is"),
            *((k.value, k.label) for k in DocumentKind if k != DocumentKind.DISPUTE),
        ],
        error_messages={"required": "Say what the file is."},
    )
    upload = forms.FileField(
        label="File",
        help_text="A PDF, a PNG or JPEG image, or a Word document, at most 10 MB.",
        error_messages={"required": "Choose the file to add."},
    )


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django's documented pattern)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        given = data if isinstance(data, list | tuple) else [data]
        return [f for f in (single(d, initial) for d in given if d) if f]


class DisputeForm(PortalForm):
    statement = forms.CharField(
        label="Why is the decision wrong?",
        max_length=limits.DESCRIPTION,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Explain what happened and why the decision is wrong."},
    )
    attachments = MultipleFileField(
        label="Files that show it (optional)",
        required=False,
        help_text="E.g. e-mails with the customer, a letter of intent; at most 10 files.",
    )


class ResponseForm(PortalForm):
    statement = forms.CharField(
        label="Your side",
        max_length=limits.DESCRIPTION,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Explain why your registration should keep its priority."},
    )
    attachments = MultipleFileField(label="Files that show it (optional)", required=False)


def _is_partner_of(user: User, deal: Deal) -> bool:
    """A partner-side user who may act on the deal as its partner (it is visible to them:
    their own, shared with them, or their unit's)."""
    return user.is_partner_side and can(user, "deals.register")


def _deal_forms(request: PortalRequest, deal: Deal) -> dict[str, Any]:
    forms_: dict[str, Any] = {
        "approve": NoteForm(prefix="approve"),
        "info": InfoForm(prefix="info"),
        "reject": RejectForm(prefix="reject"),
        "reopen": ReopenForm(prefix="reopen"),
        "won": WonForm(prefix="won", initial={"closed_on": timezone.localdate()}),
        "lost": LostForm(prefix="lost"),
    }
    if request.user.is_partner_side:
        forms_["document"] = DocumentForm(prefix="doc")
        forms_["dispute"] = DisputeForm(prefix="dispute")
        forms_["respond"] = ResponseForm(prefix="respond")
    if can(request.user, "deals.share") and request.user.is_partner_side:
        forms_["share"] = ShareForm(prefix="share", colleagues=_colleagues(request.user, deal))
    return forms_


def _actions(request: PortalRequest, deal: Deal) -> dict[str, bool]:
    user = request.user
    partner = _is_partner_of(user, deal)
    decider = can(user, "deals.decide")
    status = deal.status
    policy = DealPolicy.current()
    deciding = status in (S.SUBMITTED, S.UNDER_REVIEW) and deal.queued_behind_id is None
    return {
        "edit": partner and status in EDITABLE_STATUSES,
        "submit": partner
        and DEAL_LIFECYCLE.can(status, S.SUBMITTED)
        and not (status == S.REJECTED and deal.submissions > policy.max_resubmissions),
        "withdraw": partner and DEAL_LIFECYCLE.can(status, S.WITHDRAWN),
        "extend": partner and status == S.APPROVED and deal.extensions < policy.max_extensions,
        "close": partner and status == S.APPROVED,
        "share": partner and can(user, "deals.share"),
        "decide": decider and deciding,
        "request_info": decider and deciding,
        "reopen": can(user, "deals.reopen") and status in (S.WON, S.LOST),
        "add_file": partner and status in FILE_STATUSES,
        "dispute": partner
        and status == S.REJECTED
        and _dispute_of(deal) is None
        and (
            (deal.rejection_reason is not None and deal.rejection_reason.code in CONFLICT_REASONS)
            or deal.conflict_count > 0
        ),
    }


FILE_STATUSES = (S.DRAFT, S.SUBMITTED, S.UNDER_REVIEW, S.INFO_REQUESTED)


def _dispute_of(deal: Deal) -> DealDispute | None:
    return DealDispute.objects.filter(deal=deal).select_related("decided_by").first()


def _answerable(request: PortalRequest, deal: Deal) -> DealDispute | None:
    """An open dispute of another partner's rejection in this deal's favour: this deal's
    partner may add its side."""
    if not request.user.is_partner_side:
        return None
    disputes = scope.disputes_answerable_by(request.user)
    return disputes.filter(deal__conflicts__competing_deal=deal).distinct().first()


def _conflicts(request: PortalRequest, deal: Deal) -> list[dict]:
    vendor = can(request.user, "deals.see_competitors")
    rows = []
    for c in deal.conflicts.select_related(
        "competing_deal__partner",
        "competing_deal__account",
        "competing_account",
        "competing_partner",
    ):
        row: dict[str, Any] = {"c": c, "label": c.get_code_display(), "reasons": c.reasons}
        if vendor:
            competing = c.competing_deal
            row["partner"] = c.competing_partner
            row["deal"] = competing
            row["lines"] = (
                list(competing.lines.select_related("product__line")) if competing else []
            )
            row["documents"] = (
                list(scope.documents_visible_to(request.user, competing)) if competing else []
            )
        rows.append(row)
    return rows


def _waiting(deal: Deal) -> dict[str, Any]:
    """While a registration waits: the queue it is in, or the SLA of its approval."""
    now = selectors.server_now()
    if deal.queued_behind_id is not None and deal.status in ACTIVE_STATUSES:
        ahead = deal.queued_behind
        return {"queued_until": ahead.protected_until if ahead else None}
    if deal.status not in (S.SUBMITTED, S.UNDER_REVIEW):
        return {}
    approval = _pending_approvals(deal).exclude(due_at__isnull=True).first()
    if approval is None or approval.due_at is None:
        return {"deciding": True}
    left = approval.due_at - now
    return {
        "due_at": approval.due_at,
        "overdue": left.total_seconds() < 0,
        "hours_left": max(int(left.total_seconds() // 3600), 0),
        "minutes_left": max(int(left.total_seconds() // 60) % 60, 0),
    }


def _timeline(request: PortalRequest, deal: Deal) -> list[dict]:
    """Every transition of the deal (its history: who, when, why), with the decisions the
    workflow's approvers took on it in their own words, newest first."""
    viewer = viewer_of(request.user)
    entries = audit_trail(deal, viewer) + decisions_timeline("deal", deal.pk, viewer)
    return sorted(entries, key=lambda e: e["at"], reverse=True)


def _detail(
    request: PortalRequest, deal: Deal, *, failed: str = "", form: forms.Form | None = None
) -> HttpResponse:
    now = selectors.server_now()
    vendor = can(request.user, "deals.see_competitors")
    forms_ = _deal_forms(request, deal)
    if failed and form is not None:
        forms_[failed] = form
    context = {
        "deal": deal,
        "lines": list(deal.lines.select_related("product__line")),
        "trail": _timeline(request, deal),
        "decided_by": viewer_of(request.user).person(deal.decided_by),
        "conflicts": _conflicts(request, deal),
        "vendor_view": can(request.user, "deals.see_competitors"),
        "actions": _actions(request, deal),
        "forms": forms_,
        "failed": failed,
        "days_left": _days_left(deal, now),
        "policy": DealPolicy.current(),
        "documents": list(
            scope.documents_visible_to(request.user, deal).select_related("uploaded_by")
        ),
        "dispute": _dispute_of(deal),
        "responses": list(
            DisputeResponse.objects.filter(dispute__deal=deal).select_related("partner")
        )
        if vendor
        else [],
        "answerable": _answerable(request, deal),
        **_waiting(deal),
    }
    return render(request, "deals/deal_detail.html", context, status=400 if failed else 200)


@login_required
def deal_detail(request: PortalRequest, deal_id: int) -> HttpResponse:
    deal = scope.get_deal_for(request.user, deal_id)
    return _detail(request, deal)


# While a deal waits for its decision, the page asks every few seconds whether it changed,
# so a decision (an automatic one takes seconds) shows while the partner is on the page.


@login_required
def deal_status(request: PortalRequest, deal_id: int) -> HttpResponse:
    """htmx: nothing (204) while the deal's status is still ``?was=``; once it changed, the
    page reloads itself (``HX-Refresh``) to show the decision."""
    deal = scope.get_deal_for(request.user, deal_id)
    if deal.status == request.GET.get("was", ""):
        return HttpResponse(status=204)
    response = HttpResponse(status=200)
    response["HX-Refresh"] = "true"
    return response


def _act(request: PortalRequest, deal_id: int, capability: str) -> Deal:
    if not can(request.user, capability):
        raise Http404
    return scope.get_deal_for(request.user, deal_id)


def _done(request: PortalRequest, deal: Deal, message: str) -> HttpResponse:
    messages.success(request, message)
    return redirect("deal-detail", deal.pk)


def _with_form(
    request: PortalRequest, deal: Deal, name: str, form: forms.Form, write
) -> HttpResponse | None:
    """Run ``write`` for a valid ``form``; otherwise, or if the service refuses, the deal
    page again with the form's errors beside its fields (None: it worked)."""
    if form.is_valid():
        with service_errors(request, form) as outcome:
            write(form.cleaned_data)
        if not outcome.failed:
            return None
    return _detail(request, scope.get_deal_for(request.user, deal.pk), failed=name, form=form)


def deal_submit(request: PortalRequest, deal_id: int) -> HttpResponse:
    deal = _act(request, deal_id, "deals.register")
    return _submit_and_tell(request, deal, saved_first=False)


def deal_withdraw(request: PortalRequest, deal_id: int) -> HttpResponse:
    deal = _act(request, deal_id, "deals.register")
    with service_errors(request) as outcome:
        services.deal_withdraw(actor=request.user, deal=deal)
    if outcome.failed:
        return redirect("deal-detail", deal.pk)
    return _done(
        request, deal, f"“{deal.name}” is withdrawn: it no longer holds {deal.account.name}."
    )


def deal_extend(request: PortalRequest, deal_id: int) -> HttpResponse:
    deal = _act(request, deal_id, "deals.register")
    with service_errors(request) as outcome:
        services.deal_extend_request(actor=request.user, deal=deal)
    if outcome.failed:
        return redirect("deal-detail", deal.pk)
    return _done(
        request,
        deal,
        "Your request for a longer protection went to the channel team; you will be told "
        "their decision.",
    )


def deal_won(request: PortalRequest, deal_id: int) -> HttpResponse:
    deal = _act(request, deal_id, "deals.register")
    form = WonForm(request.POST, prefix="won")
    failed = _with_form(
        request,
        deal,
        "won",
        form,
        lambda d: services.deal_won(
            actor=request.user, deal=deal, closed_on=d["closed_on"], final_amount=d["final_amount"]
        ),
    )
    return failed or _done(request, deal, f"Congratulations: “{deal.name}” is marked won.")


def deal_lost(request: PortalRequest, deal_id: int) -> HttpResponse:
    deal = _act(request, deal_id, "deals.register")
    form = LostForm(request.POST, prefix="lost")
    failed = _with_form(
        request,
        deal,
        "lost",
        form,
        lambda d: services.deal_lost(actor=request.user, deal=deal, reason=d["reason"]),
    )
    return failed or _done(request, deal, f"“{deal.name}” is marked lost.")


def deal_share(request: PortalRequest, deal_id: int) -> HttpResponse:
    deal = _act(request, deal_id, "deals.share")
    colleagues = _colleagues(request.user, deal)
    form = ShareForm(request.POST, prefix="share", colleagues=colleagues)

    def share(d: dict) -> None:
        colleague = colleagues.filter(pk=d["colleague"]).first()
        if colleague is None:
            raise Invalid({"colleague": ["Choose one of your colleagues."]})
        services.deal_share(actor=request.user, deal=deal, colleague=colleague)

    failed = _with_form(request, deal, "share", form, share)
    if failed:
        return failed
    chosen = colleagues.get(pk=form.cleaned_data["colleague"])
    return _done(
        request, deal, f"Shared with {chosen.full_name or chosen.email}: they can see it now."
    )


def deal_file_add(request: PortalRequest, deal_id: int) -> HttpResponse:
    deal = _act(request, deal_id, "deals.register")
    form = DocumentForm(request.POST, request.FILES, prefix="doc")
    failed = _with_form(
        request,
        deal,
        "document",
        form,
        lambda d: services.deal_document_add(
            actor=request.user, deal=deal, upload=d["upload"], kind=d["kind"]
        ),
    )
    return failed or _done(request, deal, "The file is added: the channel team sees it.")


def deal_dispute(request: PortalRequest, deal_id: int) -> HttpResponse:
    deal = _act(request, deal_id, "deals.register")
    form = DisputeForm(request.POST, request.FILES, prefix="dispute")
    failed = _with_form(
        request,
        deal,
        "dispute",
        form,
        lambda d: services.deal_dispute(
            actor=request.user, deal=deal, statement=d["statement"], files=d["attachments"]
        ),
    )
    return failed or _done(
        request, deal, "Your dispute went to the channel team's manager, who decides it."
    )


def deal_dispute_respond(request: PortalRequest, deal_id: int) -> HttpResponse:
    deal = _act(request, deal_id, "deals.register")
    dispute = _answerable(request, deal)
    if dispute is None:
        raise Http404
    form = ResponseForm(request.POST, request.FILES, prefix="respond")
    failed = _with_form(
        request,
        deal,
        "respond",
        form,
        lambda d: services.dispute_respond(
            actor=request.user, dispute=dispute, statement=d["statement"], files=d["attachments"]
        ),
    )
    return failed or _done(request, deal, "Your side is added to the dispute.")


def _my_approval(request: PortalRequest, deal: Deal) -> Approval | None:
    """The approval of this registration asked of the viewer, if any: deciding on the deal
    page decides it, so the workflow goes on as in the inbox."""
    return _pending_approvals(deal).filter(approver=request.user).first()


def deal_approve(request: PortalRequest, deal_id: int) -> HttpResponse:
    deal = _act(request, deal_id, "deals.decide")
    form = NoteForm(request.POST, prefix="approve")

    def approve(d: dict) -> None:
        approval = _my_approval(request, deal)
        if approval is not None:  # the workflow asked: its next step approves the deal
            approval_decide(
                actor=request.user, approval_id=approval.pk, decision="approved", comment=d["note"]
            )
        else:
            services.deal_approve(actor=request.user, deal=deal, note=d["note"])

    failed = _with_form(request, deal, "approve", form, approve)
    if failed:
        return failed
    deal.refresh_from_db()
    if deal.status == S.APPROVED and deal.protected_until:
        when = date_format(localtime(deal.protected_until))
        return _done(
            request, deal, f"Approved: {deal.partner.display_name} is protected until {when}."
        )
    return _done(request, deal, "Your approval is recorded: the workflow asks for the next one.")


def deal_reject(request: PortalRequest, deal_id: int) -> HttpResponse:
    deal = _act(request, deal_id, "deals.decide")
    form = RejectForm(request.POST, prefix="reject")

    def reject(d: dict) -> None:
        # The workflow's question is answered too: the rejection records the viewer's own
        # approval as rejected, and ends the runs still asking (deals.services._move).
        services.deal_reject(
            actor=request.user, deal=deal, reason_code=d["reason_code"], note=d["note"]
        )

    failed = _with_form(request, deal, "reject", form, reject)
    return failed or _done(request, deal, "Rejected: the partner is told the reason.")


def deal_request_info(request: PortalRequest, deal_id: int) -> HttpResponse:
    deal = _act(request, deal_id, "deals.decide")
    form = InfoForm(request.POST, prefix="info")
    failed = _with_form(
        request,
        deal,
        "info",
        form,
        lambda d: services.deal_request_info(actor=request.user, deal=deal, note=d["note"]),
    )
    return failed or _done(
        request, deal, "Your question went to the partner; their answer submits it again."
    )


def deal_reopen(request: PortalRequest, deal_id: int) -> HttpResponse:
    deal = _act(request, deal_id, "deals.reopen")
    form = ReopenForm(request.POST, prefix="reopen")
    failed = _with_form(
        request,
        deal,
        "reopen",
        form,
        lambda d: services.deal_reopen(actor=request.user, deal=deal, reason=d["reason"]),
    )
    return failed or _done(request, deal, "Reopened: the deal is approved again.")


def login_post(view):
    """An action of the deal page: signed in, POST only (the capability and the scope are
    checked by the view)."""
    return login_required(require_POST(view))


urlpatterns: list[URLPattern | URLResolver] = [
    path("deals/", my_deals, name="my-deals"),
    path("deals/mine.csv", my_deals_export, name="my-deals-export"),
    path("deals/new/", deal_new, name="deal-new"),
    path("deals/new/customers/", deal_customers, name="deal-customers"),
    path("deals/new/check/", deal_check, name="deal-check"),
    path("deals/<int:deal_id>/", deal_detail, name="deal-detail"),
    path("deals/<int:deal_id>/edit/", deal_edit, name="deal-edit"),
    path("deals/<int:deal_id>/status/", deal_status, name="deal-status"),
    *(
        path(f"deals/<int:deal_id>/{slug}/", login_post(view), name=f"deal-{slug}")
        for slug, view in [
            ("submit", deal_submit),
            ("withdraw", deal_withdraw),
            ("extend", deal_extend),
            ("won", deal_won),
            ("lost", deal_lost),
            ("share", deal_share),
            ("approve", deal_approve),
            ("reject", deal_reject),
            ("request-info", deal_request_info),
            ("reopen", deal_reopen),
            ("files", deal_file_add),
            ("dispute", deal_dispute),
            ("dispute-response", deal_dispute_respond),
        ]
    ),
]
