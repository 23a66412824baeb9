"""Portal pages of the CSV export and import (preview, then all rows or none) of partners
and users (partners.imports)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from partners import forms
from partners.imports import RESOURCES, csv_export, csv_import
from partners.views._common import requires
from prm.permissions import can
from prm.portal.views import PortalRequest


@login_required
def export_csv(request: PortalRequest, kind: str) -> HttpResponse:
    if kind not in RESOURCES or (kind == "users" and not can(request.user, "people.export")):
        raise Http404
    response = HttpResponse(csv_export(kind, actor=request.user), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="{kind}.csv"'
    return response


@requires("partners.import")
def import_csv(request: PortalRequest, kind: str) -> HttpResponse:
    """Upload → preview with row-by-row errors → import all rows (or none)."""
    if kind not in RESOURCES:
        raise Http404
    session_key = f"import:{kind}"
    form = forms.ImportForm()
    report = None
    if request.method == "POST" and "confirm" in request.POST:
        text = request.session.pop(session_key, None)
        if text is None:
            messages.error(request, "Upload the file again: the preview expired.")
        else:
            report = csv_import(kind, text, actor=request.user, commit=True)
            if report.ok:
                messages.success(
                    request,
                    f"Imported {report.new} new and {report.updated} updated {kind}.",
                )
                return redirect(reverse("partners") if kind == "partners" else reverse("users"))
    elif request.method == "POST":
        form = forms.ImportForm(request.POST, request.FILES)
        if form.is_valid():
            text = form.cleaned_data["file"]
            report = csv_import(kind, text, actor=request.user, commit=False)
            if report.ok:
                request.session[session_key] = text
    return render(
        request,
        "partners/import.html",
        {"form": form, "report": report, "kind": kind, "columns": CSV_COLUMNS[kind]},
    )


CSV_COLUMNS = {
    "partners": "display_name, partner_type, legal_name, tier, territory, channel_manager "
    "(e-mail), website, email_domain, description",
    "users": "email, full_name, role, partner (display name), membership_role",
}
