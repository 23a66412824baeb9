"""Portal pages of partner organisations: the list, a partner's page, editing and enrolling,
adding profile details and branches, status changes, and the partner search."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from partners import forms, scope, services
from partners.filters import PartnerFilter
from partners.models import PARTNER_LIFECYCLE, Competency, PartnerStatus, Tier
from partners.selectors import own_partner_for, partner_search, tiers_visible_to
from partners.views._common import requires
from prm.audit import audit_trail, viewer_of
from prm.permissions import can
from prm.portal.views import PortalRequest, service_errors
from prm.users.models import VENDOR_ROLES, Role


@login_required
def partner_list(request: PortalRequest) -> HttpResponse:
    visible = scope.partners_visible_to(request.user).order_by("path")
    partners = PartnerFilter(request.GET, queryset=visible).qs  # the API's filters
    q, status, tier = (request.GET.get(k, "") for k in ("q", "status", "tier"))
    context = {
        "partners": partners[:500],
        "total": partners.count(),
        "q": q,
        "status": status,
        "tier": tier,
        "statuses": PartnerStatus.choices,
        "tiers": tiers_visible_to(request.user),
        "can_enrol": can(request.user, "partners.enrol"),
        "can_import": request.user.role == Role.VENDOR_ADMIN,
    }
    template = "partners/list.html#rows" if request.htmx else "partners/list.html"
    return render(request, template, context)


@login_required
def our_company(request: PortalRequest) -> HttpResponse:
    """ "Our company" in a partner-side user's menu: their company's profile page (not the
    list of the one partner they see); the list when they belong to no partner yet."""
    partner = own_partner_for(request.user)
    if partner is None:
        return redirect("partners")
    return redirect("partner-detail", partner.pk)


@login_required
def partner_detail(request: PortalRequest, partner_id: int) -> HttpResponse:
    partner = scope.get_partner_for(request.user, partner_id)
    return _detail_page(request, partner)


def _detail_page(request: PortalRequest, partner, failed: str = "", form=None) -> HttpResponse:
    """The partner's page; ``failed`` names the small form that was refused (a detail form,
    ``status`` or ``branch``): it is shown again, open, with its errors beside its fields
    and what was typed kept (status 400)."""
    editable = scope.partners_editable_by(request.user).filter(pk=partner.pk).exists()
    vendor_side = request.user.role in VENDOR_ROLES
    # Finance and legal read every partner; they log contacts only with those they work on.
    logs_contacts = (
        vendor_side and scope.partners_worked_by(request.user).filter(pk=partner.pk).exists()
    )
    today = timezone.localdate()
    certifications = partner.certifications.select_related("competency").order_by("expires_on")
    detail_forms = {
        name: form if failed == name and form is not None else form_class()
        for name, form_class in forms.DETAIL_FORMS.items()
        if (name == "contact" and logs_contacts) or (name != "contact" and editable)
    }
    transitions = (
        [
            (s, PARTNER_LIFECYCLE.label(s), s in services.NEEDS_REASON)
            for s in sorted(PARTNER_LIFECYCLE.allowed(partner.status))
        ]
        if can(request.user, "partners.change_status") and editable
        else []
    )
    shown = {"branch": editable, "status": bool(transitions), **dict.fromkeys(detail_forms, True)}
    if failed and form is not None and not shown.get(failed):
        # A refusal of a form this user is not shown (no right to it): a page message.
        for error in form.non_field_errors():
            messages.error(request, error)
    context = {
        "partner": partner,
        "editable": editable,
        "children": scope.partners_visible_to(request.user).filter(
            path__startswith=partner.path, depth=partner.depth + 1
        ),
        "locations": partner.locations.all(),
        "certifications": certifications,
        "soon": today + timedelta(days=60),
        "today": today,
        "plans": partner.plans.order_by("-year"),
        "users": scope.users_visible_to(request.user).filter(partner_membership__partner=partner),
        "transitions": transitions,
        "status_form": form if failed == "status" else forms.StatusForm(),
        "branch_form": form if failed == "branch" else forms.BranchForm(),
        "failed": failed,
        "audit": audit_trail(partner, viewer_of(request.user))[:20],
        "detail_forms": detail_forms,
        "contacts": scope.contacts_visible_to(request.user)
        .filter(partner=partner)
        .select_related("user")[:10]
        if vendor_side
        else None,
    }
    return render(request, "partners/detail.html", context, status=400 if failed else 200)


@login_required
def partner_edit(request: PortalRequest, partner_id: int | None = None) -> HttpResponse:
    """Edit a profile, or (no id) enrol a new partner."""
    user = request.user
    partner = scope.get_partner_for(user, partner_id) if partner_id else None
    if partner is None and not can(user, "partners.enrol"):
        raise Http404
    if partner and not scope.partners_editable_by(user).filter(pk=partner.pk).exists():
        raise Http404
    vendor_side = user.role in VENDOR_ROLES
    initial = forms.PartnerForm.initial_for(partner) if partner else {}
    form = forms.PartnerForm(
        request.POST if request.method == "POST" else None, initial=initial, vendor_side=vendor_side
    )
    if request.method == "POST" and form.is_valid():
        fields = {k: v for k, v in form.cleaned_data.items() if k in form.fields}
        with service_errors(request, form) as outcome:
            if partner:
                partner = services.partner_update(actor=user, partner=partner, fields=fields)
            else:
                partner = services.partner_create(actor=user, fields=fields)
        if not outcome.failed and partner is not None:
            messages.success(request, f"{partner} saved.")
            return redirect("partner-detail", partner.pk)
    return render(request, "partners/edit.html", {"form": form, "partner": partner})


DETAIL_SERVICES = {
    "location": services.location_add,
    "certification": services.certification_add,
    "plan": services.business_plan_set,
    "contact": services.partner_contact_log,
}


@require_POST
@login_required
def partner_add_detail(request: PortalRequest, partner_id: int, what: str) -> HttpResponse:
    """Add a location or certification, or set a year's plan, from the partner page."""
    partner = scope.get_partner_for(request.user, partner_id)
    if what not in DETAIL_SERVICES:
        raise Http404
    form = forms.DETAIL_FORMS[what](request.POST)
    if not form.is_valid():
        return _detail_page(request, partner, what, form)
    with service_errors(request, form) as outcome:
        DETAIL_SERVICES[what](actor=request.user, partner=partner, fields=form.cleaned_data)
    if outcome.failed:
        return _detail_page(request, partner, what, form)
    messages.success(request, f"{what.capitalize()} saved.")
    return redirect("partner-detail", partner.pk)


@require_POST
@login_required
def partner_branch(request: PortalRequest, partner_id: int) -> HttpResponse:
    """Add a subsidiary or branch under a partner unit (vendor staff or its partner admin)."""
    parent = scope.get_partner_for(request.user, partner_id)
    form = forms.BranchForm(request.POST)
    if not form.is_valid():
        return _detail_page(request, parent, "branch", form)
    with service_errors(request, form) as outcome:
        branch = services.partner_create(
            actor=request.user,
            parent=parent,
            fields={"display_name": form.cleaned_data["display_name"].strip()},
        )
    if outcome.failed:
        return _detail_page(request, parent, "branch", form)
    messages.success(request, f"{branch} added under {parent}.")
    return redirect("partner-detail", branch.pk)


@require_POST
@requires("partners.change_status")
def partner_status(request: PortalRequest, partner_id: int) -> HttpResponse:
    partner = scope.get_partner_for(request.user, partner_id)
    form = forms.StatusForm(request.POST)
    if not form.is_valid():
        return _detail_page(request, partner, "status", form)
    with service_errors(request, form) as outcome:
        services.partner_transition(
            actor=request.user,
            partner=partner,
            status=request.POST.get("status", ""),
            reason=form.cleaned_data["reason"],
        )
    if outcome.failed:
        return _detail_page(request, partner, "status", form)
    messages.success(request, "Status changed.")
    return redirect("partner-detail", partner.pk)


@requires("partners.see_vendor_org")
def partner_search_page(request: PortalRequest) -> HttpResponse:
    params = {k: request.GET.get(k, "").strip() for k in ("skill", "country", "tier")}
    results = partner_search(request.user, **params)[:50] if any(params.values()) else None
    context = {
        **params,
        "results": results,
        "skills": list(Competency.objects.values_list("name", flat=True)),
        "tiers": Tier.objects.all(),
    }
    return render(request, "partners/search.html", context)
