"""Services of users: create one directly (API, CSV import) and change name, role or
active flag. Same rights as invitations."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from partners.models import (
    AccessChange,
    MembershipRole,
    OrgUnit,
    OrgUnitMembership,
    Partner,
    PartnerMembership,
)
from partners.scope import users_editable_by
from partners.services._common import _check_may_add_people
from prm import limits
from prm.errors import Forbidden, Invalid
from prm.limits import check_length
from prm.permissions import can
from prm.users.models import PARTNER_ROLES, Role, User
from prm.users.services import user_create


def _user_provision(
    *,
    actor: User,
    email: str,
    role: str,
    full_name: str = "",
    partner: Partner | None = None,
    org_unit: OrgUnit | None = None,
    membership_role: str = MembershipRole.MEMBER,
) -> User:
    """Create a user directly (API, CSV import): no password yet, the welcome e-mail links
    to choosing one. Same rights as invitations."""
    _check_may_add_people(actor, role, partner, verb="add")
    if membership_role not in MembershipRole.values:
        raise Invalid({"membership_role": ["Choose member, manager or administrator."]})
    user = user_create(email=email, role=role, full_name=full_name, password=None)
    if partner is not None and role in PARTNER_ROLES:
        PartnerMembership.objects.create(partner=partner, user=user, role=membership_role)
    elif org_unit is not None:
        OrgUnitMembership.objects.create(unit=org_unit, user=user, role=membership_role)
    return user


user_provision = transaction.atomic(durable=True)(_user_provision)


def _user_update(*, actor: User, user: User, fields: dict[str, Any], reason: str = "") -> User:
    """Change a user's name, role or active flag. Vendor admins change anyone; partner
    admins the partner-side users of their subtree, within partner roles. Deactivating
    takes the user's access away and needs a ``reason``; (de)activations are recorded as
    ``AccessChange`` rows. Called by the users page, the users API and the CSV import."""
    if not users_editable_by(actor).filter(pk=user.pk).exists():
        raise Forbidden("You cannot change this user.")
    if "role" in fields:
        allowed = Role.values if can(actor, "people.manage_all") else PARTNER_ROLES
        if fields["role"] not in allowed:
            raise Invalid({"role": ["You cannot give this role."]})
        if (fields["role"] in PARTNER_ROLES) != (user.role in PARTNER_ROLES):
            raise Invalid({"role": ["A user cannot change sides (vendor/partner)."]})
    if fields.get("is_active") is False and user.pk == actor.pk:
        raise Invalid({"is_active": ["You cannot deactivate yourself."]})
    reason = check_length("reason", reason.strip(), limits.NOTE)
    access_changes = "is_active" in fields and fields["is_active"] != user.is_active
    if access_changes and not fields["is_active"] and not reason:
        raise Invalid({"reason": ["Say why this user may no longer sign in."]})
    if access_changes:
        AccessChange.objects.create(
            user=user, active=fields["is_active"], reason=reason, changed_by=actor
        )
    for key in ("full_name", "role", "is_active"):
        if key in fields:
            setattr(user, key, fields[key])
    user.save(update_fields=[k for k in ("full_name", "role", "is_active") if k in fields])
    return user


user_update = transaction.atomic(durable=True)(_user_update)
