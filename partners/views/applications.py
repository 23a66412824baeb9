"""Portal pages of partner applications: the public application form, and the list and
decision pages for the vendor."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django_ratelimit.decorators import ratelimit

from partners import forms, scope, services
from partners.models import ApplicationStatus
from partners.views._common import requires
from prm.portal.views import PortalRequest, service_errors
from prm.users.lockout import ratelimit_key


@ratelimit(key=ratelimit_key, rate="5/h", method="POST", block=False)
def apply(request: HttpRequest) -> HttpResponse:
    """The public application form of the tenant's portal."""
    form = forms.ApplicationForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if getattr(request, "limited", False):
            form.is_valid()
            form.add_error(None, "Too many applications from your network. Try again later.")
        elif form.is_valid():
            fields = {
                k: v for k, v in form.cleaned_data.items() if k not in {"nickname", "started"}
            }
            with service_errors(request, form) as outcome:
                services.application_submit(
                    fields=fields, ip_address=request.META.get("REMOTE_ADDR")
                )
            if not outcome.failed:
                done = {"name": fields["contact_name"], "email": fields["contact_email"]}
                return render(request, "partners/apply_done.html", done)
    return render(request, "partners/apply.html", {"form": form})


@requires("applications.decide")
def application_list(request: PortalRequest) -> HttpResponse:
    status = request.GET.get("status", ApplicationStatus.PENDING)
    applications = scope.applications_visible_to(request.user).filter(status=status)
    return render(
        request,
        "partners/applications.html",
        {"applications": applications, "status": status, "statuses": ApplicationStatus.choices},
    )


@requires("applications.decide")
def application_detail(request: PortalRequest, application_id: int) -> HttpResponse:
    application = get_object_or_404(scope.applications_visible_to(request.user), pk=application_id)
    approve = forms.ApproveForm(request.POST if "approve" in request.POST else None)
    reject = forms.RejectForm(request.POST if "reject" in request.POST else None)
    if request.method == "POST":
        with service_errors(request, approve if "approve" in request.POST else reject):
            if "approve" in request.POST and approve.is_valid():
                partner = services.application_approve(
                    actor=request.user, application=application, **approve.cleaned_data
                )
                messages.success(
                    request, f"{partner} approved; {application.contact_email} is invited."
                )
                return redirect("partner-detail", partner.pk)
            if "reject" in request.POST and reject.is_valid():
                services.application_reject(
                    actor=request.user, application=application, **reject.cleaned_data
                )
                messages.success(request, "Application rejected.")
                return redirect("applications")
    return render(
        request,
        "partners/application.html",
        {"application": application, "approve": approve, "reject": reject},
    )
