"""Helpers shared by the partners services: the lock of one tree, the scope check that
refuses an actor outside ``queryset``, and who may add people to the portal."""

from __future__ import annotations

from typing import Any

from partners.scope import partners_editable_by
from prm.errors import Forbidden, Invalid
from prm.locking import advisory_lock
from prm.permissions import require
from prm.users.models import PARTNER_ROLES


def _lock_tree(name: str) -> None:
    """Serialise changes to one tree (treebeard rewrites paths in several statements)."""
    advisory_lock(f"tree:{name}")


def _require(queryset, obj, message: str) -> None:
    if not queryset.filter(pk=obj.pk).exists():
        raise Forbidden(message)


def _check_may_add_people(actor: Any, role: str, partner: Any, *, verb: str) -> None:
    """Who may add a user of ``role`` (by invitation or directly): partner-side users to a
    partner the actor may edit (vendor admins, its channel managers, its partner admins),
    vendor-side users only by vendor admins."""
    if role in PARTNER_ROLES:
        if partner is None:
            raise Invalid({"partner": ["Partner-side users need a partner."]})
        require(actor, "people.add_partner_side", f"You cannot {verb} users.")
        _require(partners_editable_by(actor), partner, f"You cannot {verb} users to this partner.")
    else:
        require(actor, "people.add_vendor_side", f"Only vendor admins {verb} vendor-side users.")
