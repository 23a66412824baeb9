"""Services of invitations: invite someone to the portal (the e-mail carries a single-use,
expiring token) and accept the invitation, which creates the user."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from partners.models import (
    Invitation,
    MembershipRole,
    OrgUnit,
    OrgUnitMembership,
    Partner,
    PartnerMembership,
)
from partners.selectors import _token_hash, invitation_for_token
from partners.services._common import _check_may_add_people
from partners.tasks import send_invitation_email as send_invitation_email_task
from prm.errors import Invalid
from prm.outbox.events import event_emit
from prm.tasks import enqueue_on_commit
from prm.users.models import PARTNER_ROLES, VENDOR_ROLES, Role, User
from prm.users.services import user_create

INVITATION_DAYS = 7


def _invitation_create(
    *,
    actor: User,
    email: str,
    role: str,
    partner: Partner | None = None,
    org_unit: OrgUnit | None = None,
    membership_role: str = MembershipRole.MEMBER,
) -> tuple[Invitation, str]:
    """Invite someone to the portal. Vendor admins invite anyone; partner admins invite
    partner-side users into their own subtree. Returns the invitation and its token (only
    the e-mail carries it; the database keeps a hash)."""
    email = User.objects.normalize_email(email.strip()).lower()
    if role not in Role.values:
        raise Invalid({"role": [f"Choose one of {', '.join(Role.values)}."]})
    _check_may_add_people(actor, role, partner, verb="invite")
    if membership_role not in MembershipRole.values:
        raise Invalid({"membership_role": ["Choose member, manager or administrator."]})
    if User.objects.filter(email=email).exists():
        raise Invalid({"email": ["A user with this e-mail already exists."]})
    token = secrets.token_urlsafe(32)
    invitation = Invitation(
        email=email,
        role=role,
        partner=partner if role in PARTNER_ROLES else None,
        org_unit=org_unit if role in VENDOR_ROLES else None,
        membership_role=membership_role,
        token_hash=_token_hash(token),
        expires_at=timezone.now() + timedelta(days=INVITATION_DAYS),
        invited_by=actor,
    )
    invitation.full_clean(exclude=["token_hash"])
    invitation.save()
    enqueue_on_commit(send_invitation_email_task, invitation.pk, token)
    return invitation, token


invitation_create = transaction.atomic(durable=True)(_invitation_create)


def _invitation_accept(*, token: str, full_name: str, password: str) -> User:
    """Create the invited user with the chosen password, once."""
    invitation = invitation_for_token(token)
    claimed = Invitation.objects.filter(pk=invitation.pk, accepted_at__isnull=True).update(
        accepted_at=timezone.now()
    )
    if not claimed:  # a concurrent acceptance won
        raise Invalid("This invitation has already been used. Sign in instead.")
    user = user_create(
        email=invitation.email,
        role=invitation.role,
        password=password,
        full_name=full_name.strip(),
        send_welcome=False,
    )
    if invitation.partner_id:
        membership = PartnerMembership.objects.create(
            partner_id=invitation.partner_id, user=user, role=invitation.membership_role
        )
        event_emit(
            event_type="partner.user_joined",
            obj=membership.partner,
            actor=user,
            payload={"user": user.email, "role": user.role},
            partner_id=membership.partner_id,
        )
    elif invitation.org_unit_id:
        OrgUnitMembership.objects.create(
            unit_id=invitation.org_unit_id, user=user, role=invitation.membership_role
        )
    return user


invitation_accept = transaction.atomic(durable=True)(_invitation_accept)
