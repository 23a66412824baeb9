"""Scope: which partners, users and org units a user may see and act on (PRODUCT.md §2).

The one place that answers it. Every API view, page, export and task reads through the
``*_visible_to`` / ``*_editable_by`` querysets here (or, for later apps' models, filters
with ``Scope.partner_q(prefix)``), and ``get_*_for`` gives the same 404 for "missing" and
"not yours". Rules:

- vendor_admin: the whole tenant.
- finance_approver, legal_approver (``partners.see_all``): every partner, to read; what
  they work on (contacts they log) is their unit scope, as for other vendor staff.
- other vendor-side users: partners whose territory is in the subtree of a unit they
  manage or administer, or is a unit they are a member of, plus the partners they are the
  channel manager of. They see the vendor org tree and the vendor-side directory.
- partner_admin / partner_manager: their partner unit's subtree; partner_user: their own
  partner unit's profile and their own user.
- explicit grants: django-guardian ``view_partner`` / ``manage_partner`` on a partner.

A scope costs one query (memberships) and is cached on the user object for the request.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.db.models import Q, QuerySet
from django.http import Http404

from partners.models import (
    MembershipRole,
    OrgUnit,
    OrgUnitMembership,
    Partner,
    PartnerApplication,
    PartnerContact,
    PartnerMembership,
    PartnerUserObjectPermission,
    ancestor_paths,
)
from prm.permissions import PARTNER_SUBTREE_ROLES, can
from prm.users.models import PARTNER_ROLES, VENDOR_ROLES, Role, User

SUBTREE_ROLES = {MembershipRole.MANAGER, MembershipRole.ADMINISTRATOR}


@dataclass(frozen=True)
class Scope:
    user_id: int
    role: str
    everything: bool = False
    unit_subtrees: tuple[str, ...] = ()  # org-unit paths whose subtree is in scope
    unit_ids: tuple[int, ...] = ()  # org units in scope without their subtree
    partner_subtrees: tuple[str, ...] = ()  # partner paths whose subtree is in scope
    partner_ids: tuple[int, ...] = ()  # partner units in scope without their subtree
    reads_all: bool = False  # every partner to read (``partners.see_all``: finance, legal)

    @property
    def vendor_side(self) -> bool:
        return self.role in VENDOR_ROLES

    def partner_q(
        self, prefix: str = "", *, grant: str = "view_partner", reading: bool = True
    ) -> Q:
        """Filter for rows of partners in scope, or explicitly granted ``grant``; ``prefix``
        reaches the partner from another model (``"partner__"`` on a deal). Tenant-wide
        readers match every partner when ``reading`` a view (never for ``manage_partner``);
        ``reading=False`` gives the partners they work on."""
        if self.everything or (self.reads_all and reading and grant == "view_partner"):
            return Q()
        terms = [Q(**{f"{prefix}path__startswith": p}) for p in self.partner_subtrees]
        if self.partner_ids:
            terms.append(Q(**{f"{prefix}id__in": self.partner_ids}))
        if self.vendor_side:
            terms += [Q(**{f"{prefix}territory__path__startswith": p}) for p in self.unit_subtrees]
            if self.unit_ids:
                terms.append(Q(**{f"{prefix}territory_id__in": self.unit_ids}))
            terms.append(Q(**{f"{prefix}channel_manager_id": self.user_id}))
        terms.append(granted(self.user_id, grant, prefix))
        return reduce(or_, terms)


def granted(user_id: int, codename: str, prefix: str = "") -> Q:
    """Partners on which the user holds the guardian permission ``codename``."""
    ids = PartnerUserObjectPermission.objects.filter(
        user_id=user_id, permission__codename=codename
    ).values("content_object_id")
    return Q(**{f"{prefix}id__in": ids})


def scope_of(user: User) -> Scope:
    """The user's scope, computed once per user object (i.e. per request)."""
    cached = getattr(user, "_prm_scope", None)
    if cached is not None:
        return cached
    scope = _compute(user)
    user._prm_scope = scope  # type: ignore[attr-defined]  # per-request cache
    return scope


def _compute(user: User) -> Scope:
    if not user.is_authenticated or not user.is_active:
        return Scope(user_id=0, role="")
    if can(user, "tenant.see_all"):
        return Scope(user_id=user.id, role=user.role, everything=True)
    subtrees: list[str] = []
    ids: list[int] = []
    if user.role in VENDOR_ROLES:
        rows = OrgUnitMembership.objects.filter(user=user).values_list(
            "role", "unit_id", "unit__path"
        )
        for role, unit_id, path in rows:
            subtrees.append(path) if role in SUBTREE_ROLES else ids.append(unit_id)
        return Scope(
            user.id,
            user.role,
            unit_subtrees=tuple(subtrees),
            unit_ids=tuple(ids),
            reads_all=can(user, "partners.see_all"),
        )
    membership = (
        PartnerMembership.objects.filter(user=user).values_list(
            "role", "partner_id", "partner__path"
        )
    ).first()
    if membership is None:
        return Scope(user.id, user.role)
    role, partner_id, path = membership
    if user.role in PARTNER_SUBTREE_ROLES and role in SUBTREE_ROLES:
        return Scope(user.id, user.role, partner_subtrees=(path,))
    return Scope(user.id, user.role, partner_ids=(partner_id,))


# --- partners -------------------------------------------------------------------------


def partners_visible_to(user: User) -> QuerySet[Partner]:
    return Partner.objects.filter(scope_of(user).partner_q()).select_related(
        "tier", "territory", "channel_manager"
    )


def partners_editable_by(user: User) -> QuerySet[Partner]:
    """Partners whose profile the user may change: vendor admins and channel managers in
    their scope, partner admins in their subtree, and holders of a ``manage_partner``
    grant. partner_users and partner_managers change nothing here."""
    if can(user, "partners.edit_profile"):
        return Partner.objects.filter(scope_of(user).partner_q(grant="manage_partner"))
    return Partner.objects.filter(granted(user.id, "manage_partner"))


def partners_worked_by(user: User) -> QuerySet[Partner]:
    """The partners the user works on (logs contacts with): their scope without the
    tenant-wide reading of finance and legal."""
    return Partner.objects.filter(scope_of(user).partner_q(reading=False))


def get_partner_for(user: User, partner_id: int | str) -> Partner:
    """The partner if the user may see it; the same 404 whether missing or out of scope."""
    try:
        return partners_visible_to(user).get(pk=partner_id)
    except (Partner.DoesNotExist, ValueError):
        raise Http404("No such partner.") from None


# --- users ----------------------------------------------------------------------------


def users_visible_to(user: User) -> QuerySet[User]:
    scope = scope_of(user)
    users = User.objects.select_related("partner_membership__partner")
    if scope.everything:
        return users.all()
    own = Q(pk=user.pk)
    if scope.vendor_side:
        in_partners = Q(partner_membership__partner__in=partners_visible_to(user).values("pk"))
        return users.filter(own | Q(role__in=VENDOR_ROLES) | in_partners)
    if scope.partner_subtrees:
        return users.filter(
            own | Q(partner_membership__partner__in=partners_visible_to(user).values("pk"))
        )
    return users.filter(own)


def users_editable_by(user: User) -> QuerySet[User]:
    """Vendor admins manage everyone; partner admins the partner-side users of their
    subtree; nobody else manages users."""
    if can(user, "people.manage_all"):
        return User.objects.all()
    if can(user, "people.manage") and user.is_partner_side:
        return users_visible_to(user).filter(role__in=PARTNER_ROLES)
    return User.objects.none()


def get_user_for(user: User, user_id: int | str) -> User:
    try:
        return users_visible_to(user).get(pk=user_id)
    except (User.DoesNotExist, ValueError):
        raise Http404("No such user.") from None


# --- org units ------------------------------------------------------------------------


def org_units_visible_to(user: User) -> QuerySet[OrgUnit]:
    """The vendor's org tree is visible to vendor-side staff, to nobody on the partner side."""
    if scope_of(user).vendor_side:
        return OrgUnit.objects.all()
    return OrgUnit.objects.none()


def territories_assignable_by(user: User) -> QuerySet[OrgUnit]:
    """The territories a user may give a partner: the whole tree for vendor admins; for
    other vendor staff the units their own scope covers (so nobody places a partner where
    they could no longer see it); none on the partner side."""
    scope = scope_of(user)
    if scope.everything:
        return OrgUnit.objects.all()
    if not scope.vendor_side:
        return OrgUnit.objects.none()
    terms = [Q(path__startswith=p) for p in scope.unit_subtrees]
    if scope.unit_ids:
        terms.append(Q(pk__in=scope.unit_ids))
    return OrgUnit.objects.filter(reduce(or_, terms)) if terms else OrgUnit.objects.none()


def org_units_editable_by(user: User) -> QuerySet[OrgUnit]:
    return OrgUnit.objects.all() if can(user, "org.configure") else OrgUnit.objects.none()


def get_org_unit_for(user: User, unit_id: int | str) -> OrgUnit:
    try:
        return org_units_visible_to(user).get(pk=unit_id)
    except (OrgUnit.DoesNotExist, ValueError):
        raise Http404("No such org unit.") from None


def channel_managers(users: QuerySet[User] | None = None) -> QuerySet[User]:
    """Who can be a partner's channel manager (of ``users``, e.g. those visible to the
    caller): the choices of the partner forms and the API."""
    return (User.objects.all() if users is None else users).filter(role=Role.CHANNEL_MANAGER)


def partner_admins(partner: Partner) -> QuerySet[User]:
    """The partner admins responsible for ``partner``: administrators of it or of a
    company above it (who is told, asked or reminded about a partner)."""
    return User.objects.filter(
        role=Role.PARTNER_ADMIN,
        is_active=True,
        partner_membership__partner__path__in=ancestor_paths(partner),
        partner_membership__role=MembershipRole.ADMINISTRATOR,
    )


def contacts_visible_to(user: User) -> QuerySet[PartnerContact]:
    """The vendor team's record of contacts: its staff see those with the partners in
    their scope; partner users see none (it is the vendor's own notes)."""
    if not can(user, "partners.log_contact"):
        return PartnerContact.objects.none()
    return PartnerContact.objects.filter(partner__in=partners_visible_to(user))


def applications_visible_to(user: User) -> QuerySet[PartnerApplication]:
    """Applications to the program: the vendor's decision makers see them all."""
    if can(user, "applications.decide"):
        return PartnerApplication.objects.all()
    return PartnerApplication.objects.none()
