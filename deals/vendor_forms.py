"""Forms of the vendor's account pages: the reservation policy."""

from __future__ import annotations

from typing import Any

from django import forms

from deals.models import ReservationPolicy
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
