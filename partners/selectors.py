"""Reads of the partners app: partners and users with what the API shows, the partner
search, the figures of the portal home, the current agreement and the invitation behind a
token. Who sees what is decided in partners.scope; these build on it."""

from __future__ import annotations

import hashlib
from datetime import date, timedelta
from typing import Any

from django.db.models import (
    Count,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, Left
from django.utils import timezone

from partners import scope
from partners.models import (
    PROFILE_STALE_DAYS,
    STEPLEN,
    Agreement,
    AgreementAcceptance,
    ApplicationStatus,
    Certification,
    Invitation,
    OrgUnit,
    OrgUnitMembership,
    Partner,
    PartnerApplication,
    PartnerStatus,
    Tier,
    stale_profiles_q,
)
from prm.errors import Invalid
from prm.permissions import can
from prm.tenancy.context import current_tenant
from prm.users.models import VENDOR_ROLES, Role, User

# --- partners and users ----------------------------------------------------------------

PARENT_ID = {
    model: Subquery(
        model.objects.filter(path=Left(OuterRef("path"), (OuterRef("depth") - 1) * STEPLEN)).values(
            "id"
        )[:1]
    )
    for model in (OrgUnit, Partner)
}


def partner_queryset(user: User):
    """The partners of ``user``'s scope with everything the output needs, in a fixed number
    of queries whatever the page size."""
    return (
        scope.partners_visible_to(user)
        .annotate(parent_id=PARENT_ID[Partner])
        .prefetch_related("competencies", "industries", "locations")
        .order_by("path")
    )


STALENESS_PENALTY = "LEAST((CURRENT_DATE - partners_partner.profile_reviewed_at::date) / 30, 12)"


def partner_search(user: User, *, skill: str = "", country: str = "", tier: str = ""):
    """Partners in scope matching a skill, country and tier, best first. The score weighs
    people with a valid certification in the skill (10 each), tier rank (5 per rank) and
    profile freshness (up to -12 for a profile not reviewed in a year)."""
    partners = partner_queryset(user).exclude(status=PartnerStatus.TERMINATED)
    if skill:
        partners = partners.filter(
            Q(competencies__name__iexact=skill) | Q(certifications__competency__name__iexact=skill)
        )
    if country:
        partners = partners.filter(locations__country=country.upper())
    if tier:
        partners = partners.filter(tier__name__iexact=tier)
    certified = Subquery(
        Certification.objects.filter(
            Q(expires_on__isnull=True) | Q(expires_on__gte=date.today()),
            partner=OuterRef("pk"),
            **({"competency__name__iexact": skill} if skill else {}),
        )
        .values("partner")
        .annotate(n=Count("holder_name", distinct=True))
        .values("n")[:1],
        output_field=IntegerField(),
    )
    return (
        partners.distinct()
        .annotate(certified_people=Coalesce(certified, Value(0)))
        .annotate(
            score=F("certified_people") * 10
            + Coalesce(F("tier__rank"), Value(0)) * 5
            - RawSQL(STALENESS_PENALTY, [], output_field=IntegerField())
        )
        .order_by("-score", "display_name")
    )


def tiers_visible_to(user: User) -> QuerySet[Tier]:
    """The program's tiers: the ladder every user of the tenant sees (the partner list offers
    them; an id in a request body resolves through here like any other)."""
    return Tier.objects.all()


def user_queryset(user: User):
    return scope.users_visible_to(user).prefetch_related(
        Prefetch("unit_memberships", queryset=OrgUnitMembership.objects.select_related("unit"))
    )


# --- home -----------------------------------------------------------------------------


def own_partner_for(user: User) -> Partner | None:
    """The partner unit a partner-side user belongs to ("Our company" in the portal's menu:
    partners.views.our_company), or None (vendor staff; a partner user not placed yet)."""
    membership = getattr(user, "partner_membership", None)
    if membership is None:
        return None
    return scope.partners_visible_to(user).filter(pk=membership.partner_id).first()


def home_figures(user: User) -> dict[str, Any]:
    """The figures of the portal home (partners.views.home) from ``user``'s scope, by role:
    partners by status, stale profiles, expiring certifications and pending applications for
    vendor staff; users by role, recent sign-ins and domains for vendor admins; the team for
    other vendor staff; their partner and its expiring certifications for partner users."""
    figures: dict[str, Any] = {}
    partners = scope.partners_visible_to(user)
    today = timezone.now().date()
    expiring = Certification.objects.filter(
        partner__in=partners.values("pk"), expires_on__range=(today, today + timedelta(days=60))
    )
    if user.role in VENDOR_ROLES:
        by_status = dict(partners.order_by().values_list("status").annotate(n=Count("id")))
        figures.update(
            partner_counts=[
                (label, by_status.get(value, 0)) for value, label in PartnerStatus.choices
            ],
            stale=partners.filter(stale_profiles_q()).count(),
            stale_days=PROFILE_STALE_DAYS,
            expiring=expiring.count(),
            pending_applications=PartnerApplication.objects.filter(
                status=ApplicationStatus.PENDING
            ).count()
            if can(user, "applications.decide")
            else None,
        )
    if can(user, "tenant.see_all"):
        counts = dict(
            User.objects.filter(is_active=True)
            .order_by()
            .values_list("role")
            .annotate(n=Count("id"))
        )
        figures["role_counts"] = [(label, counts.get(value, 0)) for value, label in Role.choices]
        figures["recent_logins"] = User.objects.filter(last_login__isnull=False).order_by(
            "-last_login"
        )[:6]
        figures["domains"] = current_tenant().domains.all()
    elif user.role in VENDOR_ROLES:
        figures["team"] = User.objects.filter(role__in=VENDOR_ROLES, is_active=True)[:20]
    else:
        membership = getattr(user, "partner_membership", None)
        figures["partner"] = (
            partners.filter(pk=membership.partner_id).first() if membership else None
        )
        figures["expiring_certs"] = expiring.order_by("expires_on")[:8]
    return figures


# --- agreements -----------------------------------------------------------------------


def agreement_current() -> Agreement | None:
    return Agreement.objects.filter(published_at__isnull=False).order_by("-version").first()


def has_accepted_current_terms(user: User) -> bool:
    """Has this partner user accepted the current agreement? True when none is published.
    Deals and claims call this (through ``require_current_terms``) before they accept input."""
    current = agreement_current()
    if current is None:
        return True
    return AgreementAcceptance.objects.filter(agreement=current, user=user).exists()


# --- invitations ----------------------------------------------------------------------


# The database keeps only this hash of a token; invitation_create hashes new tokens with it.
def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_for_token(token: str) -> Invitation:
    """The open invitation behind ``token``, or a ValidationError saying why not."""
    invitation = Invitation.objects.filter(token_hash=_token_hash(token)).first()
    if invitation is None:
        raise Invalid("This invitation link is not valid.")
    if invitation.accepted_at is not None:
        raise Invalid("This invitation has already been used. Sign in instead.")
    if invitation.expires_at <= timezone.now():
        raise Invalid("This invitation has expired. Ask for a new one.")
    return invitation
