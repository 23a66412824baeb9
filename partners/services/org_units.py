"""Services of the vendor org tree: create, rename, move and delete units, and put
vendor-side users into them. Vendor admins only."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from treebeard.exceptions import InvalidMoveToDescendant

from partners.models import MembershipRole, OrgUnit, OrgUnitMembership
from partners.services._common import _lock_tree
from prm import limits
from prm.audit import audit_note
from prm.errors import Conflict, Forbidden, Invalid
from prm.limits import check_length
from prm.permissions import can
from prm.users.models import User


def _require_vendor_admin(actor: User) -> None:
    if not can(actor, "org.configure"):
        raise Forbidden("Only vendor admins change the organisation.")


def _clean_unit_name(name: str) -> str:
    name = name.strip()
    if not name:
        raise Invalid({"name": ["A unit needs a name."]})
    return name


def _sibling_clash() -> ValidationError:
    return ValidationError({"name": ["A unit with this name already exists under that parent."]})


def _org_unit_create(*, actor: User, name: str, parent: OrgUnit | None = None) -> OrgUnit:
    """Add a unit under ``parent`` (or a new root). Vendor admins only."""
    _require_vendor_admin(actor)
    name = _clean_unit_name(name)
    _lock_tree("org_unit")
    unit = OrgUnit(name=name)
    audit_note(unit, actor, "created")
    try:
        with transaction.atomic():
            if parent is None:
                return OrgUnit.objects.add_root(instance=unit)
            parent.refresh_from_db()
            return OrgUnit.objects.add_child(parent, instance=unit)
    except IntegrityError:
        raise _sibling_clash() from None


org_unit_create = transaction.atomic(durable=True)(_org_unit_create)


def _org_unit_rename(*, actor: User, unit: OrgUnit, name: str) -> OrgUnit:
    _require_vendor_admin(actor)
    unit.name = _clean_unit_name(name)
    audit_note(unit, actor, "renamed")
    try:
        with transaction.atomic():
            unit.save(update_fields=["name"])
    except IntegrityError:
        raise _sibling_clash() from None
    return unit


org_unit_rename = transaction.atomic(durable=True)(_org_unit_rename)


def _org_unit_move(
    *, actor: User, unit: OrgUnit, parent: OrgUnit | None, reason: str = ""
) -> OrgUnit:
    """Move ``unit`` and its subtree under ``parent`` (None: make it a root). Scope follows
    at once: it is computed from paths, which the move rewrites; so the move changes what
    the managers above and below may see, and needs a ``reason`` (kept in the audit trail).
    Called by the organisation page and the org-units API."""
    _require_vendor_admin(actor)
    reason = check_length("reason", reason.strip(), limits.NOTE)
    _lock_tree("org_unit")
    unit.refresh_from_db()
    if parent is not None:
        parent.refresh_from_db()
        if parent.pk == unit.pk or parent.path.startswith(unit.path):
            raise Invalid(
                {"parent": ["A unit cannot move under itself or one of its own sub-units."]}
            )
    if not reason:
        raise Invalid(
            {"reason": ["Say why the unit moves: it changes which partners its managers see."]}
        )
    try:
        with transaction.atomic():
            if parent is None:
                last_root = OrgUnit.objects.get_last_root_node()
                OrgUnit.objects.move(unit, last_root, "last-sibling")
            else:
                OrgUnit.objects.move(unit, parent, "last-child")
    except InvalidMoveToDescendant:
        raise Invalid(
            {"parent": ["A unit cannot move under itself or one of its own sub-units."]}
        ) from None
    except IntegrityError:
        raise _sibling_clash() from None
    unit.refresh_from_db()
    where = parent.name if parent else "the top level"
    audit_note(unit, actor, f"moved under {where}: {reason}")
    unit.save()  # records the move in the audit trail
    return unit


org_unit_move = transaction.atomic(durable=True)(_org_unit_move)


def _org_unit_delete(*, actor: User, unit: OrgUnit) -> None:
    """Delete an empty unit. Refused while it has sub-units, members or partners."""
    _require_vendor_admin(actor)
    _lock_tree("org_unit")
    unit.refresh_from_db()
    blockers = []
    if unit.numchild:
        blockers.append(f"{unit.numchild} sub-unit(s)")
    if members := unit.memberships.count():
        blockers.append(f"{members} member(s)")
    if partners := unit.partners.count():
        blockers.append(f"{partners} partner(s)")
    if blockers:
        raise Conflict(f"{unit.name} still has {', '.join(blockers)}: move them first.")
    audit_note(unit, actor, "deleted")
    unit.delete()


org_unit_delete = transaction.atomic(durable=True)(_org_unit_delete)


def _org_unit_membership_set(
    *, actor: User, unit: OrgUnit, user: User, role: str
) -> OrgUnitMembership:
    """Put a vendor-side user into a unit as member, manager or administrator."""
    _require_vendor_admin(actor)
    if not user.is_vendor_side:
        raise Invalid({"user": ["Only vendor-side users belong to vendor org units."]})
    if role not in MembershipRole.values:
        raise Invalid({"role": [f"Choose one of {', '.join(MembershipRole.values)}."]})
    membership, _ = OrgUnitMembership.objects.update_or_create(
        unit=unit, user=user, defaults={"role": role}
    )
    return membership


org_unit_membership_set = transaction.atomic(durable=True)(_org_unit_membership_set)
