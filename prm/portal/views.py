from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.db import connection
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST
from django_htmx.middleware import HtmxDetails
from rest_framework.authtoken.models import Token

from prm.tenancy.context import current_tenant
from prm.users.models import VENDOR_ROLES, Role, User


class PortalRequest(HttpRequest):
    """A request after the middleware: signed in (views use @login_required) and htmx-aware."""

    user: User
    htmx: HtmxDetails


ROLE_PURPOSE: dict[str, str] = {
    Role.VENDOR_ADMIN: "You configure the program: org structure, tiers, policies, workflows, "
    "users and agreements.",
    Role.CHANNEL_MANAGER: "You own partners in your territory and review their deals, "
    "reservations and claims.",
    Role.FINANCE_APPROVER: "You give the second-level approval of MDF claims and payouts.",
    Role.LEGAL_APPROVER: "You approve agreements and the exceptions routed to legal.",
    Role.PARTNER_ADMIN: "You manage your company's profile, locations, users and the "
    "acceptance of the program agreement.",
    Role.PARTNER_MANAGER: "You see and act on everything of your part of the organisation.",
    Role.PARTNER_USER: "You check and reserve customer accounts, register deals and file MDF "
    "requests and claims.",
}


class EmailAuthenticationForm(AuthenticationForm):
    username = forms.EmailField(
        label="E-mail", widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"})
    )
    error_messages = {
        # One message for an unknown e-mail and a wrong password: no hint which was wrong.
        "invalid_login": "That e-mail and password do not match an account of this portal.",
        "inactive": "This account is disabled. Ask your administrator.",
    }

    def clean_username(self) -> str:
        return self.cleaned_data["username"].strip().lower()


class LoginView(auth_views.LoginView):
    form_class = EmailAuthenticationForm
    template_name = "portal/login.html"
    redirect_authenticated_user = True


@login_required
def home(request: PortalRequest) -> HttpResponse:
    """The landing page of the signed-in user, by role."""
    user = request.user
    context: dict = {
        "role_purpose": ROLE_PURPOSE.get(user.role, ""),
        "has_token": Token.objects.filter(user=user).exists(),
    }
    if user.role == Role.VENDOR_ADMIN:
        counts = dict(
            User.objects.filter(is_active=True)
            .values_list("role")
            .annotate(n=Count("id"))
            .values_list("role", "n")
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
        context["vendor_contacts"] = User.objects.filter(role=Role.CHANNEL_MANAGER, is_active=True)[
            :5
        ]
        template = "portal/home_partner.html"
    return render(request, template, context)


@login_required
@require_POST
def api_token(request: PortalRequest) -> HttpResponse:
    """Create (or replace) the caller's API token and show it once."""
    Token.objects.filter(user=request.user).delete()
    token = Token.objects.create(user=request.user)
    if request.htmx:
        return render(request, "portal/_profile_card.html#token", {"new_token": token.key})
    messages.success(request, f"Your new API token: {token.key}")
    return redirect("home")


def public_home(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/public_home.html")


def healthz(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
