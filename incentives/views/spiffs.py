"""Portal pages of SPIFFs.

- Partner side, "My rewards" (``mdf.view``): the rewards the user sees (a partner user
  their own, partner admins and managers their partner's) for a year, each person's total
  of the year against the tax form threshold, and the SPIFFs that apply to them.
- Vendor side, "SPIFFs": the rules with their versions (vendor admins add, change and close
  them; a change of a rule with rewards makes its next version, which the form says before
  it is saved), the SPIFF policy, and the rewards of the partners in scope with each rep's
  yearly total."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.views.decorators.http import require_POST

from deals.scope import product_lines_visible_to
from incentives import spiff_scope, spiffs
from incentives.models import RewardKind, RewardStatus, SpiffPolicy, SpiffRuleVersion
from partners.models import Tier
from partners.views._common import requires
from prm.permissions import can
from prm.portal.forms import PortalForm
from prm.portal.views import PortalRequest, service_errors
from prm.tenancy.context import current_tenant
from prm.users.models import Role

PAGE_SIZE = 25


def _amount_field(label: str, help_text: str = "", required: bool = False) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=required,
        max_digits=14,
        decimal_places=2,
        help_text=help_text,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
        error_messages={
            "invalid": "Enter an amount, such as 250 or 99.50.",
            "max_decimal_places": "Enter the amount in whole cents.",
        },
    )


class SpiffForm(PortalForm):
    """A rule's terms, named as ``rule_create``'s arguments (the service's errors stand
    beside these fields)."""

    name = forms.CharField(label="Name", max_length=spiffs.NAME_MAX, required=False)
    starts_on = forms.DateField(
        label="Deals won from",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    ends_on = forms.DateField(
        label="Deals won until", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    product_line = forms.ModelChoiceField(
        label="Product line",
        queryset=Tier.objects.none(),
        required=False,
        empty_label="Every product line",
        help_text="Only deal lines of this product line earn the reward.",
    )
    tiers = forms.ModelMultipleChoiceField(
        label="Partner tiers",
        queryset=Tier.objects.order_by("rank"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="None ticked: partners of every tier.",
    )
    kind = forms.ChoiceField(
        label="The reward",
        choices=RewardKind.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    fixed_amount = _amount_field("Amount per won deal line", "For a fixed reward, such as 250.")
    percent = forms.DecimalField(
        label="Percentage of the line's amount",
        required=False,
        max_digits=5,
        decimal_places=2,
        help_text="For a percentage, such as 2.5 (of the line's share of the final amount).",
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
        error_messages={"invalid": "Enter a percentage, such as 2.5."},
    )
    currency = forms.CharField(
        label="Currency",
        max_length=3,
        required=False,
        help_text="Only deals in this currency earn the reward.",
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "size": 4}),
    )
    partner_cap = _amount_field(
        "Cap per partner", "The most one partner earns in all. Empty: none."
    )
    rep_cap = _amount_field("Cap per rep", "The most one person earns in all. Empty: none.")

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["product_line"]
        field.queryset = product_lines_visible_to(user).order_by("name")  # type: ignore[attr-defined]  # a ModelChoiceField

    def terms(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["tiers"] = list(data.get("tiers") or [])
        data["currency"] = (data.get("currency") or "").strip().upper()
        return data

    @staticmethod
    def initial_for(version: SpiffRuleVersion) -> dict[str, Any]:
        terms = spiffs.terms_of(version)
        terms.pop("active")
        return terms


class PolicyForm(PortalForm):
    reversal_days = forms.IntegerField(
        label="Reversal window (days)",
        min_value=0,
        max_value=3650,
        help_text="A deal reopened within this many days after its win gives its rewards back.",
        error_messages={"invalid": "Enter a whole number of days."},
    )
    tax_form_threshold = _amount_field(
        "Yearly total for a tax form",
        "A person whose rewards of a calendar year reach this amount gets a tax form.",
        required=True,
    )


def _year(request: PortalRequest, years: list[int]) -> int:
    given = request.GET.get("year", "")
    this_year = timezone.localdate().year
    if given.isdigit() and 2000 <= int(given) <= 2100:
        return int(given)
    return this_year


def _rewards(request: PortalRequest, year: int, status: str, rep: str):
    rewards = (
        spiff_scope.rewards_visible_to(request.user)
        .filter(won_on__year=year)
        .select_related("deal", "line__product", "version", "rep", "partner")
        .order_by("-won_on", "-pk")
    )
    if status in RewardStatus.values:
        rewards = rewards.filter(status=status)
    if rep.isdigit():
        rewards = rewards.filter(rep_id=int(rep))
    return rewards


def _year_context(request: PortalRequest) -> dict[str, Any]:
    years = spiff_scope.reward_years(request.user)
    year = _year(request, years)
    if year not in years:
        years = sorted({*years, year}, reverse=True)
    status = request.GET.get("status", "")
    rep = request.GET.get("rep", "")
    rewards = _rewards(request, year, status, rep)
    page = Paginator(rewards, PAGE_SIZE).get_page(request.GET.get("page"))
    policy = SpiffPolicy.current()
    return {
        "years": years,
        "year": year,
        "chosen": {"status": status if status in RewardStatus.values else "", "rep": rep},
        "statuses": RewardStatus.choices,
        "page": page,
        "totals": spiff_scope.yearly_totals(request.user, year),
        "policy": policy,
        "threshold": policy.tax_form_threshold,
        "currency": current_tenant().currency,
    }


@requires("mdf.view")
def my_rewards(request: PortalRequest) -> HttpResponse:
    if request.user.is_vendor_side:
        return redirect("spiff-rewards")
    context = _year_context(request)
    rules = (
        spiff_scope.rules_visible_to(request.user)
        .filter(versions__superseded_at__isnull=True, versions__active=True)
        .prefetch_related("versions__product_line", "versions__tiers")
        .distinct()
    )
    today = timezone.localdate()
    context["rules"] = [
        version
        for rule in rules
        for version in rule.versions.all()
        if version.superseded_at is None and version.active and version.ends_on >= today
    ]
    context["own"] = next((t for t in context["totals"] if t.rep_id == request.user.pk), None)
    context["whole_partner"] = request.user.role != Role.PARTNER_USER
    return render(request, "incentives/spiffs_my_rewards.html", context)


@requires("mdf.view")
def spiff_rules(request: PortalRequest) -> HttpResponse:
    if not request.user.is_vendor_side:
        raise Http404
    rules = (
        spiff_scope.rules_visible_to(request.user)
        .prefetch_related("versions__product_line", "versions__tiers")
        .order_by("-created_at", "-pk")
    )
    rows = []
    for rule in rules:
        versions = sorted(rule.versions.all(), key=lambda v: -v.number)
        rows.append({"rule": rule, "current": versions[0], "older": versions[1:]})
    can_configure = can(request.user, "mdf.configure")
    policy = SpiffPolicy.current()
    policy_form = PolicyForm(
        initial={
            "reversal_days": policy.reversal_days,
            "tax_form_threshold": policy.tax_form_threshold,
        }
    )
    return render(
        request,
        "incentives/spiffs_rules.html",
        {
            "rows": rows,
            "can_configure": can_configure,
            "policy": policy,
            "policy_form": policy_form,
            "tab": "rules",
        },
    )


@require_POST
@requires("mdf.configure")
def spiff_policy(request: PortalRequest) -> HttpResponse:
    form = PolicyForm(request.POST)
    if form.is_valid():
        with service_errors(request, form) as outcome:
            spiffs.policy_set(actor=request.user, **form.cleaned_data)
        if not outcome.failed:
            messages.success(request, "The SPIFF policy is saved.")
            return redirect("spiffs")
    messages.error(
        request,
        "The policy is not saved: "
        + " ".join(str(e) for errors in form.errors.values() for e in errors),
    )
    return redirect("spiffs")


def _form_page(
    request: PortalRequest,
    form: SpiffForm,
    version: SpiffRuleVersion | None,
    status: int = 200,
) -> HttpResponse:
    context = {
        "form": form,
        "version": version,
        "has_accruals": bool(version and spiffs.has_accruals(version)),
        "rewards": version.rewards.count() if version else 0,
        "program_currency": current_tenant().currency,
    }
    return render(request, "incentives/spiffs_form.html", context, status=status)


@requires("mdf.configure")
def spiff_new(request: PortalRequest) -> HttpResponse:
    if request.method == "POST":
        form = SpiffForm(request.POST, user=request.user)
        if form.is_valid():
            with service_errors(request, form) as outcome:
                version = spiffs.rule_create(actor=request.user, **form.terms())
            if not outcome.failed:
                messages.success(
                    request, f"{version.name} is set up: deals won from now on earn it."
                )
                return redirect("spiffs")
        return _form_page(request, form, None, status=400)
    initial = {"currency": current_tenant().currency, "kind": RewardKind.FIXED}
    return _form_page(request, SpiffForm(initial=initial, user=request.user), None)


@requires("mdf.configure")
def spiff_change(request: PortalRequest, rule_id: int) -> HttpResponse:
    rule = spiff_scope.get_rule_for(request.user, rule_id)
    version = rule.versions.get(superseded_at__isnull=True)
    if request.method == "POST":
        form = SpiffForm(request.POST, user=request.user)
        if form.is_valid():
            with service_errors(request, form) as outcome:
                saved = spiffs.rule_change(actor=request.user, rule=rule, fields=form.terms())
            if not outcome.failed:
                if saved.pk != version.pk:
                    messages.success(
                        request,
                        f"{saved.name} is now version {saved.number}. The rewards earned "
                        f"under version {version.number} keep its terms.",
                    )
                else:
                    messages.success(request, f"{saved.name} is saved.")
                return redirect("spiffs")
        return _form_page(request, form, version, status=400)
    form = SpiffForm(initial=SpiffForm.initial_for(version), user=request.user)
    return _form_page(request, form, version)


@require_POST
@requires("mdf.configure")
def spiff_close(request: PortalRequest, rule_id: int) -> HttpResponse:
    rule = spiff_scope.get_rule_for(request.user, rule_id)
    with service_errors(request) as outcome:
        version = spiffs.rule_close(actor=request.user, rule=rule)
    if not outcome.failed:
        messages.success(
            request,
            f"{version.name} is closed: deals won from now on earn nothing under it. "
            "The rewards already earned stay.",
        )
    return redirect("spiffs")


@requires("mdf.view")
def spiff_rewards(request: PortalRequest) -> HttpResponse:
    if not request.user.is_vendor_side:
        return redirect("my-rewards")
    context = _year_context(request)
    context["tab"] = "rewards"
    context["reps"] = [(t.rep_id, t.name) for t in context["totals"]]
    context["filtered"] = bool(context["chosen"]["status"] or context["chosen"]["rep"])
    context["total_sum"] = sum(
        (t.total for t in context["totals"] if t.currency == context["currency"]), Decimal(0)
    )
    return render(request, "incentives/spiffs_rewards.html", context)


urlpatterns: list[URLPattern] = [
    path("rewards/", my_rewards, name="my-rewards"),
    path("spiffs/", spiff_rules, name="spiffs"),
    path("spiffs/new/", spiff_new, name="spiff-new"),
    path("spiffs/policy/", spiff_policy, name="spiff-policy"),
    path("spiffs/rewards/", spiff_rewards, name="spiff-rewards"),
    path("spiffs/<int:rule_id>/change/", spiff_change, name="spiff-change"),
    path("spiffs/<int:rule_id>/close/", spiff_close, name="spiff-close"),
]
