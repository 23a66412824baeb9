"""Forms of the catalogue's pages: a product and a product line. They read the input (the
price and the currency with the services' own helpers, so those problems come with the
form's others); the rules (a unique SKU, a price that is not negative, a real currency, no
active product in an inactive line) are the services', whose errors stand beside these
fields (the fields are named as the services' arguments)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms

from deals.models import Product, ProductLine
from deals.services.catalogue import (
    CERTIFICATION_MAX,
    LINE_NAME_MAX,
    PRODUCT_NAME_MAX,
    SKU_MAX,
    _check_product,
    currency_problem,
    price_of,
)
from partners.models import Tier
from prm import limits
from prm.money import is_currency
from prm.portal.forms import PortalForm
from prm.tenancy.context import current_tenant

CERTIFICATION_LIST = "certification-names"  # the id of the page's <datalist>


class LineChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.name if obj.active else f"{obj.name} (inactive)"


class ProductForm(PortalForm):
    sku = forms.CharField(
        label="SKU",
        max_length=SKU_MAX,
        help_text="The product's code, such as FW-2200. Kept in capitals.",
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "spellcheck": "false"}),
    )
    name = forms.CharField(label="Name", max_length=PRODUCT_NAME_MAX)
    line = LineChoiceField(
        label="Product line", queryset=ProductLine.objects.none(), empty_label="Choose a line"
    )
    list_price = forms.CharField(
        label="List price",
        max_length=20,
        help_text="Before partner discounts, such as 1250 or 99.50.",
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    currency = forms.CharField(
        label="Currency",
        max_length=3,
        required=False,
        help_text="Three letters, such as USD or EUR. Empty: the program's currency.",
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "size": 4}),
    )
    min_tier = forms.ModelChoiceField(
        label="Minimum partner tier",
        queryset=Tier.objects.all(),
        required=False,
        empty_label="Any tier",
        help_text="Only partners of this tier or a higher one may register the product.",
    )
    required_certification = forms.CharField(
        label="Required certification",
        max_length=CERTIFICATION_MAX,
        required=False,
        help_text="Someone at the partner must hold a current certification of this name. "
        "Empty: none needed.",
        widget=forms.TextInput(attrs={"list": CERTIFICATION_LIST, "autocomplete": "off"}),
    )
    active = forms.BooleanField(
        label="Active: partners may register deals for it",
        required=False,
        initial=True,
    )

    def __init__(
        self, *args: Any, lines: Any, product: Product | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.product = product
        if product is not None:  # (de)activating is its own, confirmed, action on the page
            del self.fields["active"]
        line_field = self.fields["line"]
        assert isinstance(line_field, LineChoiceField)
        line_field.queryset = lines

    def clean_list_price(self) -> Decimal | None:
        problems: dict[str, list[str]] = {}
        price = price_of(self.cleaned_data["list_price"], problems)
        if problems:
            raise forms.ValidationError(problems["list_price"])
        return price

    def clean_currency(self) -> str:
        code = (self.cleaned_data.get("currency") or "").strip().upper()
        if code and not is_currency(code):
            raise forms.ValidationError(currency_problem(code))
        return code

    def clean(self) -> dict[str, Any]:
        """The services' rules too, so that every problem is said at once (the service
        asks them again when it writes): a taken SKU beside a bad price, say."""
        data = super().clean() or {}
        candidate = Product(
            pk=getattr(self.product, "pk", None),
            sku=data.get("sku", ""),
            name=data.get("name", ""),
            line=data.get("line"),
            list_price=data.get("list_price", Decimal(0)),
            currency=data.get("currency") or current_tenant().currency,
            active=data.get("active", getattr(self.product, "active", True)),
            min_tier=data.get("min_tier"),
            required_certification=data.get("required_certification", ""),
        )
        problems: dict[str, list[str]] = {}
        _check_product(candidate, problems)
        for name, messages in problems.items():
            if name in self.fields and name not in self.errors:
                self.add_error(name, messages)
        return data

    @staticmethod
    def initial_for(product: Product) -> dict[str, Any]:
        return {
            "sku": product.sku,
            "name": product.name,
            "line": product.line_id,
            "list_price": f"{product.list_price:.2f}",
            "currency": product.currency,
            "min_tier": product.min_tier_id,
            "required_certification": product.required_certification,
            "active": product.active,
        }


class ProductLineForm(PortalForm):
    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if editing:  # (de)activating is its own, confirmed, action on the page
            del self.fields["active"]

    name = forms.CharField(label="Name", max_length=LINE_NAME_MAX)
    description = forms.CharField(
        label="Description",
        required=False,
        max_length=limits.DESCRIPTION,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    active = forms.BooleanField(
        label="Active",
        required=False,
        initial=True,
        help_text="Partners register deals only for the products of active lines.",
    )

    @staticmethod
    def initial_for(line: ProductLine) -> dict[str, Any]:
        return {"name": line.name, "description": line.description}
