"""Vendor-side pages of the product catalogue: the products grouped by product line (with
filters and a CSV of the list), the forms of a product and of a product line,
(de)activating them, and the CSV import (preview, then every row or none).

Every vendor-side user sees the catalogue (``catalogue.see_all``); only vendor admins
(``catalogue.edit``) see and use the actions that change it. Partner-side users get the
portal's 404 on every page here."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, URLResolver, path, reverse
from django.views.decorators.http import require_POST

from deals import scope, selectors, services
from deals.catalogue_forms import CERTIFICATION_LIST, ProductForm, ProductLineForm
from deals.catalogue_imports import COLUMN_LIST, csv_export, csv_import
from deals.filters import ProductFilter
from deals.models import Product
from partners.forms import ImportForm
from partners.views._common import requires
from prm.permissions import can
from prm.portal.views import PortalRequest, service_errors
from prm.tenancy.context import current_tenant

FILTERS = ("q", "line", "active")
IMPORT_SESSION_KEY = "import:products"


def _filtered(request: PortalRequest):
    return ProductFilter(request.GET, queryset=selectors.product_queryset(request.user)).qs


def _back_to_list(request: PortalRequest) -> str:
    """The list with the filters the user came from (a form's ``next``), else the list."""
    given = (request.POST.get("next") or request.GET.get("next") or "").lstrip("?")
    query = urlencode(parse_qsl(given))  # re-encoded: only a query string, never a header
    return reverse("products") + (f"?{query}" if query else "")


@requires("catalogue.see_all")
def product_list(request: PortalRequest) -> HttpResponse:
    chosen = {k: request.GET.get(k, "").strip() for k in FILTERS}
    filtered = any(chosen.values())
    products = _filtered(request)
    groups = selectors.catalogue_groups(request.user, products, with_empty_lines=not filtered)
    context = {
        "groups": groups,
        "total": products.count(),
        "chosen": chosen,
        "filtered": filtered,
        "lines": scope.product_lines_visible_to(request.user).order_by("name"),
        "query": request.GET.urlencode(),
        "can_edit": can(request.user, "catalogue.edit"),
    }
    template = "deals/catalogue_list.html#rows" if request.htmx else "deals/catalogue_list.html"
    return render(request, template, context)


@requires("catalogue.see_all")
def product_export(request: PortalRequest) -> HttpResponse:
    """The filtered list as CSV, in the columns the import reads."""
    response = HttpResponse(csv_export(_filtered(request), actor=request.user), "text/csv")
    response["Content-Disposition"] = 'attachment; filename="products.csv"'
    return response


def _product_form_page(
    request: PortalRequest, form: ProductForm, product: Product | None, status: int = 200
) -> HttpResponse:
    context = {
        "form": form,
        "product": product,
        "certifications": selectors.certification_names(request.user),
        "certification_list": CERTIFICATION_LIST,
        "program_currency": current_tenant().currency,
        "has_lines": scope.product_lines_editable_by(request.user).exists(),
        "next": request.POST.get("next") or request.GET.get("next", ""),
    }
    return render(request, "deals/catalogue_product_form.html", context, status=status)


@requires("catalogue.edit")
def product_add(request: PortalRequest) -> HttpResponse:
    lines = scope.product_lines_editable_by(request.user).order_by("name")
    if request.method == "POST":
        form = ProductForm(request.POST, lines=lines)
        if form.is_valid():
            with service_errors(request, form) as outcome:
                product = services.product_create(actor=request.user, **form.cleaned_data)
            if not outcome.failed:
                messages.success(request, f"{product.name} ({product.sku}) is in the catalogue.")
                return redirect(_back_to_list(request))
        return _product_form_page(request, form, None, status=400)
    initial = {"currency": current_tenant().currency, "active": True}
    line = request.GET.get("line", "")
    if line.isdigit() and lines.filter(pk=line).exists():
        initial["line"] = int(line)
    return _product_form_page(request, ProductForm(initial=initial, lines=lines), None)


@requires("catalogue.edit")
def product_edit(request: PortalRequest, product_id: int) -> HttpResponse:
    product = scope.get_product_for(request.user, product_id)
    lines = scope.product_lines_editable_by(request.user).order_by("name")
    if request.method == "POST":
        form = ProductForm(request.POST, lines=lines, product=product)
        if form.is_valid():
            with service_errors(request, form) as outcome:
                product = services.product_update(
                    actor=request.user, product=product, fields=form.cleaned_data
                )
            if not outcome.failed:
                messages.success(request, f"{product.name} ({product.sku}) is saved.")
                return redirect(_back_to_list(request))
        return _product_form_page(request, form, product, status=400)
    form = ProductForm(initial=ProductForm.initial_for(product), lines=lines, product=product)
    return _product_form_page(request, form, product)


@require_POST
@requires("catalogue.edit")
def product_active(request: PortalRequest, product_id: int) -> HttpResponse:
    """Deactivate a product (partners can no longer register it) or activate it again."""
    product = scope.get_product_for(request.user, product_id)
    activate = request.POST.get("action") == "activate"
    with service_errors(request) as outcome:
        services.product_update(actor=request.user, product=product, fields={"active": activate})
    if not outcome.failed:
        messages.success(
            request,
            f"{product.name} ({product.sku}) is active: partners may register it."
            if activate
            else f"{product.name} ({product.sku}) is deactivated: partners can no longer "
            "register it.",
        )
    return redirect(_back_to_list(request))


def _line_form_page(request: PortalRequest, form, line, status: int = 200) -> HttpResponse:
    context = {
        "form": form,
        "line": line,
        "active_products": line.products.filter(active=True).count() if line else 0,
        "next": request.POST.get("next") or request.GET.get("next", ""),
    }
    return render(request, "deals/catalogue_line_form.html", context, status=status)


@requires("catalogue.edit")
def line_add(request: PortalRequest) -> HttpResponse:
    if request.method == "POST":
        form = ProductLineForm(request.POST)
        if form.is_valid():
            with service_errors(request, form) as outcome:
                line = services.product_line_create(actor=request.user, **form.cleaned_data)
            if not outcome.failed:
                messages.success(
                    request, f"The product line {line.name} is added: add its products now."
                )
                return redirect(_back_to_list(request))
        return _line_form_page(request, form, None, status=400)
    return _line_form_page(request, ProductLineForm(initial={"active": True}), None)


@requires("catalogue.edit")
def line_edit(request: PortalRequest, line_id: int) -> HttpResponse:
    line = scope.get_product_line_for(request.user, line_id)
    if request.method == "POST":
        form = ProductLineForm(request.POST, editing=True)
        if form.is_valid():
            with service_errors(request, form) as outcome:
                line = services.product_line_update(
                    actor=request.user, line=line, fields=form.cleaned_data
                )
            if not outcome.failed:
                messages.success(request, f"The product line {line.name} is saved.")
                return redirect(_back_to_list(request))
        return _line_form_page(request, form, line, status=400)
    form = ProductLineForm(initial=ProductLineForm.initial_for(line), editing=True)
    return _line_form_page(request, form, line)


@require_POST
@requires("catalogue.edit")
def line_active(request: PortalRequest, line_id: int) -> HttpResponse:
    """Deactivate a product line (and its products), or activate it again."""
    line = scope.get_product_line_for(request.user, line_id)
    activate = request.POST.get("action") == "activate"
    with service_errors(request) as outcome:
        services.product_line_update(actor=request.user, line=line, fields={"active": activate})
    if not outcome.failed:
        messages.success(
            request,
            f"The product line {line.name} is active again: activate the products partners "
            "may register."
            if activate
            else f"The product line {line.name} and its products are deactivated.",
        )
    return redirect(_back_to_list(request))


@requires("catalogue.edit")
def product_import(request: PortalRequest) -> HttpResponse:
    """Upload → preview (per row: new or update, the product lines it adds, the problems)
    → import every row, or none."""
    form = ImportForm()
    report = None
    status = 200
    if request.method == "POST" and "confirm" in request.POST:
        text = request.session.pop(IMPORT_SESSION_KEY, None)
        if text is None:
            messages.error(request, "Upload the file again: the preview expired.")
        else:
            report = csv_import(text, actor=request.user, commit=True)
            if report.ok:
                messages.success(
                    request,
                    f"Imported {report.new} new and {report.updated} updated product"
                    f"{'s' if report.new + report.updated != 1 else ''}"
                    + (
                        f", and {len(report.new_lines)} new product line"
                        f"{'s' if len(report.new_lines) != 1 else ''}."
                        if report.new_lines
                        else "."
                    ),
                )
                return redirect("products")
            status = 400
    elif request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            text = form.cleaned_data["file"]
            report = csv_import(text, actor=request.user, commit=False)
            if report.ok:
                request.session[IMPORT_SESSION_KEY] = text
            else:
                status = 400
        else:
            status = 400
    context = {"form": form, "report": report, "columns": COLUMN_LIST}
    return render(request, "deals/catalogue_import.html", context, status=status)


urlpatterns: list[URLPattern | URLResolver] = [
    path("products/", product_list, name="products"),
    path("products/export.csv", product_export, name="products-export"),
    path("products/import/", product_import, name="products-import"),
    path("products/new/", product_add, name="product-add"),
    path("products/<int:product_id>/edit/", product_edit, name="product-edit"),
    path("products/<int:product_id>/active/", product_active, name="product-active"),
    path("products/lines/new/", line_add, name="product-line-add"),
    path("products/lines/<int:line_id>/edit/", line_edit, name="product-line-edit"),
    path("products/lines/<int:line_id>/active/", line_active, name="product-line-active"),
]
