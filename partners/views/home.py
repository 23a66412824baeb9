"""The portal home: the landing page of every role, with the figures of
partners.selectors.home_figures."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from rest_framework.authtoken.models import Token

from partners import selectors
from prm.permissions import can
from prm.portal.views import ROLE_PURPOSE, PortalRequest


@login_required
def home(request: PortalRequest) -> HttpResponse:
    """The landing page of the signed-in user, by role, with figures from their scope."""
    user = request.user
    context: dict = {
        "role_purpose": ROLE_PURPOSE.get(user.role, ""),
        "has_token": Token.objects.filter(user=user).exists(),
        "terms_missing": user.is_partner_side and not selectors.has_accepted_current_terms(user),
    }
    context.update(selectors.home_figures(user))
    if can(user, "tenant.see_all"):
        template = "portal/home_admin.html"
    elif user.is_vendor_side:
        template = "portal/home_vendor.html"
    else:
        template = "portal/home_partner.html"
    return render(request, template, context)
