"""Portal pages of people: accepting an invitation, the user list with invitations, and
(de)activating users. The program agreement's pages are in partners.views.agreements."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from partners import forms, scope, selectors, services
from partners.views._common import requires
from prm.permissions import can
from prm.portal.views import PortalRequest, service_errors
from prm.users.models import Role


def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    try:
        invitation = selectors.invitation_for_token(token)
    except ValidationError as exc:
        return render(request, "partners/invitation_invalid.html", {"reason": exc.messages[0]})
    form = forms.InvitationAcceptForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        with service_errors(request, form) as outcome:
            user = services.invitation_accept(
                token=token,
                full_name=form.cleaned_data["full_name"],
                password=form.cleaned_data["password"],
            )
        if not outcome.failed:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, "Welcome! Your account is ready.")
            return redirect("home")
    return render(request, "partners/invitation.html", {"form": form, "invitation": invitation})


@requires("people.manage")
def user_list(request: PortalRequest) -> HttpResponse:
    actor = request.user
    partners = scope.partners_editable_by(actor).order_by("path")
    form = forms.InviteForm(
        request.POST if request.method == "POST" else None, actor=actor, partners=partners
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with service_errors(request, form) as outcome:
            services.invitation_create(
                actor=actor,
                email=data["email"],
                role=data["role"],
                partner=data.get("partner"),
                org_unit=data.get("org_unit"),
                membership_role=data["membership_role"],
            )
        if not outcome.failed:
            role = Role(data["role"]).label.lower()
            messages.success(request, f"Invitation sent to {data['email']} as a {role}.")
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
            "invitations": selectors.invitations_pending_visible_to(actor)[:200],
            "invitation_days": services.INVITATION_DAYS,
            "users": users[:500],
            "total": users.count(),
            "form": form,
            "q": q,
            "can_import": can(actor, "partners.import"),
            "manageable": set(scope.users_editable_by(actor).values_list("pk", flat=True))
            - {actor.pk},
        },
    )


@require_POST
@requires("people.manage")
def invitation_action(request: PortalRequest, invitation_id: int, action: str) -> HttpResponse:
    """Resend (a new link, valid for another week) or revoke a pending invitation."""
    invitation = selectors.get_pending_invitation_for(request.user, invitation_id)
    if action not in {"resend", "revoke"}:
        raise Http404
    with service_errors(request) as outcome:
        if action == "resend":
            services.invitation_resend(actor=request.user, invitation=invitation)
        else:
            services.invitation_revoke(actor=request.user, invitation=invitation)
    if not outcome.failed:
        if action == "resend":
            messages.success(request, f"Invitation sent again to {invitation.email}.")
        else:
            messages.success(request, f"Invitation to {invitation.email} revoked.")
    return redirect("users")


@require_POST
@requires("people.change")
def user_active(request: PortalRequest, user_id: int) -> HttpResponse:
    """Deactivate or reactivate a user the caller manages."""
    target = scope.get_user_for(request.user, user_id)
    active = request.POST.get("active") == "1"
    with service_errors(request) as outcome:
        services.user_update(actor=request.user, user=target, fields={"is_active": active})
    if not outcome.failed:
        messages.success(request, f"{target} {'reactivated' if active else 'deactivated'}.")
    return redirect("users")
