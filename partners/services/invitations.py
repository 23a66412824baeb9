"""Services of invitations: invite someone to the portal (the e-mail carries a single-use,
expiring token), resend or revoke a pending invitation, and accept it, which creates the
user. An address has one pending invitation at most (a database constraint)."""

from __future__ import annotations

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import dateformat, timezone

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
from prm.errors import Conflict, Invalid
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
    pending = (
        Invitation.objects.select_for_update()
        .filter(email=email, accepted_at__isnull=True, revoked_at__isnull=True)
        .first()
    )
    if pending is not None and not pending.expired:
        raise _already_pending(pending)
    if pending is not None:  # expired: the new invitation replaces it
        pending.revoked_at = timezone.now()
        pending.save(update_fields=["revoked_at"])
    invitation = Invitation(
        email=email,
        role=role,
        partner=partner if role in PARTNER_ROLES else None,
        org_unit=org_unit if role in VENDOR_ROLES else None,
        membership_role=membership_role,
        expires_at=timezone.now() + timedelta(days=INVITATION_DAYS),
        invited_by=actor,
    )
    token = invitation.link_token()
    invitation.token_hash = _token_hash(token)
    invitation.full_clean(exclude=["token_hash"], validate_constraints=False)
    try:
        with transaction.atomic():
            invitation.save()
    except IntegrityError:  # a concurrent invitation of the same address won
        existing = Invitation.objects.filter(
            email=email, accepted_at__isnull=True, revoked_at__isnull=True
        ).first()
        raise _already_pending(existing) from None
    enqueue_on_commit(send_invitation_email_task, invitation.pk)
    return invitation, token


invitation_create = transaction.atomic(durable=True)(_invitation_create)


def _already_pending(pending: Invitation | None) -> Conflict:
    sent = ""
    if pending is not None:
        sent = f" (sent {dateformat.format(timezone.localtime(pending.sent_at), 'j M Y')})"
    return Conflict(
        f"{pending.email if pending else 'This address'} already has a pending invitation"
        f"{sent}. Resend or revoke it in the list of pending invitations.",
        code="invitation_pending",
    )


def _pending_for_change(*, actor: User, invitation: Invitation) -> Invitation:
    """Lock the invitation and check it is still pending and the actor's to manage."""
    locked = (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("partner")
        .filter(pk=invitation.pk)
        .first()
    )
    if locked is None or locked.revoked_at is not None:
        raise Conflict("This invitation was revoked.", code="invitation_revoked")
    if locked.accepted_at is not None:
        raise Conflict(
            f"{locked.email} already accepted this invitation.", code="invitation_accepted"
        )
    _check_may_add_people(actor, locked.role, locked.partner, verb="invite")
    return locked


def _invitation_resend(*, actor: User, invitation: Invitation) -> tuple[Invitation, str]:
    """Send a pending invitation again, valid for another ``INVITATION_DAYS`` from now
    (also an expired one). Only a hash is kept, so it goes out with a new link; the link of
    the earlier e-mail stops working. Returns the invitation and its new token."""
    invitation = _pending_for_change(actor=actor, invitation=invitation)
    now = timezone.now()
    invitation.expires_at = now + timedelta(days=INVITATION_DAYS)
    invitation.sent_at = now
    token = invitation.link_token()
    invitation.token_hash = _token_hash(token)
    invitation.save(update_fields=["token_hash", "expires_at", "sent_at"])
    enqueue_on_commit(send_invitation_email_task, invitation.pk)
    return invitation, token


invitation_resend = transaction.atomic(durable=True)(_invitation_resend)


def _invitation_revoke(*, actor: User, invitation: Invitation) -> Invitation:
    """Withdraw a pending invitation: its link stops working (the invitation page says it
    was withdrawn) and the address may be invited again."""
    invitation = _pending_for_change(actor=actor, invitation=invitation)
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    return invitation


invitation_revoke = transaction.atomic(durable=True)(_invitation_revoke)


def _invitation_accept(*, token: str, full_name: str, password: str) -> User:
    """Create the invited user with the chosen password, once."""
    invitation = invitation_for_token(token)
    claimed = Invitation.objects.filter(
        pk=invitation.pk, accepted_at__isnull=True, revoked_at__isnull=True
    ).update(accepted_at=timezone.now())
    if not claimed:  # a concurrent acceptance or revocation won
        invitation_for_token(token)  # says which
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
