"""Who may do what: the named role sets and the capabilities, declared once (pretix's
``permission = 'can_view_orders'``). Services, scope, navigation, forms and views ask
``can(user, "partners.enrol")`` instead of spelling a role set inline.

Capabilities say which *roles* may attempt an action; *which objects* a user may act on is
scope (each app's selectors). Later apps add theirs with ``declare``.
"""

from __future__ import annotations

from typing import Any

from prm.errors import Forbidden
from prm.users.models import PARTNER_ROLES, VENDOR_ROLES, Role

ADMINS = frozenset({Role.VENDOR_ADMIN})
# The vendor's decision makers: enrol partners, change their status, decide applications.
DECIDERS = frozenset({Role.VENDOR_ADMIN, Role.CHANNEL_MANAGER})
# Who adds people to a partner (within the partners they may edit).
PEOPLE_MANAGERS = DECIDERS | {Role.PARTNER_ADMIN}
# Who edits partner profiles (within scope; others only by an explicit grant).
PROFILE_EDITORS = PEOPLE_MANAGERS
# Partner-side roles that see their whole partner unit's subtree.
PARTNER_SUBTREE_ROLES = frozenset({Role.PARTNER_ADMIN, Role.PARTNER_MANAGER})
ALL_ROLES = VENDOR_ROLES | PARTNER_ROLES
# Vendor-side roles whose work is tenant-wide: they read every partner, whatever their unit.
TENANT_READERS = frozenset({Role.FINANCE_APPROVER, Role.LEGAL_APPROVER})

CAPABILITIES: dict[str, frozenset[str]] = {}


def declare(**capabilities: frozenset[str]) -> None:
    """Add capabilities (``name__with__dots`` is written ``name.with.dots``)."""
    for name, roles in capabilities.items():
        CAPABILITIES[name.replace("__", ".")] = frozenset(roles)


declare(
    tenant__see_all=ADMINS,  # every partner, user and unit of the tenant
    # Every partner of the tenant, to read (finance, legal); what they may change is their
    # unit scope as before, and their roles change no partner.
    partners__see_all=ADMINS | TENANT_READERS,
    org__configure=ADMINS,
    partners__import=ADMINS,
    agreements__publish=ADMINS,
    agreements__report=ADMINS | {Role.LEGAL_APPROVER},  # who accepted, who is missing
    agreements__remind=ADMINS,
    agreements__accept=PARTNER_ROLES,
    partners__enrol=DECIDERS,
    partners__change_status=DECIDERS,
    partners__edit_profile=PROFILE_EDITORS,
    partners__log_contact=VENDOR_ROLES,
    partners__see_vendor_org=VENDOR_ROLES,
    applications__decide=DECIDERS,
    people__add_partner_side=PEOPLE_MANAGERS,
    people__add_vendor_side=ADMINS,
    people__manage=PEOPLE_MANAGERS,
    people__manage_all=ADMINS,
    people__change=ADMINS | {Role.PARTNER_ADMIN},  # names, roles, deactivation (in scope)
    people__export=ALL_ROLES - {Role.PARTNER_USER},  # the users CSV (of the caller's scope)
    workflows__configure=ADMINS,
    workflows__approve=VENDOR_ROLES,
    audit__read_all=ADMINS,
    api__use_tokens=ADMINS | PARTNER_ROLES,
)


def can(user: Any, capability: str) -> bool:
    """Does the user's role allow ``capability``? Unknown capabilities are a bug."""
    return getattr(user, "role", None) in CAPABILITIES[capability]


def require(user: Any, capability: str, message: str) -> None:
    """Refuse with ``Forbidden(message)`` unless the user's role allows ``capability``."""
    if not can(user, capability):
        raise Forbidden(message)


def roles_that(capability: str) -> frozenset[str]:
    """The roles allowed ``capability`` (navigation, role pickers)."""
    return CAPABILITIES[capability]
