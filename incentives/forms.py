"""The forms of the MDF pages (incentives.views). They parse what people type; the rules
(dates, amounts, budgets, balances) are the services', whose refusals land beside the
fields through ``prm.portal.views.service_errors``."""

from __future__ import annotations

from typing import Any

import moneyed
from django import forms

from incentives.models import ActivityType, PeriodKind, RequestStatus
from prm.money import MAX_DIGITS, is_currency
from prm.portal.forms import PortalForm

AMOUNT_INVALID = "Enter an amount such as 2500 or 2500.50."


def amount_field(label: str, *, required: bool = True, help_text: str = "") -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=required,
        max_digits=MAX_DIGITS,
        decimal_places=2,
        help_text=help_text,
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0", "inputmode": "decimal"}),
        error_messages={
            "required": "Enter an amount.",
            "invalid": AMOUNT_INVALID,
            "max_decimal_places": "Enter the amount in whole cents.",
            "max_digits": "Enter a smaller amount.",
            "max_whole_digits": "Enter a smaller amount.",
        },
    )


def entered_currency_field(label: str, help_text: str) -> forms.ChoiceField:
    """The currency an amount is entered in, among those the view offers (the program's
    and those with an exchange rate in force: incentives.rates)."""
    return forms.ChoiceField(
        label=label,
        required=False,
        help_text=help_text,
        error_messages={"invalid_choice": "Choose one of the currencies listed."},
    )


def date_field(label: str, required_message: str, *, required: bool = True) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": required_message, "invalid": "Enter a date."},
    )


class RequestForm(PortalForm):
    """A partner's fund request: which fund, the activity, its money and its expectations."""

    fund = forms.TypedChoiceField(
        label="Fund",
        coerce=int,
        error_messages={
            "required": "Choose the fund to draw on.",
            "invalid_choice": "Choose one of your open funds.",
        },
    )
    activity_type = forms.ChoiceField(
        label="Kind of activity",
        choices=[("", "Choose…"), *ActivityType.choices],
        error_messages={
            "required": "Choose the kind of activity.",
            "invalid_choice": "Choose the kind of activity.",
        },
    )
    title = forms.CharField(
        label="Activity",
        max_length=200,
        help_text="A name your channel manager recognises, e.g. “Security roadshow Munich”.",
        error_messages={"required": "Name the activity."},
    )
    starts_on = date_field("Starts on", "Enter the day the activity starts.")
    ends_on = date_field("Ends on", "Enter the day the activity ends.")
    # Offered when the tenant has exchange rates (incentives.rates): the amounts' currency,
    # converted into the program's at the rate in force today.
    currency = entered_currency_field(
        "Currency of the amounts",
        "Amounts in another currency than the program's are converted into it at today's "
        "exchange rate.",
    )
    requested_amount = amount_field("Amount asked from the fund")
    partner_contribution = amount_field(
        "Your own contribution", required=False, help_text="What your company spends itself."
    )
    expected_leads = forms.IntegerField(
        label="Expected leads",
        required=False,
        min_value=0,
        max_value=1_000_000,
        error_messages={
            "invalid": "Enter a whole number.",
            "min_value": "Enter zero or more.",
            "max_value": "Enter a smaller number.",
        },
    )
    expected_pipeline = amount_field(
        "Expected pipeline", required=False, help_text="The deals you expect it to bring."
    )
    campaign_code = forms.CharField(
        label="Campaign code",
        max_length=60,
        required=False,
        help_text="Give it to your deals' registrations so the activity gets their credit.",
    )
    description = forms.CharField(
        label="Description",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Who it is for, where, and what you will do.",
    )

    def __init__(
        self,
        *args: Any,
        funds: list[tuple[int, str]],
        currencies: list[tuple[str, str]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["fund"].choices = [("", "Choose…"), *funds] if len(funds) > 1 else funds  # type: ignore[attr-defined]  # a ChoiceField
        if not currencies or len(currencies) < 2:  # no rate: the program's currency only
            del self.fields["currency"]
        else:
            self.fields["currency"].choices = currencies  # type: ignore[attr-defined]  # a ChoiceField
            self.fields["currency"].initial = currencies[0][0]


class CancelForm(PortalForm):
    reason = forms.CharField(
        label="Why (optional)",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ApproveForm(PortalForm):
    amount = amount_field(
        "Amount approved",
        required=False,
        help_text="Leave it as it is to approve the amount asked, or lower it.",
    )
    note = forms.CharField(
        label="Note to the partner (optional)",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class RejectForm(PortalForm):
    note = forms.CharField(
        label="Why it is rejected",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Tell the partner why it is rejected."},
    )


class ProgramForm(PortalForm):
    name = forms.CharField(
        label="Name",
        max_length=120,
        help_text="e.g. “2027 Q1 MDF”.",
        error_messages={"required": "Name the program, e.g. “2027 Q1 MDF”."},
    )
    period_kind = forms.ChoiceField(
        label="Period",
        choices=[("", "Choose…"), *PeriodKind.choices],
        error_messages={
            "required": "Choose a quarter or a year.",
            "invalid_choice": "Choose a quarter or a year.",
        },
    )
    starts_on = date_field("Starts on", "Enter the day the program starts.")
    ends_on = date_field("Ends on", "Enter the day the program ends.")
    currency = forms.CharField(
        label="Currency",
        max_length=3,
        help_text="Its three-letter code, e.g. USD or EUR.",
        error_messages={"required": "Choose a currency such as USD or EUR."},
    )
    budget = amount_field("Budget")
    shared_pool = forms.BooleanField(
        label="Part of the budget is a shared pool (first come, first served)", required=False
    )

    def clean_currency(self) -> str:
        return self.cleaned_data["currency"].strip().upper()


class AllocateForm(PortalForm):
    partner = forms.TypedChoiceField(
        label="Partner",
        coerce=int,
        error_messages={
            "required": "Choose the partner.",
            "invalid_choice": "Choose one of the partners listed.",
        },
    )
    amount = amount_field("Amount")
    memo = forms.CharField(
        label="Memo (optional)",
        required=False,
        max_length=300,
        help_text="Why this amount: it stays on the fund's ledger.",
    )

    def __init__(self, *args: Any, partners: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["partner"].choices = [("", "Choose…"), *partners]  # type: ignore[attr-defined]  # a ChoiceField


class RuleForm(PortalForm):
    """Allocation by a rule: a percentage of each partner's won revenue of a period."""

    percent = forms.DecimalField(
        label="Percent of won revenue",
        max_digits=5,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0", "max": "100"}),
        error_messages={
            "required": "Enter a percentage above 0 and at most 100.",
            "invalid": "Enter a percentage such as 3 or 2.5.",
            "max_decimal_places": "Enter at most two decimals.",
            "max_digits": "Enter a percentage above 0 and at most 100.",
            "max_whole_digits": "Enter a percentage above 0 and at most 100.",
        },
    )
    since = date_field("Deals won from", "Enter the first day of the period.")
    until = date_field("to", "Enter the last day of the period.")


class ReverseForm(PortalForm):
    memo = forms.CharField(
        label="Why it is reversed",
        max_length=300,
        error_messages={"required": "Say why the entry is reversed."},
    )


class RequestFilterForm(PortalForm):
    status = forms.ChoiceField(
        label="Status",
        required=False,
        choices=[("", "Any status")]
        + [(v, label) for v, label in RequestStatus.choices if v != RequestStatus.DRAFT],
    )
    program = forms.TypedChoiceField(label="Program", required=False, coerce=int, empty_value=None)

    def __init__(self, *args: Any, programs: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["program"].choices = [("", "Any program"), *programs]  # type: ignore[attr-defined]  # a ChoiceField


def currency_choices(exclude: str = "") -> list[tuple[str, str]]:
    """Every ISO 4217 currency of py-moneyed ("EUR — Euro"), by code, but ``exclude``."""
    codes = sorted(
        (code, currency.name)
        for code, currency in moneyed.CURRENCIES.items()
        if is_currency(code) and code != exclude and code.isalpha()
    )
    return [(code, f"{code} — {name}") for code, name in codes]


class RateForm(PortalForm):
    """A new exchange rate: its currency, its value in the tenant's currency, from a day on
    (the rules are incentives.rates's, whose refusals land beside these fields)."""

    # A select of the currencies, read as text: the service says what is wrong with a code
    # (unknown, or the tenant's own) beside the field.
    currency = forms.CharField(
        label="Currency",
        max_length=3,
        widget=forms.Select(),
        error_messages={"required": "Choose a currency from the list, such as EUR or GBP."},
    )
    rate = forms.DecimalField(
        label="Rate",
        max_digits=18,
        decimal_places=8,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
        error_messages={
            "required": "Enter the rate, such as 1.0850.",
            "invalid": "Enter the rate as a number, such as 1.0850.",
            "max_decimal_places": "Enter a rate with at most 8 decimals.",
            "max_digits": "Enter a smaller rate.",
            "max_whole_digits": "Enter a smaller rate.",
        },
    )
    effective_from = date_field("In force from", "Enter the day the rate is in force from.")

    def __init__(self, *args: Any, home: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["currency"].widget.choices = [
            ("", "Choose…"),
            *currency_choices(exclude=home),
        ]
        self.fields["rate"].help_text = f"What one unit of the currency is worth in {home}."

    def clean_currency(self) -> str:
        return self.cleaned_data["currency"].strip().upper()
