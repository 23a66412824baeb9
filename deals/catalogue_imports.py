"""CSV import and export of the product catalogue (django-import-export, as
partners.imports). Rows are written through the catalogue services, so an import obeys the
same rules as the pages and the API; it is all or nothing: any row's problem rolls every
row back. The preview says, per row, whether it adds a product or updates one (by SKU) and
which product lines the import adds (a line the file names that does not exist yet)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import tablib
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from import_export import fields, resources, widgets

from deals import scope
from deals.models import Product, ProductLine
from deals.services.catalogue import (
    PRODUCT_FIELDS,
    _check_product,
    _product_create,
    _product_line_create,
    _product_update,
    clean_sku,
)
from partners.imports import Named
from partners.models import Tier
from prm.errors import Invalid
from prm.exports import csv_text
from prm.tenancy.context import current_tenant
from prm.users.models import User

# The file's columns, in people's words (and the order of the export).
COLUMNS = {
    "sku": "sku",
    "name": "name",
    "line": "product line",
    "list_price": "list price",
    "currency": "currency",
    "min_tier": "minimum tier",
    "required_certification": "required certification",
    "active": "active",
}
REQUIRED = ("sku", "name", "product line", "list price")
THOUSANDS = re.compile(r"\d{1,3}(,\d{3})+(\.\d+)?")


class YesNo(widgets.Widget):
    """``yes`` or ``no`` (also true/false, 1/0); empty is None (the resource decides)."""

    def clean(self, value, row=None, **kwargs):
        text = str(value if value is not None else "").strip().lower()
        if not text:
            return None
        if text in ("yes", "y", "true", "1"):
            return True
        if text in ("no", "n", "false", "0"):
            return False
        raise ValueError(f"{value!r} is neither yes nor no.")

    def render(self, value, obj=None, **kwargs):
        return "yes" if value else "no"


class Price(widgets.Widget):
    """A price as people write it: 1250, 99.50 or 1,250.00 (commas between thousands)."""

    def clean(self, value, row=None, **kwargs):
        text = str(value if value is not None else "").strip()
        if not text:
            return None
        if THOUSANDS.fullmatch(text):
            text = text.replace(",", "")
        try:
            price = Decimal(text)
        except InvalidOperation:
            price = None
        if price is None or not price.is_finite():
            raise ValueError(f"{value!r} is not a price: write a number such as 1250 or 99.50.")
        return price

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else f"{value:.2f}"


class LineByName(widgets.ForeignKeyWidget):
    """A product line by its name, whatever its case; an unknown name is a line the import
    adds (an unsaved ``ProductLine``, which the resource creates when it saves the row)."""

    def __init__(self) -> None:
        super().__init__(ProductLine, "name")

    def clean(self, value, row=None, **kwargs):
        name = " ".join(str(value or "").split())
        if not name:
            return None
        return ProductLine.objects.filter(name__iexact=name).first() or ProductLine(name=name)


class ProductResource(resources.ModelResource):
    sku = fields.Field("sku", COLUMNS["sku"])
    name = fields.Field("name", COLUMNS["name"])
    line = fields.Field("line", COLUMNS["line"], LineByName())
    list_price = fields.Field("list_price", COLUMNS["list_price"], Price())
    currency = fields.Field("currency", COLUMNS["currency"])
    min_tier = fields.Field("min_tier", COLUMNS["min_tier"], Named(Tier, "name"))
    required_certification = fields.Field(
        "required_certification", COLUMNS["required_certification"]
    )
    active = fields.Field("active", COLUMNS["active"], YesNo())

    class Meta:
        model = Product
        fields = tuple(COLUMNS)
        export_order = tuple(COLUMNS)
        import_id_fields = ("sku",)
        skip_unchanged = True

    def __init__(self, actor: User) -> None:
        super().__init__()
        self.actor = actor
        self.new_lines: dict[str, ProductLine] = {}  # lower-case name -> the line added
        self.seen: dict[str, int] = {}  # SKU -> the line of the file that has it

    def get_queryset(self):
        return scope.products_visible_to(self.actor).select_related("line", "min_tier")

    def before_import(self, dataset, **kwargs):
        self.new_lines = {}
        self.seen = {}

    def before_import_row(self, row, **kwargs):
        row["sku"] = clean_sku(row.get("sku"))
        if "currency" in row:
            row["currency"] = str(row["currency"] or "").strip().upper()

    def import_instance(self, instance, row, **kwargs):
        errors: dict[str, list] = {}
        before = (instance.currency, instance.active)
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        # Empty cells: a new product is active and in the program's currency; an existing
        # one keeps its own.
        existing = instance.pk is not None
        if not instance.currency:
            instance.currency = before[0] if existing else current_tenant().currency
        if instance.active is None:
            instance.active = before[1] if existing else True
        number = kwargs.get("row_number")
        sku = row.get("sku") or ""
        if sku and sku in self.seen:
            errors.setdefault("sku", []).append(
                f"The SKU {sku} is also on line {self.seen[sku]} of the file."
            )
        elif sku and number is not None:
            self.seen[sku] = number + 1  # import-export counts rows from 1; the header is 1
        line = getattr(instance, "line", None)
        if "line" not in errors and line is None:
            errors.setdefault("line", []).append("Write the name of the product's line.")
        if errors:
            # The services' rules too (a negative price, an unknown currency...), so the
            # preview lists every problem of the row at once; a line the import adds is
            # not the database's yet, so what concerns the line waits for it.
            problems: dict[str, list[str]] = {}
            _check_product(instance, problems)
            for name, messages in problems.items():
                if name not in errors and not (name in ("line", "active") and line is not None):
                    errors[name] = list(messages)
            raise ValidationError(errors)

    def skip_row(self, instance, original, row, import_validation_errors=None):
        line = getattr(instance, "line", None)
        if import_validation_errors or line is None or line.pk is None:  # a new line: changed
            return False
        return super().skip_row(instance, original, row, import_validation_errors)

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        if import_validation_errors:
            raise ValidationError(import_validation_errors)

    def _line(self, line: ProductLine) -> ProductLine:
        if line.pk is not None:
            return line
        key = line.name.lower()
        if key not in self.new_lines:
            try:
                self.new_lines[key] = _product_line_create(actor=self.actor, name=line.name)
            except Invalid as exc:  # the new line's name: the file's "product line" column
                raise ValidationError({"line": exc.messages}) from None
        return self.new_lines[key]

    def save_instance(self, instance, is_create, row, **kwargs):
        instance.line = self._line(instance.line)
        data = {name: getattr(instance, name) for name in PRODUCT_FIELDS}
        if is_create:
            created = _product_create(actor=self.actor, **data)
            instance.pk = created.pk
        else:
            given = {COLUMNS[name] for name in PRODUCT_FIELDS} & set(row)
            data = {k: v for k, v in data.items() if COLUMNS[k] in given}
            _product_update(actor=self.actor, product=instance, fields=data)


@dataclass
class RowError:
    line: int  # line in the file (the header is line 1)
    column: str  # the column's name in the file, "" for the whole row or file
    message: str


@dataclass
class RowPreview:
    line: int
    sku: str
    name: str
    action: str  # "new", "update" or "unchanged"
    new_line: str  # the name of the product line this import adds for the row, or ""


@dataclass
class ImportReport:
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    rows: list[RowPreview] = field(default_factory=list)
    new_lines: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _dataset(text: str) -> tablib.Dataset | ImportReport:
    """The file with its headers in lower case and trimmed, or a report of why not."""
    if "\x00" in text:
        problem = "The file contains a NUL character: save it as CSV text."
        return ImportReport(errors=[RowError(1, "", problem)])
    try:
        loaded = tablib.Dataset().load(text, format="csv")
    except Exception as exc:  # tablib raises several kinds for a bad CSV
        return ImportReport(errors=[RowError(1, "", f"This is not a readable CSV file ({exc}).")])
    headers = [str(h or "").strip().lower() for h in loaded.headers or []]
    unknown = [h for h in headers if h not in COLUMNS.values()]
    missing = [c for c in REQUIRED if c not in headers]
    problems = []
    if unknown:
        problems.append(
            RowError(
                1, "", f"Unknown column{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)}."
            )
        )
    if missing:
        problems.append(RowError(1, "", f"The file needs the column(s): {', '.join(missing)}."))
    if problems:
        return ImportReport(errors=[*problems, RowError(1, "", f"Columns: {COLUMN_LIST}.")])
    if not loaded.height:
        return ImportReport(errors=[RowError(1, "", "The file has no rows below its header.")])
    dataset = tablib.Dataset(headers=headers)
    for row in loaded:
        dataset.append([cell.strip() if isinstance(cell, str) else cell for cell in row])
    return dataset


COLUMN_LIST = ", ".join(COLUMNS.values())
LABELS = {**COLUMNS, "__all__": "", "": ""}


def csv_import(text: str, *, actor: User, commit: bool) -> ImportReport:
    """Import ``text`` (CSV with a header) into the catalogue. With ``commit`` False it is
    a preview; with True the rows are written only if every row is valid. Either way
    nothing is written when any row has a problem."""
    dataset = _dataset(text)
    if isinstance(dataset, ImportReport):
        return dataset
    resource = ProductResource(actor)
    with transaction.atomic():
        result = resource.import_data(dataset, dry_run=True, raise_errors=False)
        report = _report(result, dataset, resource)
        if commit and report.ok:
            result = resource.import_data(dataset, dry_run=False, raise_errors=False)
            report = _report(result, dataset, resource)
            if not report.ok:
                transaction.set_rollback(True)
    return report


ACTIONS = {"new": "new", "update": "update", "skip": "unchanged"}


def _report(result, dataset: tablib.Dataset, resource: ProductResource) -> ImportReport:
    report = ImportReport(new_lines=sorted(line.name for line in resource.new_lines.values()))
    report.errors = [RowError(1, "", str(error.error)) for error in result.base_errors]
    for number, (row, values) in enumerate(zip(result.rows, dataset.dict, strict=False), start=2):
        if row.validation_error is not None:
            for name, messages in row.validation_error.message_dict.items():
                report.errors += [RowError(number, LABELS.get(name, name), m) for m in messages]
        for error in row.errors:
            exc = error.error
            if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
                for name, messages in exc.message_dict.items():
                    report.errors += [RowError(number, LABELS.get(name, name), m) for m in messages]
            elif isinstance(exc, ValidationError | PermissionDenied):
                report.errors.append(RowError(number, "", " ".join(_messages(exc))))
            else:
                report.errors.append(RowError(number, "", "This row could not be imported."))
        line_name = " ".join(str(values.get("product line") or "").split())
        report.rows.append(
            RowPreview(
                line=number,
                sku=clean_sku(values.get("sku")),
                name=str(values.get("name") or ""),
                action=ACTIONS.get(row.import_type, "—"),
                new_line=added.name if (added := resource.new_lines.get(line_name.lower())) else "",
            )
        )
    totals = result.totals
    report.new, report.updated, report.unchanged = totals["new"], totals["update"], totals["skip"]
    return report


def _messages(exc: Exception) -> list[str]:
    return list(getattr(exc, "messages", None) or [str(exc) or "Not allowed."])


EXPORT_ORDER = ("line__name", "name", "sku")


def csv_export(products: QuerySet[Product], *, actor: User) -> str:
    """The catalogue (``products``, already in the actor's scope and filtered) as the CSV
    the import reads back: a file exported, edited and imported updates those products."""
    resource = ProductResource(actor)
    rows = products.select_related("line", "min_tier").order_by(*EXPORT_ORDER)
    return csv_text(resource.export(queryset=rows))
