"""Partner-side pages of customer accounts: the lookup ("is this customer free?"),
reserving, adding a customer the lookup did not find, and my reservations. They read
through deals.selectors / deals.scope and write through deals.services, as the API does."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, URLResolver, path, reverse
from django.utils.formats import date_format
from django.utils.http import urlencode
from django.utils.timezone import localtime
from django.views.decorators.http import require_POST
from django_countries import countries

from deals import scope, selectors, services
from deals.models import DOMAIN_MAX, NAME_MAX, Reservation, ReservationPolicy, ReservationStatus
from deals.normalise import registrable_domain
from partners.views._common import requires
from prm.permissions import can
from prm.portal.forms import PortalForm
from prm.portal.views import PortalRequest, service_errors

TOO_MANY = "Too many lookups in a short time: wait a minute and try again."

STATUS_WORDS = {
    selectors.OPEN: ("Open", "No partner holds this customer: you can reserve it."),
    selectors.RESERVED: ("Reserved", "Another partner has reserved this customer."),
    selectors.RESERVED_BY_YOU: ("Reserved by you", "Your company holds this customer."),
    selectors.VENDOR_OWNED: (
        "The vendor sells directly",
        "The vendor sells to this customer directly: it cannot be reserved.",
    ),
    selectors.NEEDS_REVIEW: (
        "Needs review",
        "No certain match, only similar names: check whether one below is your customer. "
        "Doubtful cases go to the channel team for review.",
    ),
}


def _country_choices(blank: str) -> list[tuple[str, str]]:
    return [("", blank), *((code, str(name)) for code, name in countries)]


def _check_domain(value: str) -> str:
    value = (value or "").strip()
    if value and (len(value) > DOMAIN_MAX or registrable_domain(value) is None):
        raise forms.ValidationError("Enter a web address, an e-mail address or a domain.")
    return value


class LookupForm(PortalForm):
    q = forms.CharField(label="Company name", max_length=NAME_MAX, required=False, strip=True)
    domain = forms.CharField(
        label="Website or e-mail domain", max_length=DOMAIN_MAX, required=False, strip=True
    )
    country = forms.ChoiceField(
        label="Country", required=False, choices=lambda: _country_choices("Any country")
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.attrs.update(
            {"placeholder": "e.g. Contoso Pharma", "autocomplete": "off", "type": "search"}
        )
        self.fields["domain"].widget.attrs.update(
            {"placeholder": "e.g. contoso.com", "autocomplete": "off"}
        )

    def clean_domain(self) -> str:
        return _check_domain(self.cleaned_data.get("domain", ""))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        short = len(data.get("q") or "") < selectors.LOOKUP_MIN_CHARS
        if not data.get("domain") and short and "q" not in self.errors:
            self.add_error(
                "q",
                f"Type at least {selectors.LOOKUP_MIN_CHARS} characters of the name, or a domain.",
            )
        return data


class AddCustomerForm(PortalForm):
    prefix = "add"  # beside the lookup's own fields on one page
    name = forms.CharField(label="Company name", max_length=NAME_MAX)
    domains = forms.CharField(
        label="Website or e-mail domain", max_length=DOMAIN_MAX, required=False
    )
    country = forms.ChoiceField(
        label="Country", choices=lambda: _country_choices("Choose the country")
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["country"].error_messages["required"] = "Choose the customer's country."
        self.fields["name"].error_messages["required"] = "Enter the customer's company name."

    def clean_domains(self) -> str:
        return _check_domain(self.cleaned_data.get("domains", ""))


def _policy_words() -> dict[str, Any]:
    policy = ReservationPolicy.current()
    return {
        "period_days": policy.period_days,
        "ends_on": selectors.server_now() + timedelta(days=policy.period_days),
    }


def _lookup_context(request: PortalRequest, form: LookupForm) -> dict[str, Any]:
    """The lookup's answer for a valid form, a message for a refused one."""
    context: dict[str, Any] = {"form": form, "answer": None, "limited": False}
    if not form.is_bound or not form.is_valid():
        return context
    if selectors.lookup_rate_limited(request):  # the API's budget too
        context["limited"] = True
        return context
    data = form.cleaned_data
    answer = selectors.account_lookup(
        request.user, q=data["q"], domain=data["domain"], country=data["country"]
    )
    context["answer"] = answer
    context["answer_words"] = STATUS_WORDS[answer.status]
    context["candidates"] = [
        {
            "c": c,
            "words": STATUS_WORDS[c.status],
            "domains": c.domains,
        }
        for c in answer.matches
    ]
    context["no_match"] = not answer.matches
    if context["no_match"]:
        context["add_form"] = AddCustomerForm(
            initial={"name": data["q"], "domains": data["domain"], "country": data["country"]}
        )
    return context


def _back_to_lookup(request: PortalRequest) -> HttpResponse:
    query = {k: request.POST.get(k, "") for k in ("q", "domain", "country")}
    return redirect(f"{reverse('account-lookup')}?{urlencode(query)}")


@requires("accounts.lookup")
def account_lookup(request: PortalRequest) -> HttpResponse:
    """Is this customer free? Search as you type; the answer in the users' words."""
    bound = any(request.GET.get(k) for k in ("q", "domain"))
    form = LookupForm(request.GET if bound else None)
    context = _lookup_context(request, form)
    context.update(_policy_words())
    context["can_reserve"] = scope.partner_of(request.user) is not None
    template = "deals/partner_lookup.html#results" if request.htmx else "deals/partner_lookup.html"
    return render(request, template, context)


def _reserved_message(request: PortalRequest, reservation: Reservation) -> None:
    messages.success(
        request,
        f"{reservation.account.name} is reserved for your company from "
        f"{date_format(localtime(reservation.starts_at), 'DATETIME_FORMAT')} until "
        f"{date_format(localtime(reservation.expires_at))}.",
    )


@requires("reservations.create")
@require_POST
def account_reserve(request: PortalRequest) -> HttpResponse:
    """Reserve an account the lookup answered "open"; a refusal (vendor-owned, taken,
    someone else was quicker) is a message on the lookup page and changes nothing."""
    account_id = request.POST.get("account", "")
    found = (
        scope.accounts_nameable_by(request.user).filter(pk=account_id).first()
        if account_id.isdigit()
        else None
    )
    if found is None:  # missing, or not for this user: the same 404
        raise Http404
    with service_errors(request) as outcome:
        reservation = services.reservation_create(actor=request.user, account=found)
    if outcome.failed:
        return _back_to_lookup(request)
    _reserved_message(request, reservation)
    return redirect("my-reservations")


@requires("reservations.create")
@require_POST
def account_add(request: PortalRequest) -> HttpResponse:
    """Add the customer a lookup did not find, and reserve it. Looked up again first: if
    someone added it meanwhile, the answer is shown instead of a duplicate."""
    add_form = AddCustomerForm(request.POST)
    lookup = LookupForm(
        {
            "q": request.POST.get("add-name", ""),
            "domain": request.POST.get("add-domains", ""),
            "country": request.POST.get("add-country", ""),
        }
    )
    context = _policy_words()
    context["can_reserve"] = True
    if add_form.is_valid():
        data = add_form.cleaned_data
        again = _lookup_context(request, lookup)
        if again["answer"] is not None and again["answer"].matches:
            messages.info(request, "This customer is already known: here is its standing.")
            context.update(again)
            return render(request, "deals/partner_lookup.html", context)
        if not again["limited"]:
            account = None
            with service_errors(request, add_form) as outcome:
                account = services.account_create(
                    actor=request.user,
                    name=data["name"],
                    country=data["country"],
                    domains=[data["domains"]] if data["domains"] else [],
                )
            if not outcome.failed and account is not None:
                with service_errors(request) as reserved:
                    reservation = services.reservation_create(actor=request.user, account=account)
                if reserved.failed:
                    return redirect(f"{reverse('account-lookup')}?{urlencode({'q': account.name})}")
                _reserved_message(request, reservation)
                return redirect("my-reservations")
        else:
            add_form.add_error(None, TOO_MANY)
    context.update({"form": LookupForm(lookup.data), "answer": None, "add_form": add_form})
    context["no_match"] = True
    context["adding"] = True
    return render(request, "deals/partner_lookup.html", context)


@requires("reservations.create")
def my_reservations(request: PortalRequest) -> HttpResponse:
    """My company's reservations: active ones first, the nearest end first, then ended."""
    rows = list(selectors.reservation_queryset(request.user))
    now = selectors.server_now()
    active = sorted(
        (r for r in rows if r.status == ReservationStatus.ACTIVE), key=lambda r: r.expires_at
    )
    ended = sorted(
        (r for r in rows if r.status != ReservationStatus.ACTIVE),
        key=lambda r: r.ended_at or r.expires_at,
        reverse=True,
    )
    asked = selectors.extensions_asked(active)
    policy = ReservationPolicy.current()
    for r in active:
        r.days_left = max((r.expires_at - now).days, 0)  # type: ignore[attr-defined]
        r.extension_asked = asked.get(r.pk)  # type: ignore[attr-defined]
        r.may_extend = r.extensions < policy.max_extensions  # type: ignore[attr-defined]
    return render(
        request,
        "deals/partner_reservations.html",
        {
            "active": active,
            "ended": ended,
            "policy": policy,
            "can_release": can(request.user, "reservations.release"),
        },
    )


@requires("reservations.release")
@require_POST
def reservation_release(request: PortalRequest, reservation_id: int) -> HttpResponse:
    reservation = scope.get_reservation_for(request.user, reservation_id)
    with service_errors(request) as outcome:
        services.reservation_release(actor=request.user, reservation=reservation)
    if not outcome.failed:
        messages.success(
            request, f"Released {reservation.account.name}: other partners can reserve it now."
        )
    return redirect("my-reservations")


@requires("reservations.create")
@require_POST
def reservation_extend(request: PortalRequest, reservation_id: int) -> HttpResponse:
    reservation = scope.get_reservation_for(request.user, reservation_id)
    with service_errors(request) as outcome:
        services.reservation_extend_request(actor=request.user, reservation=reservation)
    if not outcome.failed:
        messages.success(
            request,
            f"Your request to extend {reservation.account.name} went to the channel team. "
            "You will be notified of their decision.",
        )
    return redirect("my-reservations")


urlpatterns: list[URLPattern | URLResolver] = [
    path("customers/", account_lookup, name="account-lookup"),
    path("customers/reserve/", account_reserve, name="account-reserve"),
    path("customers/add/", account_add, name="account-add"),
    path("reservations/", my_reservations, name="my-reservations"),
    path(
        "reservations/<int:reservation_id>/release/",
        reservation_release,
        name="reservation-release",
    ),
    path(
        "reservations/<int:reservation_id>/extend/",
        reservation_extend,
        name="reservation-extend",
    ),
]
