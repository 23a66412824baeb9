"""Reads of the partners app: partners and users with what the API shows, the partner
search, the figures of the portal home, the current agreement and the invitation behind a
token. Who sees what is decided in partners.scope; these build on it."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import (
    Count,
    F,
    IntegerField,
    Max,
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
from prm.errors import Invalid, NotFound
from prm.outbox.models import Event
from prm.permissions import can
from prm.tenancy.context import current_tenant
from prm.users.models import PARTNER_ROLES, VENDOR_ROLES, Role, User

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


REMINDER_EVENT = "agreement.reminder_sent"
REMIND_AGAIN_AFTER = timedelta(days=1)  # a pending person is reminded at most once a day


def agreement_signers(actor: User) -> QuerySet[User]:
    """Who must accept the program agreement, of the people ``actor`` sees: the active
    partner-side users attached to a partner (the only ones who can accept)."""
    return scope.users_visible_to(actor).filter(
        role__in=PARTNER_ROLES, is_active=True, partner_membership__isnull=False
    )


def agreements_published() -> QuerySet[Agreement]:
    return Agreement.objects.filter(published_at__isnull=False).order_by("-version")


def agreement_reminded(agreement: Agreement) -> dict[int, datetime]:
    """When each person was last reminded to accept ``agreement`` (user id → time)."""
    last: dict[int, datetime] = {}
    for payload, at in Event.objects.filter(
        type=REMINDER_EVENT, object_type="agreement", object_id=str(agreement.pk)
    ).values_list("payload", "created_at"):
        for user_id in payload.get("users", []):
            last[user_id] = max(at, last.get(user_id, at))
    return last


@dataclass
class Pending:
    user: User
    last_version: int | None  # the latest version they accepted, if any
    reminded_at: datetime | None


@dataclass
class AgreementReport:
    """Who accepted ``agreement`` and when, and (for the current version) who has not."""

    agreement: Agreement
    current: bool
    accepted: list[AgreementAcceptance]
    pending: list[Pending] = field(default_factory=list)

    @property
    def due(self) -> int:
        """How many people are asked to accept it (the current version only)."""
        return len(self.accepted) + len(self.pending)

    def accepted_by_id(self) -> dict[int, AgreementAcceptance]:
        return {a.pk: a for a in self.accepted}

    def remindable(self, now: datetime | None = None) -> list[Pending]:
        """The pending people not reminded within the last day."""
        since = (now or timezone.now()) - REMIND_AGAIN_AFTER
        return [p for p in self.pending if p.reminded_at is None or p.reminded_at < since]


def agreement_report(actor: User, agreement: Agreement) -> AgreementReport:
    """The acceptance report of a version, over the people ``actor`` sees. Called by the
    report page and by ``agreement_remind`` (who is pending)."""
    signers = agreement_signers(actor)
    current = agreement_current()
    accepted = list(
        agreement.acceptances.filter(user__in=scope.users_visible_to(actor))
        .select_related("user", "partner")
        .order_by("-accepted_at")
    )
    report = AgreementReport(
        agreement=agreement,
        current=current is not None and current.pk == agreement.pk,
        accepted=accepted,
    )
    if report.current:
        reminded = agreement_reminded(agreement)
        rows = (
            signers.exclude(acceptances__agreement=agreement)
            .annotate(last_version=Max("acceptances__agreement__version"))
            .select_related("partner_membership__partner")
            .order_by("partner_membership__partner__display_name", "email")
        )
        report.pending = [
            Pending(user=u, last_version=u.last_version, reminded_at=reminded.get(u.pk))
            for u in rows
        ]
    return report


# --- invitations ----------------------------------------------------------------------


# The database keeps only this hash of a token; invitation_create hashes new tokens with it.
def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_for_token(token: str) -> Invitation:
    """The open invitation behind ``token``, or a ValidationError saying why not."""
    invitation = Invitation.objects.filter(token_hash=_token_hash(token)).first()
    if invitation is None:  # also the link of an earlier e-mail of a re-sent invitation
        raise Invalid(
            "This invitation link is not valid. If you were sent a newer invitation, use "
            "the link in the latest e-mail."
        )
    if invitation.accepted_at is not None:
        raise Invalid("This invitation has already been used. Sign in instead.")
    if invitation.revoked_at is not None:
        raise Invalid(
            "This invitation was withdrawn. Ask whoever invited you if you still need access."
        )
    if invitation.expires_at <= timezone.now():
        raise Invalid("This invitation has expired. Ask for a new one.")
    return invitation


def invitations_pending_visible_to(user: User) -> QuerySet[Invitation]:
    """The pending invitations (neither accepted nor revoked; expired ones included, so
    they can be re-sent) the user may resend or revoke: vendor admins all of them, channel
    managers and partner admins those to the partners they may edit."""
    pending = Invitation.objects.filter(accepted_at__isnull=True, revoked_at__isnull=True)
    pending = pending.select_related("partner", "org_unit", "invited_by").order_by("-sent_at")
    if can(user, "people.manage_all"):
        return pending
    if can(user, "people.add_partner_side"):
        return pending.filter(partner__in=scope.partners_editable_by(user).values("pk"))
    return pending.none()


def get_pending_invitation_for(user: User, invitation_id: int | str) -> Invitation:
    """A pending invitation the user may manage; the same 404 whether missing, out of scope
    or no longer pending."""
    try:
        return invitations_pending_visible_to(user).get(pk=invitation_id)
    except (Invitation.DoesNotExist, ValueError):
        raise NotFound("No such pending invitation.") from None
