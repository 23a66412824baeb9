"""Services of partner organisations: enrol (or add a subsidiary/branch), update the
profile, change the status, and place partner-side users in a partner unit."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from partners.models import (
    PARTNER_LIFECYCLE,
    PARTNER_M2M_FIELDS,
    MembershipRole,
    Partner,
    PartnerMembership,
    PartnerStatus,
)
from partners.scope import partners_editable_by, territories_assignable_by
from partners.services._common import _lock_tree, _require
from prm import limits
from prm.audit import audit_note
from prm.errors import Forbidden, Invalid
from prm.limits import check_length
from prm.outbox.events import event_emit
from prm.permissions import require
from prm.users.models import User

NAME_TAKEN = {"display_name": ["A partner unit with this name already exists there."]}
VENDOR_ONLY_FIELDS = {"tier", "territory", "channel_manager", "status", "partner_type"}


def _check_territory(actor: User, fields: dict[str, Any]) -> None:
    """A territory given must be one the actor's scope covers (checked before any write)."""
    territory = fields.get("territory")
    if territory is not None and not territories_assignable_by(actor).filter(pk=territory.pk):
        raise Invalid(
            {"territory": ["Choose a territory within your own part of the organisation."]}
        )


def _partner_create(
    *, actor: User, parent: Partner | None = None, fields: dict[str, Any]
) -> Partner:
    """Enrol a partner organisation (status ``onboarding``), or a subsidiary/branch under
    ``parent``, which inherits territory, channel manager, tier and type unless given."""
    if parent is not None:
        _require(partners_editable_by(actor), parent, "You cannot add units to this partner.")
    else:
        require(actor, "partners.enrol", "Only the vendor enrols partners.")
    if actor.is_partner_side and (forbidden := VENDOR_ONLY_FIELDS & set(fields)):
        # A subsidiary inherits these from its parent; only the vendor sets them.
        raise Forbidden(f"Only the vendor sets {', '.join(sorted(forbidden))}.")
    _check_territory(actor, fields)
    data = dict(fields)
    m2m = {key: data.pop(key) for key in PARTNER_M2M_FIELDS if key in data}
    if parent is not None:
        for key in ("territory", "channel_manager", "tier", "partner_type"):
            data.setdefault(key, getattr(parent, key))
    data.setdefault("status", PartnerStatus.ONBOARDING)
    if not data.get("legal_name"):
        data["legal_name"] = data.get("display_name", "")
    partner = Partner(**data)
    partner.full_clean(exclude=["path", "depth", "numchild"])
    _lock_tree("partner")
    audit_note(partner, actor, "enrolled" if parent is None else f"added under {parent}")
    try:
        with transaction.atomic():
            if parent is None:
                partner = Partner.objects.add_root(instance=partner)
            else:
                parent.refresh_from_db()
                partner = Partner.objects.add_child(parent, instance=partner)
    except IntegrityError:
        raise Invalid(NAME_TAKEN) from None
    for key, values in m2m.items():
        getattr(partner, key).set(values)
    if parent is None:
        event_emit(event_type="partner.enrolled", obj=partner, actor=actor, partner_id=partner.pk)
    return partner


partner_create = transaction.atomic(durable=True)(_partner_create)


def _partner_update(*, actor: User, partner: Partner, fields: dict[str, Any]) -> Partner:
    """Change a partner's profile. Partner admins change the profile fields; tier,
    territory, channel manager and type are the vendor's. Status has its own service."""
    _require(partners_editable_by(actor), partner, "You cannot change this partner.")
    if "status" in fields:
        raise Invalid({"status": ["Use the status transition instead."]})
    if actor.is_partner_side and (forbidden := VENDOR_ONLY_FIELDS & set(fields)):
        raise Forbidden(f"Only the vendor changes {', '.join(sorted(forbidden))}.")
    _check_territory(actor, fields)
    partner = Partner.objects.select_for_update().get(pk=partner.pk)
    m2m = {key: fields[key] for key in PARTNER_M2M_FIELDS if key in fields}
    for key, value in fields.items():
        if key not in m2m:
            setattr(partner, key, value)
    if not partner.legal_name:
        partner.legal_name = partner.display_name
    if actor.is_partner_side:
        partner.profile_reviewed_at = timezone.now()  # the partner has reviewed its profile
    partner.full_clean(exclude=["path", "depth", "numchild"])
    audit_note(partner, actor, "profile updated")
    try:
        with transaction.atomic():
            partner.save()
    except IntegrityError:
        raise Invalid(NAME_TAKEN) from None
    for key, values in m2m.items():
        getattr(partner, key).set(values)
    return partner


partner_update = transaction.atomic(durable=True)(_partner_update)


def _partner_transition(
    *, actor: User, partner: Partner, status: str, reason: str = "", emit: bool = True
) -> Partner:
    """Move a partner along applied → onboarding → active ⇄ suspended → terminated.
    Illegal transitions are a 409 and change nothing. ``emit=False``: no
    ``partner.status_changed`` event (a workflow's own change starts no workflows)."""
    require(actor, "partners.change_status", "Only the vendor changes a partner's status.")
    _require(partners_editable_by(actor), partner, "You cannot change this partner.")
    partner = Partner.objects.select_for_update().get(pk=partner.pk)
    if status not in PartnerStatus.values:
        raise Invalid({"status": [f"Unknown status {status!r}."]})
    check_length("reason", reason, limits.NOTE)
    PARTNER_LIFECYCLE.check(partner.status, status)
    before = partner.status
    partner.status = status
    audit_note(partner, actor, f"status {before} → {status}" + (f": {reason}" if reason else ""))
    partner.save(update_fields=["status", "updated_at"])
    if emit:
        event_emit(
            event_type="partner.status_changed",
            obj=partner,
            actor=actor,
            payload={"from": before, "to": status, "reason": reason},
            partner_id=partner.pk,
        )
    return partner


partner_transition = transaction.atomic(durable=True)(_partner_transition)


def _partner_tier_set(*, actor: User | None, partner: Partner, tier: Any, reason: str) -> Partner:
    """Set a partner's tier (the tier review's decision, a workflow's ``set_field``)."""
    if actor is not None:
        _require(partners_editable_by(actor), partner, "You cannot change this partner.")
    partner = Partner.objects.select_for_update().get(pk=partner.pk)
    partner.tier = tier
    audit_note(partner, actor, reason)
    partner.save(update_fields=["tier", "updated_at"])
    return partner


partner_tier_set = transaction.atomic(durable=True)(_partner_tier_set)


def _partner_membership_set(
    *, actor: User, partner: Partner, user: User, role: str
) -> PartnerMembership:
    """Place a partner-side user in a partner unit (a user belongs to one unit)."""
    _require(partners_editable_by(actor), partner, "You cannot manage this partner's users.")
    if not user.is_partner_side:
        raise Invalid({"user": ["Only partner-side users belong to partners."]})
    if role not in MembershipRole.values:
        raise Invalid({"role": [f"Choose one of {', '.join(MembershipRole.values)}."]})
    membership, _ = PartnerMembership.objects.update_or_create(
        user=user, defaults={"partner": partner, "role": role}
    )
    return membership


partner_membership_set = transaction.atomic(durable=True)(_partner_membership_set)
