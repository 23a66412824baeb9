"""Portal pages of the partners app. Reads go through partners.scope (out of scope: 404),
writes through partners.services (their errors become form errors)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from functools import wraps

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST
from django_ratelimit.decorators import ratelimit
from rest_framework.authtoken.models import Token

from partners import forms, scope, services
from partners.api import audit_trail, partner_search
from partners.imports import RESOURCES, csv_export, csv_import
from partners.models import (
    PARTNER_TRANSITIONS,
    ApplicationStatus,
    Certification,
    Competency,
    OrgUnit,
    OrgUnitMembership,
    PartnerApplication,
    PartnerStatus,
    Tier,
)
from prm.api import Conflict
from prm.portal.views import ROLE_PURPOSE, PortalRequest, message_service_error
from prm.tenancy.context import current_tenant
from prm.users.models import PARTNER_ROLES, VENDOR_ROLES, Role, User

VENDOR_DECIDERS = {Role.VENDOR_ADMIN, Role.CHANNEL_MANAGER}


def message_form_errors(request: HttpRequest, form) -> None:
    """A small form posted from a bigger page: its errors go to the page as one message."""
    problems = (f"{k}: {' '.join(map(str, v))}" for k, v in form.errors.items())
    messages.error(request, "; ".join(problems))


def roles(*allowed: str) -> Callable:
    """Pages for some roles only; for everyone else they do not exist (404)."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.user.role not in allowed:
                raise Http404
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


# --- home -----------------------------------------------------------------------------


@login_required
def home(request: PortalRequest) -> HttpResponse:
    """The landing page of the signed-in user, by role, with figures from their scope."""
    user = request.user
    context: dict = {
        "role_purpose": ROLE_PURPOSE.get(user.role, ""),
        "has_token": Token.objects.filter(user=user).exists(),
        "terms_missing": user.role in PARTNER_ROLES
        and not services.has_accepted_current_terms(user),
    }
    partners = scope.partners_visible_to(user)
    today = timezone.now().date()
    expiring = Certification.objects.filter(
        partner__in=partners.values("pk"), expires_on__range=(today, today + timedelta(days=60))
    )
    if user.role in VENDOR_ROLES:
        by_status = dict(partners.order_by().values_list("status").annotate(n=Count("id")))
        context.update(
            partner_counts=[
                (label, by_status.get(value, 0)) for value, label in PartnerStatus.choices
            ],
            stale=partners.filter(
                profile_reviewed_at__lt=timezone.now() - timedelta(days=STALE_DAYS)
            ).count(),
            stale_days=STALE_DAYS,
            expiring=expiring.count(),
            pending_applications=PartnerApplication.objects.filter(
                status=ApplicationStatus.PENDING
            ).count()
            if user.role in VENDOR_DECIDERS
            else None,
        )
    if user.role == Role.VENDOR_ADMIN:
        counts = dict(
            User.objects.filter(is_active=True)
            .order_by()
            .values_list("role")
            .annotate(n=Count("id"))
        )
        context["role_counts"] = [(label, counts.get(value, 0)) for value, label in Role.choices]
        context["recent_logins"] = User.objects.filter(last_login__isnull=False).order_by(
            "-last_login"
        )[:6]
        context["domains"] = current_tenant().domains.all()
        template = "portal/home_admin.html"
    elif user.role in VENDOR_ROLES:
        context["team"] = User.objects.filter(role__in=VENDOR_ROLES, is_active=True)[:20]
        template = "portal/home_vendor.html"
    else:
        membership = getattr(user, "partner_membership", None)
        context["partner"] = (
            partners.filter(pk=membership.partner_id).first() if membership else None
        )
        context["expiring_certs"] = expiring.order_by("expires_on")[:8]
        template = "portal/home_partner.html"
    return render(request, template, context)


STALE_DAYS = 180


# --- partners -------------------------------------------------------------------------


@login_required
def partner_list(request: PortalRequest) -> HttpResponse:
    partners = scope.partners_visible_to(request.user).order_by("path")
    q, status, tier = (request.GET.get(k, "") for k in ("q", "status", "tier"))
    if q:
        partners = partners.filter(Q(display_name__icontains=q) | Q(legal_name__icontains=q))
    if status:
        partners = partners.filter(status=status)
    if tier:
        partners = partners.filter(tier__name=tier)
    context = {
        "partners": partners[:500],
        "total": partners.count(),
        "q": q,
        "status": status,
        "tier": tier,
        "statuses": PartnerStatus.choices,
        "tiers": Tier.objects.all(),
        "can_enrol": request.user.role in VENDOR_DECIDERS,
        "can_import": request.user.role == Role.VENDOR_ADMIN,
    }
    template = "partners/list.html#rows" if request.htmx else "partners/list.html"
    return render(request, template, context)


@login_required
def partner_detail(request: PortalRequest, partner_id: int) -> HttpResponse:
    partner = scope.get_partner_for(request.user, partner_id)
    editable = scope.partners_editable_by(request.user).filter(pk=partner.pk).exists()
    vendor_side = request.user.role in VENDOR_ROLES
    today = timezone.now().date()
    certifications = partner.certifications.select_related("competency").order_by("expires_on")
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
        "transitions": [
            (s, PartnerStatus(s).label) for s in sorted(PARTNER_TRANSITIONS[partner.status])
        ]
        if request.user.role in VENDOR_DECIDERS and editable
        else [],
        "audit": audit_trail(partner)[:20],
        "detail_forms": {
            name: form()
            for name, form in forms.DETAIL_FORMS.items()
            if (name == "contact" and vendor_side) or (name != "contact" and editable)
        },
        "contacts": scope.contacts_visible_to(request.user)
        .filter(partner=partner)
        .select_related("user")[:10]
        if vendor_side
        else None,
    }
    return render(request, "partners/detail.html", context)


@login_required
def partner_edit(request: PortalRequest, partner_id: int | None = None) -> HttpResponse:
    """Edit a profile, or (no id) enrol a new partner."""
    user = request.user
    partner = scope.get_partner_for(user, partner_id) if partner_id else None
    if partner is None and user.role not in VENDOR_DECIDERS:
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
        try:
            if partner:
                partner = services.partner_update(actor=user, partner=partner, fields=fields)
            else:
                partner = services.partner_create(actor=user, fields=fields)
        except (ValidationError, PermissionDenied) as exc:
            if isinstance(exc, ValidationError):
                form.add_service_errors(exc)
            else:
                form.add_error(None, str(exc))
        else:
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
    if form.is_valid():
        try:
            DETAIL_SERVICES[what](actor=request.user, partner=partner, fields=form.cleaned_data)
            messages.success(request, f"{what.capitalize()} saved.")
        except (ValidationError, PermissionDenied) as exc:
            message_service_error(request, exc)
    else:
        message_form_errors(request, form)
    return redirect("partner-detail", partner.pk)


@require_POST
@login_required
def partner_branch(request: PortalRequest, partner_id: int) -> HttpResponse:
    """Add a subsidiary or branch under a partner unit (vendor staff or its partner admin)."""
    parent = scope.get_partner_for(request.user, partner_id)
    try:
        branch = services.partner_create(
            actor=request.user,
            parent=parent,
            fields={"display_name": request.POST.get("display_name", "").strip()},
        )
    except (ValidationError, PermissionDenied) as exc:
        message_service_error(request, exc)
        return redirect("partner-detail", parent.pk)
    messages.success(request, f"{branch} added under {parent}.")
    return redirect("partner-detail", branch.pk)


@require_POST
@roles(*VENDOR_DECIDERS)
def partner_status(request: PortalRequest, partner_id: int) -> HttpResponse:
    partner = scope.get_partner_for(request.user, partner_id)
    try:
        services.partner_transition(
            actor=request.user,
            partner=partner,
            status=request.POST.get("status", ""),
            reason=request.POST.get("reason", ""),
        )
        messages.success(request, "Status changed.")
    except (ValidationError, PermissionDenied, Conflict) as exc:
        message_service_error(request, exc)
    return redirect("partner-detail", partner.pk)


@roles(*VENDOR_ROLES)
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


# --- organisation ---------------------------------------------------------------------


@roles(*VENDOR_ROLES)
def organisation(request: PortalRequest) -> HttpResponse:
    units = (
        scope.org_units_visible_to(request.user)
        .annotate(partner_count=Count("partners", distinct=True))
        .order_by("path")
    )
    members: dict[int, list] = {}
    for m in OrgUnitMembership.objects.select_related("user").order_by("user__email"):
        members.setdefault(m.unit_id, []).append(m)
    context = {
        "units": [(u, members.get(u.pk, [])) for u in units],
        "can_edit": request.user.role == Role.VENDOR_ADMIN,
        "unit_form": forms.UnitForm(),
        "member_form": forms.UnitMemberForm(),
        "move_form": forms.MoveForm(),
    }
    return render(request, "partners/organisation.html", context)


@require_POST
@roles(Role.VENDOR_ADMIN)
def unit_action(request: PortalRequest, action: str, unit_id: int | None = None) -> HttpResponse:
    """Create, rename, move, delete a unit or set a membership; errors are shown as
    messages on the organisation page and change nothing."""
    actor = request.user
    unit = get_object_or_404(OrgUnit, pk=unit_id) if unit_id else None
    form_class = {
        "create": forms.UnitForm,
        "rename": forms.RenameForm,
        "move": forms.MoveForm,
        "member": forms.UnitMemberForm,
        "delete": forms.PortalForm,
    }[action]
    form = form_class(request.POST)
    if not form.is_valid():
        message_form_errors(request, form)
        return redirect("organisation")
    data = form.cleaned_data
    unit = unit or data.get("unit")  # the assign form names its unit in a field
    if unit is None and action != "create":
        messages.error(request, "Choose the unit.")
        return redirect("organisation")
    try:
        if action == "create":
            unit = services.org_unit_create(actor=actor, name=data["name"], parent=data["parent"])
            messages.success(request, f"{unit.name} created.")
        elif action == "rename" and unit:
            services.org_unit_rename(actor=actor, unit=unit, name=data["name"])
            messages.success(request, f"Renamed to {data['name']}.")
        elif action == "move" and unit:
            services.org_unit_move(actor=actor, unit=unit, parent=data["parent"])
            messages.success(request, f"{unit.name} moved.")
        elif action == "delete" and unit:
            services.org_unit_delete(actor=actor, unit=unit)
            messages.success(request, f"{unit.name} deleted.")
        elif action == "member" and unit:
            services.org_unit_membership_set(
                actor=actor, unit=unit, user=data["user"], role=data["role"]
            )
            messages.success(request, f"{data['user']} is now {data['role']} of {unit.name}.")
    except (ValidationError, PermissionDenied, Conflict) as exc:
        message_service_error(request, exc)
    return redirect("organisation")


# --- applications ---------------------------------------------------------------------


@ratelimit(key="ip", rate="5/h", method="POST", block=False)
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
            try:
                services.application_submit(
                    fields=fields, ip_address=request.META.get("REMOTE_ADDR")
                )
            except ValidationError as exc:
                form.add_service_errors(exc)
            else:
                return render(request, "partners/apply_done.html", {"name": fields["contact_name"]})
    return render(request, "partners/apply.html", {"form": form})


@roles(*VENDOR_DECIDERS)
def application_list(request: PortalRequest) -> HttpResponse:
    status = request.GET.get("status", ApplicationStatus.PENDING)
    applications = PartnerApplication.objects.filter(status=status)
    return render(
        request,
        "partners/applications.html",
        {"applications": applications, "status": status, "statuses": ApplicationStatus.choices},
    )


@roles(*VENDOR_DECIDERS)
def application_detail(request: PortalRequest, application_id: int) -> HttpResponse:
    application = get_object_or_404(PartnerApplication, pk=application_id)
    approve = forms.ApproveForm(request.POST if "approve" in request.POST else None)
    reject = forms.RejectForm(request.POST if "reject" in request.POST else None)
    if request.method == "POST":
        try:
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
        except ValidationError as exc:
            (approve if "approve" in request.POST else reject).add_service_errors(exc)
        except (PermissionDenied, Conflict) as exc:
            message_service_error(request, exc)
    return render(
        request,
        "partners/application.html",
        {"application": application, "approve": approve, "reject": reject},
    )


# --- invitations, agreement, users ----------------------------------------------------


def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    try:
        invitation = services.invitation_for_token(token)
    except ValidationError as exc:
        return render(request, "partners/invitation_invalid.html", {"reason": exc.messages[0]})
    form = forms.InvitationAcceptForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.invitation_accept(
                token=token,
                full_name=form.cleaned_data["full_name"],
                password=form.cleaned_data["password"],
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, "Welcome! Your account is ready.")
            return redirect("home")
    return render(request, "partners/invitation.html", {"form": form, "invitation": invitation})


@login_required
def agreement(request: PortalRequest) -> HttpResponse:
    current = services.agreement_current()
    if request.method == "POST" and current is not None:
        try:
            services.agreement_accept(
                actor=request.user,
                agreement=current,
                ip_address=request.META.get("REMOTE_ADDR"),
                user_agent=request.META.get("HTTP_USER_AGENT", ""),
            )
            messages.success(request, f"You accepted {current}.")
            return redirect("home")
        except (PermissionDenied, Conflict) as exc:
            message_service_error(request, exc)
    accepted = current is not None and current.acceptances.filter(user=request.user).exists()
    return render(
        request,
        "partners/agreement.html",
        {
            "agreement": current,
            "accepted": accepted,
            "can_accept": request.user.role in PARTNER_ROLES,
        },
    )


@roles(Role.VENDOR_ADMIN, Role.CHANNEL_MANAGER, Role.PARTNER_ADMIN)
def user_list(request: PortalRequest) -> HttpResponse:
    actor = request.user
    partners = scope.partners_editable_by(actor).order_by("path")
    form = forms.InviteForm(
        request.POST if request.method == "POST" else None, actor=actor, partners=partners
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.invitation_create(
                actor=actor,
                email=data["email"],
                role=data["role"],
                partner=data.get("partner"),
                org_unit=data.get("org_unit"),
                membership_role=data["membership_role"],
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"Invitation sent to {data['email']}.")
            return redirect("users")
    users = (
        scope.users_visible_to(actor)
        .select_related("partner_membership__partner")
        .order_by("role", "email")
    )
    q = request.GET.get("q", "")
    if q:
        users = users.filter(Q(email__icontains=q) | Q(full_name__icontains=q))
    return render(
        request,
        "partners/users.html",
        {
            "users": users[:500],
            "total": users.count(),
            "form": form,
            "q": q,
            "can_import": actor.role == Role.VENDOR_ADMIN,
            "manageable": set(scope.users_editable_by(actor).values_list("pk", flat=True))
            - {actor.pk},
        },
    )


@require_POST
@roles(Role.VENDOR_ADMIN, Role.PARTNER_ADMIN)
def user_active(request: PortalRequest, user_id: int) -> HttpResponse:
    """Deactivate or reactivate a user the caller manages."""
    target = scope.get_user_for(request.user, user_id)
    active = request.POST.get("active") == "1"
    try:
        services.user_update(actor=request.user, user=target, fields={"is_active": active})
        messages.success(request, f"{target} {'reactivated' if active else 'deactivated'}.")
    except (ValidationError, PermissionDenied) as exc:
        message_service_error(request, exc)
    return redirect("users")


# --- CSV ------------------------------------------------------------------------------


@login_required
def export_csv(request: PortalRequest, kind: str) -> HttpResponse:
    if kind not in RESOURCES or (kind == "users" and request.user.role == Role.PARTNER_USER):
        raise Http404
    response = HttpResponse(csv_export(kind, actor=request.user), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="{kind}.csv"'
    return response


@roles(Role.VENDOR_ADMIN)
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
