"""Services of the product catalogue: product lines and products, written by vendor admins
(``catalogue.edit``) from the portal's pages, the CSV import and the API.

Every refusal of bad input is an ``Invalid`` with the problems by field, all at once, in
people's words; nothing is written then. A product's SKU is kept trimmed and upper case (a
code, unique whatever its case); its price is never negative, in a real ISO 4217 currency
(the program's currency when none is given). A product of an inactive line is never active:
it cannot be activated, and deactivating a line deactivates its products."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction

from deals.models import Product, ProductLine
from partners.models import Tier
from prm import limits
from prm.audit import audit_note
from prm.errors import Invalid
from prm.money import DECIMAL_PLACES, MAX_DIGITS, is_currency
from prm.permissions import require
from prm.tenancy.context import current_tenant
from prm.users.models import User

EDIT_MESSAGE = "Only vendor admins change the product catalogue."
LINE_FIELDS = ("name", "description", "active")
PRODUCT_FIELDS = (
    "sku",
    "name",
    "line",
    "list_price",
    "currency",
    "active",
    "min_tier",
    "required_certification",
)
SKU_MAX = Product._meta.get_field("sku").max_length or 64
PRODUCT_NAME_MAX = Product._meta.get_field("name").max_length or 200
LINE_NAME_MAX = ProductLine._meta.get_field("name").max_length or 120
CERTIFICATION_MAX = Product._meta.get_field("required_certification").max_length or 120
# Letters and digits, and inside them dots, dashes, underscores and slashes: "FW-2200/HA".
SKU_PATTERN = re.compile(r"[A-Z0-9](?:[A-Z0-9._/-]*[A-Z0-9])?")
MAX_PRICE = Decimal(10) ** (MAX_DIGITS - DECIMAL_PLACES)


def clean_sku(value: Any) -> str:
    """A SKU as the catalogue keeps it: trimmed, upper case."""
    return str(value or "").strip().upper()


def _check_line(line: ProductLine, problems: dict[str, list[str]]) -> None:
    line.name = " ".join(str(line.name or "").split())
    line.description = str(line.description or "").strip()
    if not line.name:
        problems["name"] = ["Enter the product line's name."]
    elif len(line.name) > LINE_NAME_MAX:
        problems["name"] = [f"Use at most {LINE_NAME_MAX} characters."]
    elif ProductLine.objects.filter(name__iexact=line.name).exclude(pk=line.pk).exists():
        problems["name"] = [f"There is already a product line named {line.name}."]
    if len(line.description) > limits.DESCRIPTION:
        problems["description"] = [f"Use at most {limits.DESCRIPTION} characters."]


def _save_line(line: ProductLine) -> None:
    try:
        with transaction.atomic():
            line.save()
    except IntegrityError:  # another line of this name was saved meanwhile
        raise Invalid({"name": [f"There is already a product line named {line.name}."]}) from None


def _product_line_create(
    *, actor: User, name: str, description: str = "", active: bool = True
) -> ProductLine:
    """Add a product line. Vendor admins only; its name is unique whatever its case."""
    require(actor, "catalogue.edit", EDIT_MESSAGE)
    line = ProductLine(name=name, description=description, active=bool(active))
    problems: dict[str, list[str]] = {}
    _check_line(line, problems)
    if problems:
        raise Invalid(problems)
    audit_note(line, actor, "created")
    _save_line(line)
    return line


product_line_create = transaction.atomic(durable=True)(_product_line_create)


def _product_line_update(*, actor: User, line: ProductLine, fields: dict[str, Any]) -> ProductLine:
    """Change a product line's name, description or ``active``. Deactivating a line
    deactivates its active products too (partners stop registering them); activating it
    again leaves its products as they are, for the admin to activate one by one."""
    require(actor, "catalogue.edit", EDIT_MESSAGE)
    line = ProductLine.objects.select_for_update().get(pk=line.pk)
    was_active = line.active
    for name in LINE_FIELDS:
        if name in fields:
            setattr(line, name, fields[name])
    line.active = bool(line.active)
    problems: dict[str, list[str]] = {}
    _check_line(line, problems)
    if problems:
        raise Invalid(problems)
    audit_note(line, actor, "deactivated" if was_active and not line.active else "changed")
    _save_line(line)
    if was_active and not line.active:
        for product in Product.objects.select_for_update().filter(line=line, active=True):
            product.active = False
            audit_note(product, actor, f"deactivated with its product line {line.name}")
            product.save(update_fields=["active"])
    return line


product_line_update = transaction.atomic(durable=True)(_product_line_update)


def price_of(value: Any, problems: dict[str, list[str]]) -> Decimal | None:
    """``value`` as a list price (a Decimal, or text such as "99.50"), or None with its
    problem under ``problems["list_price"]``. The pages' forms ask it too, so a bad price
    is said together with the form's other problems."""
    if value is None or value == "":
        problems["list_price"] = ["Enter the list price."]
        return None
    try:
        price = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        problems["list_price"] = ["Enter the list price as a number, such as 1250 or 99.50."]
        return None
    if not price.is_finite():
        problems["list_price"] = ["Enter the list price as a number, such as 1250 or 99.50."]
    elif price < 0:
        problems["list_price"] = ["The list price cannot be negative."]
    elif price >= MAX_PRICE:
        problems["list_price"] = [f"The list price must be below {MAX_PRICE:,}."]
    elif price != price.quantize(Decimal(1).scaleb(-DECIMAL_PLACES)):
        problems["list_price"] = ["Give the list price in whole cents (at most 2 decimals)."]
    else:
        return price
    return None


def currency_problem(code: str) -> str:
    if code:
        return f"{code} is not a currency code: use three letters such as USD or EUR."
    return "Enter the currency, three letters such as USD or EUR."


def _check_product(product: Product, problems: dict[str, list[str]]) -> None:
    """Clean ``product``'s fields in place and collect what is wrong with them."""
    product.sku = clean_sku(product.sku)
    product.name = " ".join(str(product.name or "").split())
    product.currency = str(product.currency or "").strip().upper()
    product.required_certification = " ".join(str(product.required_certification or "").split())
    if not product.sku:
        problems["sku"] = ["Enter the product's SKU."]
    elif len(product.sku) > SKU_MAX:
        problems["sku"] = [f"Use at most {SKU_MAX} characters."]
    elif not SKU_PATTERN.fullmatch(product.sku):
        problems["sku"] = [
            "Use letters and digits only, with dots, dashes, underscores or slashes "
            "between them (no spaces), such as FW-2200."
        ]
    elif Product.objects.filter(sku=product.sku).exclude(pk=product.pk).exists():
        problems["sku"] = [f"Another product already has the SKU {product.sku}."]
    if not product.name:
        problems["name"] = ["Enter the product's name."]
    elif len(product.name) > PRODUCT_NAME_MAX:
        problems["name"] = [f"Use at most {PRODUCT_NAME_MAX} characters."]
    price = price_of(product.list_price, problems)
    if price is not None:
        product.list_price = price
    if not is_currency(product.currency):
        problems["currency"] = [currency_problem(product.currency)]
    line = ProductLine.objects.filter(pk=product.line_id).first() if product.line_id else None
    if line is None:
        problems["line"] = ["Choose the product line."]
    elif product.active and not line.active:
        problems["active"] = [
            f"The product line {line.name} is inactive: activate the line first, "
            "or keep the product inactive."
        ]
    if len(product.required_certification) > CERTIFICATION_MAX:
        problems["required_certification"] = [f"Use at most {CERTIFICATION_MAX} characters."]
    if product.min_tier_id is not None and not Tier.objects.filter(pk=product.min_tier_id).exists():
        problems["min_tier"] = ["Choose one of the program's tiers."]


def _save_product(product: Product) -> None:
    try:
        with transaction.atomic():
            product.save()
    except IntegrityError:  # the same SKU saved meanwhile by another request
        raise Invalid({"sku": [f"Another product already has the SKU {product.sku}."]}) from None


def _product_create(
    *,
    actor: User,
    sku: str,
    name: str,
    line: ProductLine | None,
    list_price: Decimal | None,
    currency: str = "",
    active: bool = True,
    min_tier: Tier | None = None,
    required_certification: str = "",
) -> Product:
    """Add a product to the catalogue (vendor admins only). An empty ``currency`` is the
    program's currency. Refused with the problems by field: an empty, malformed or taken
    SKU, a negative price, an unknown currency, an active product of an inactive line."""
    require(actor, "catalogue.edit", EDIT_MESSAGE)
    if line is not None and line.pk is not None:  # as in _product_update: the line first
        list(ProductLine.objects.select_for_update().filter(pk=line.pk))
    product = Product(
        sku=sku,
        name=name,
        line=line,
        list_price=list_price,
        currency=currency or current_tenant().currency,
        active=bool(active),
        min_tier=min_tier,
        required_certification=required_certification or "",
    )
    problems: dict[str, list[str]] = {}
    _check_product(product, problems)
    if problems:
        raise Invalid(problems)
    audit_note(product, actor, "created")
    _save_product(product)
    return product


product_create = transaction.atomic(durable=True)(_product_create)


def _product_update(*, actor: User, product: Product, fields: dict[str, Any]) -> Product:
    """Change any of a product's ``PRODUCT_FIELDS`` (the others are ignored), with the
    same rules as ``product_create``; ``{"active": False}`` deactivates it."""
    require(actor, "catalogue.edit", EDIT_MESSAGE)
    # Lines before products, as product_line_update locks them: so a product is never
    # activated while its line is being deactivated, and the two never deadlock.
    new_line = fields.get("line")
    line_ids = [pk for pk in (product.line_id, getattr(new_line, "pk", None)) if pk is not None]
    list(ProductLine.objects.select_for_update().filter(pk__in=line_ids).order_by("pk"))
    product = Product.objects.select_for_update().get(pk=product.pk)
    was_active = product.active
    for name in PRODUCT_FIELDS:
        if name in fields:
            setattr(product, name, fields[name])
    if "currency" in fields and not fields["currency"]:
        product.currency = current_tenant().currency
    product.active = bool(product.active)
    problems: dict[str, list[str]] = {}
    _check_product(product, problems)
    if problems:
        raise Invalid(problems)
    if was_active != product.active:
        reason = "activated" if product.active else "deactivated"
    else:
        reason = "changed"
    audit_note(product, actor, reason)
    _save_product(product)
    return product


product_update = transaction.atomic(durable=True)(_product_update)
