from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponsePermanentRedirect,
    JsonResponse,
)
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.views.decorators.http import require_POST
from django_htmx.middleware import HtmxDetails
from rest_framework.authtoken.models import Token

from prm.errors import ServiceError
from prm.users import lockout
from prm.users.models import Role, User

# What a service raises when it refuses (prm.errors, and Django's own from full_clean).
REFUSALS = (ServiceError, ValidationError, PermissionDenied)


def message_service_error(request: HttpRequest, exc: Exception) -> None:
    """Show a service's refusal as a page message."""
    if isinstance(exc, ValidationError):
        messages.error(request, " ".join(exc.messages))
    else:
        messages.error(request, str(getattr(exc, "detail", exc)) or "Not allowed.")


@dataclass
class Outcome:
    failed: bool = False


@contextmanager
def service_errors(
    request: HttpRequest, form: forms.BaseForm | None = None, translate: Callable = str
) -> Iterator[Outcome]:
    """The one place pages turn a service's refusal into what the user sees: with a
    ``form``, input errors beside their fields and other refusals at the top of the form;
    without one, a page message.
    A 404 (missing or out of scope) is not a refusal and goes on to the 404 page::

        with service_errors(request, form) as outcome:
            partner_update(actor=request.user, partner=partner, fields=form.cleaned_data)
        if not outcome.failed:
            return redirect(...)
    """
    outcome = Outcome()
    try:
        yield outcome
    except Http404:
        raise
    except REFUSALS as exc:
        outcome.failed = True
        add = getattr(form, "add_service_errors", None)
        if add is not None and isinstance(exc, ValidationError):
            add(exc, translate=translate)
        elif form is not None:
            form.add_error(None, str(getattr(exc, "detail", exc)) or "Not allowed.")
        else:
            message_service_error(request, exc)


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


class EmailAuthenticationForm(lockout.LockoutFormMixin, AuthenticationForm):
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
    """E-mail login; password guessing is locked out per account and per address
    (prm/users/lockout.py)."""

    form_class = EmailAuthenticationForm
    template_name = "portal/login.html"
    redirect_authenticated_user = True


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Setting a new password through the mailed link also lifts a sign-in lockout."""

    def form_valid(self, form):
        response = super().form_valid(form)
        lockout.unlock_account(form.user.get_username())
        return response


@login_required
@require_POST
def api_token(request: PortalRequest) -> HttpResponse:
    """Create (or replace) the caller's API token and show it once. Two replacements at once
    queue on the user's row (one token per user is a database rule): the last one wins."""
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=request.user.pk).first()
        Token.objects.filter(user=request.user).delete()
        token = Token.objects.create(user=request.user)
    if request.htmx:
        return render(request, "portal/_profile_card.html#token", {"new_token": token.key})
    messages.success(request, f"Your new API token: {token.key}")
    return redirect("home")


def public_home(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/public_home.html")


def favicon(request: HttpRequest) -> HttpResponse:
    """/favicon.ico, which browsers ask for on pages that link no icon (the operator's admin,
    JSON answers): the portal's icon, which base.html links."""
    return HttpResponsePermanentRedirect(static("portal/favicon.svg"))


def healthz(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
