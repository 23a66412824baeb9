"""The vendor's CSV import of customer accounts (deals.imports): upload, a preview of
every row's problems and of the existing accounts it may duplicate, then all rows or none.
The file is kept in the session between the preview and the confirmation, as the partners
import does (partners.views.csv)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, URLResolver, path

from deals.imports import COLUMNS, csv_import, example_csv
from partners.forms import ImportForm
from partners.views._common import requires
from prm.portal.views import PortalRequest

SESSION_KEY = "import:accounts"


@requires("accounts.edit")
def account_import(request: PortalRequest) -> HttpResponse:
    """Upload → preview (errors and possible duplicates, row by row) → import all rows."""
    form = ImportForm()
    report = None
    if request.method == "POST" and "confirm" in request.POST:
        text = request.session.pop(SESSION_KEY, None)
        if text is None:
            messages.error(request, "Upload the file again: the preview expired.")
        else:
            report = csv_import(text, actor=request.user, commit=True)
            if report.ok:
                messages.success(
                    request,
                    f"Imported {report.new} customer account{'s' if report.new != 1 else ''}.",
                )
                return redirect("accounts")
    elif request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            text = form.cleaned_data["file"]
            report = csv_import(text, actor=request.user, commit=False)
            if report.ok:
                request.session[SESSION_KEY] = text
    context = {"form": form, "report": report, "columns": COLUMNS}
    status = 400 if report is not None and not report.ok else 200
    return render(request, "deals/vendor_import.html", context, status=status)


@requires("accounts.edit")
def account_import_example(request: PortalRequest) -> HttpResponse:
    response = HttpResponse(example_csv(), content_type="text/csv")
    response["Content-Disposition"] = 'attachment; filename="customer-accounts-example.csv"'
    return response


urlpatterns: list[URLPattern | URLResolver] = [
    path("accounts/import/", account_import, name="accounts-import"),
    path("accounts/import/example.csv", account_import_example, name="accounts-import-example"),
]
