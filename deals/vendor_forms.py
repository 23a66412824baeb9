"""Forms of the vendor's pages: the reservation policy, the deal list's filters, the deal
policy, a rejection reason."""

from __future__ import annotations

from typing import Any

from django import forms
from django_countries import countries as django_countries

from deals.models import (
    ConflictRule,
    DealPolicy,
    DealStatus,
    ProductLine,
    ProductOverlap,
    ReservationPolicy,
)
from deals.services.policy import THRESHOLDS as THRESHOLD_NAMES
from partners.models import Partner
from prm.money import DECIMAL_PLACES, MAX_DIGITS
from prm.portal.forms import PortalForm

SIMILARITY_HELP = "Between 0.3 (many suggestions) and 1 (only near-identical names)."


class ReservationPolicyForm(PortalForm):
    period_days = forms.IntegerField(
        label="A reservation lasts (days)", help_text="Between 1 and 730 days."
    )
    reminder_days = forms.CharField(
        label="Remind the partner (days before the end)",
        required=False,
        help_text="Days separated by commas, e.g. 14, 3. Empty: no reminders.",
    )
    max_active_per_partner = forms.IntegerField(
        label="Active reservations a partner may hold at once",
        required=False,
        help_text="Empty: no limit.",
    )
    max_extensions = forms.IntegerField(
        label="Extensions a partner may ask for", min_value=0, max_value=100
    )
    extension_days = forms.IntegerField(
        label="An extension adds (days)", help_text="Between 1 and 365 days."
    )
    parent_covers_children = forms.BooleanField(
        label="Reserving a company also reserves its offices and subsidiaries",
        required=False,
        help_text="Off: another partner may still reserve one of its offices.",
    )
    child_blocks_parent = forms.BooleanField(
        label="An office reserved by one partner keeps other partners from the whole company",
        required=False,
        help_text="Off: another partner may reserve the parent company even so.",
    )
    name_similarity = forms.FloatField(
        label="Similar names suggested for review from", help_text=SIMILARITY_HELP
    )
    core_similarity = forms.FloatField(
        label="Similar names without generic words (Group, Systems, …) suggested from",
        help_text=SIMILARITY_HELP,
    )
    possible_min_score = forms.FloatField(
        label="Lowest score of a suggestion", help_text=SIMILARITY_HELP
    )

    @classmethod
    def initial_for(cls, policy: ReservationPolicy) -> dict[str, Any]:
        initial = {name: getattr(policy, name) for name in cls.base_fields}
        initial["reminder_days"] = ", ".join(str(d) for d in policy.reminder_days or [])
        return initial

    def clean_reminder_days(self) -> list[int]:
        text = self.cleaned_data.get("reminder_days") or ""
        parts = [p.strip() for p in text.replace(";", ",").split(",") if p.strip()]
        if not all(p.isdigit() for p in parts):
            raise forms.ValidationError("Write whole numbers of days, separated by commas.")
        return [int(p) for p in parts]


def _days_list(text: str) -> list[int]:
    parts = [p.strip() for p in (text or "").replace(";", ",").split(",") if p.strip()]
    if not all(p.isdigit() for p in parts):
        raise forms.ValidationError("Write whole numbers of days, separated by commas.")
    return [int(p) for p in parts]


class DateInput(forms.DateInput):
    input_type = "date"


class DealFilterForm(PortalForm):
    """The filters of the vendor's deal list; the choices come from the deals the user
    sees (``partners``, ``regions``, ``countries``)."""

    status = forms.ChoiceField(
        label="Status", required=False, choices=[("", "Any status"), *DealStatus.choices]
    )
    partner = forms.ModelChoiceField(
        label="Partner", required=False, queryset=Partner.objects.none(), empty_label="Any partner"
    )
    region = forms.ChoiceField(label="Region or country", required=False)
    product_line = forms.ModelChoiceField(
        label="Product line",
        required=False,
        queryset=ProductLine.objects.order_by("name"),
        empty_label="Any product line",
    )
    registered_from = forms.DateField(label="Registered from", required=False, widget=DateInput)
    registered_to = forms.DateField(label="Registered until", required=False, widget=DateInput)
    close_from = forms.DateField(label="Expected close from", required=False, widget=DateInput)
    close_to = forms.DateField(label="Expected close until", required=False, widget=DateInput)

    def __init__(self, *args, partners, regions: list[str], countries: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partner"].queryset = partners  # type: ignore[attr-defined]
        choices: list = [("", "Any region or country")]
        if regions:
            choices.append(("Regions", [(f"region:{r}", r) for r in regions]))
        if countries:
            choices.append(
                ("Countries", [(f"country:{c}", django_countries.name(c) or c) for c in countries])
            )
        self.fields["region"].choices = choices  # type: ignore[attr-defined]

    def clean(self):
        data = super().clean() or {}
        for start, end in (("registered_from", "registered_to"), ("close_from", "close_to")):
            if data.get(start) and data.get(end) and data[start] > data[end]:
                self.add_error(end, "Choose a date after the first one.")
        return data


AMOUNT_HELP = "In the program's currency; 0 for none."


class DealPolicyForm(PortalForm):
    """The deal policy in people's words, with the account matching's name thresholds and
    the product-overlap rule (the back-test tries them before they are saved)."""

    product_overlap = forms.ChoiceField(
        label="Two registrations of one customer compete when they share",
        choices=ProductOverlap.choices,
        widget=forms.RadioSelect,
    )
    name_similarity = forms.FloatField(
        label="Names count as possibly the same customer from a similarity of",
        help_text=SIMILARITY_HELP,
    )
    core_similarity = forms.FloatField(
        label="Names without generic words (Group, Systems, …) count from a similarity of",
        help_text=SIMILARITY_HELP,
    )
    possible_min_score = forms.FloatField(
        label="Lowest score of a possible duplicate", help_text=SIMILARITY_HELP
    )
    conflict_rule = forms.ChoiceField(
        label="When a later registration competes with an earlier one",
        choices=ConflictRule.choices,
        widget=forms.RadioSelect,
    )
    min_amount = forms.DecimalField(
        max_digits=MAX_DIGITS,
        decimal_places=DECIMAL_PLACES,
        label="Smallest deal a partner may register",
        min_value=0,
        help_text=AMOUNT_HELP,
    )
    close_horizon_days = forms.IntegerField(
        label="The expected close date may be at most (days ahead)"
    )
    protection_days = forms.IntegerField(label="An approved deal is protected for (days)")
    reminder_days = forms.CharField(
        label="Remind the partner before the protection ends (days before)",
        required=False,
        help_text="Days separated by commas, e.g. 14, 3. Empty: no reminders.",
    )
    max_extensions = forms.IntegerField(label="Extensions a partner may ask for")
    extension_days = forms.IntegerField(label="An extension adds (days)")
    max_resubmissions = forms.IntegerField(label="Times a rejected deal may be submitted again")
    auto_approve_below = forms.DecimalField(
        max_digits=MAX_DIGITS,
        decimal_places=DECIMAL_PLACES,
        label="Approve clean deals of Gold and Platinum partners automatically below",
        min_value=0,
    )
    second_approval_above = forms.DecimalField(
        max_digits=MAX_DIGITS,
        decimal_places=DECIMAL_PLACES,
        label="Deals above this amount also need the unit manager's approval",
        min_value=0,
    )
    evidence_above = forms.DecimalField(
        max_digits=MAX_DIGITS,
        decimal_places=DECIMAL_PLACES,
        label="Deals above this amount need evidence files (LOI, PO, proposal)",
        min_value=0,
        required=False,
        help_text="Empty: no deal needs them.",
    )
    sla_hours = forms.IntegerField(label="A channel manager decides within (hours)")

    # The back-test tries these (the rest do not change which deals conflict).
    MATCHING = ("product_overlap", "name_similarity", "core_similarity", "possible_min_score")

    @classmethod
    def initial_for(cls, policy: DealPolicy, tree: ReservationPolicy) -> dict[str, Any]:
        initial = {
            name: getattr(tree if name in THRESHOLD_NAMES else policy, name)
            for name in cls.base_fields
        }
        initial["reminder_days"] = ", ".join(str(d) for d in policy.reminder_days or [])
        return initial

    def clean_reminder_days(self) -> list[int]:
        return _days_list(self.cleaned_data.get("reminder_days") or "")

    def matching_fields(self):
        return [self[name] for name in self.MATCHING]

    def rule_fields(self):
        return [self[name] for name in self.base_fields if name not in self.MATCHING]


class RejectionReasonForm(PortalForm):
    label = forms.CharField(label="Reason", max_length=120)
