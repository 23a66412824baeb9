"""The portal home: the landing page of every role, with the figures of
partners.selectors.home_figures."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from rest_framework.authtoken.models import Token

from partners import selectors
from prm.portal.views import ROLE_PURPOSE, PortalRequest
from prm.users.models import PARTNER_ROLES, VENDOR_ROLES, Role


@login_required
def home(request: PortalRequest) -> HttpResponse:
    """The landing page of the signed-in user, by role, with figures from their scope."""
    user = request.user
    context: dict = {
        "role_purpose": ROLE_PURPOSE.get(user.role, ""),
        "has_token": Token.objects.filter(user=user).exists(),
        "terms_missing": user.role in PARTNER_ROLES
        and not selectors.has_accepted_current_terms(user),
    }
    context.update(selectors.home_figures(user))
    if user.role == Role.VENDOR_ADMIN:
        template = "portal/home_admin.html"
    elif user.role in VENDOR_ROLES:
        template = "portal/home_vendor.html"
    else:
        template = "portal/home_partner.html"
    return render(request, template, context)
