"""Scope of customer accounts and reservations: which the caller may see (PRODUCT.md §4),
beside partners.scope, on which it builds. Out of scope is the same 404 as missing.

- Vendor staff see every account; they see the reservations of the partners in their
  partner scope (vendor admins: all).
- The product catalogue: vendor staff see all of it; partner-side users the active
  products of active lines (what they may register); only vendor admins change it.
- A partner-side user sees the accounts their partner (their partner scope) has reserved,
  those with deals they see, and those they created themselves. Other accounts they only
  learn of through the lookup's answers.
- Deals: vendor staff see those of the partners in their partner scope; partner admins and
  managers those of their partner unit's subtree; a partner user their own and those shared
  with them (guardian ``view_deal``).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.postgres.fields import ArrayField
from django.core.cache import cache
from django.db.models import (
    BigIntegerField,
    BooleanField,
    Exists,
    F,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Value,
)

from deals.models import (
    CustomerAccount,
    Deal,
    DealConflict,
    DealDispute,
    DealDocument,
    DealUserObjectPermission,
    DisputeStatus,
    Product,
    ProductLine,
    Reservation,
)
from partners.models import Partner, PartnerMembership
from partners.scope import scope_of
from prm.errors import NotFound
from prm.permissions import PARTNER_SUBTREE_ROLES, can
from prm.users.models import User


def accounts_visible_to(user: User, *, one: bool = False) -> QuerySet[CustomerAccount]:
    """``one``: the caller picks one account by its id (as ``deals_visible_to``'s)."""
    if not user.is_authenticated or not user.is_active:
        return CustomerAccount.objects.none()
    if can(user, "accounts.see_all"):
        return CustomerAccount.objects.all()
    reserved = Reservation.objects.filter(account=OuterRef("pk")).filter(
        scope_of(user).partner_q("partner__")
    )
    registered = deals_visible_to(user, one=one).filter(account=OuterRef("pk"))
    return CustomerAccount.objects.filter(
        Exists(reserved) | Exists(registered) | Q(created_by=user)
    )


def accounts_editable_by(user: User) -> QuerySet[CustomerAccount]:
    if can(user, "accounts.edit"):
        return accounts_visible_to(user)
    return CustomerAccount.objects.none()


def get_account_for(user: User, account_id: int | str) -> CustomerAccount:
    try:
        return accounts_visible_to(user, one=True).get(pk=account_id)
    except (CustomerAccount.DoesNotExist, ValueError, TypeError):
        raise NotFound("No such account.") from None


def reservations_visible_to(user: User) -> QuerySet[Reservation]:
    if not user.is_authenticated or not user.is_active:
        return Reservation.objects.none()
    return Reservation.objects.filter(scope_of(user).partner_q("partner__"))


def get_reservation_for(user: User, reservation_id: int | str) -> Reservation:
    try:
        return reservations_visible_to(user).get(pk=reservation_id)
    except (Reservation.DoesNotExist, ValueError, TypeError):
        raise NotFound("No such reservation.") from None


def partner_of(user: User) -> Partner | None:
    """The partner a partner-side user reserves for (their own partner unit); read once
    per user object (i.e. per request), as partners.scope.scope_of is."""
    if not user.is_partner_side:
        return None
    if not hasattr(user, "_prm_partner"):
        membership = (
            PartnerMembership.objects.select_related("partner").filter(user_id=user.pk).first()
        )
        user._prm_partner = membership.partner if membership else None  # type: ignore[attr-defined]
    return user._prm_partner  # type: ignore[attr-defined]


LOOKED_UP_SECONDS = 24 * 3600
LOOKED_UP_MAX = 500


def _looked_up_key(user: User) -> str:
    return f"deals:looked-up:{user.pk}"  # the cache's key function adds the tenant


def accounts_looked_up(user: User, ids: Iterable[int]) -> None:
    """Remember the accounts the lookup answered ``user`` (for a day): they may name them."""
    if not ids:
        return
    seen = [i for i in cache.get(_looked_up_key(user), []) if i not in set(ids)]
    cache.set(_looked_up_key(user), [*ids, *seen][:LOOKED_UP_MAX], LOOKED_UP_SECONDS)


def accounts_nameable_by(user: User) -> QuerySet[CustomerAccount]:
    """The accounts whose id a reservation or a new deal may name: those the user sees, and
    those the lookup answered them in the last day. A partner learns of other accounts
    only through the lookup, which is rate-limited because the vendor's accounts are
    confidential: an id merely guessed is the same 404 as a missing one."""
    if not user.is_authenticated or not user.is_active:
        return CustomerAccount.objects.none()
    if not (can(user, "reservations.create") or can(user, "deals.register")):
        return CustomerAccount.objects.none()
    seen = cache.get(_looked_up_key(user), [])
    # Correlated, so that naming one id checks that row only (an IN over every visible
    # account scanned the whole table: 260 ms a reservation at 1,000,000 accounts).
    visible = accounts_visible_to(user, one=True).filter(pk=OuterRef("pk"))
    # The looked-up ids first: the database tests an "or" in its order, so an account the
    # lookup answered is named without the visibility's subqueries. They are one array
    # parameter (``id = ANY(%s)``), not up to LOOKED_UP_MAX placeholders each resolved.
    looked_up = _AnyOf(F("pk"), Value(list(seen), output_field=ArrayField(BigIntegerField())))
    return CustomerAccount.objects.filter(Q(looked_up) | Q(Exists(visible)))


class _AnyOf(Func):
    """``value = ANY(array)``: true when the array holds the value."""

    template = "%(expressions)s)"
    arg_joiner = " = ANY("
    output_field = BooleanField()


def _shared_with(user: User, one: bool = False) -> Q:
    ids = DealUserObjectPermission.objects.filter(
        user_id=user.id, permission__codename="view_deal"
    ).values_list("content_object_id", flat=True)
    return Q(id__in=ids if one else list(ids))


def deals_visible_to(user: User, *, one: bool = False) -> QuerySet[Deal]:
    """The deals ``user`` sees. The partners in scope and the deals shared with the user
    are read first (two small queries) and given to the deals' filter as lists of ids: an
    "or" of subqueries (or of joined partner paths) cannot use the deals' indexes, and
    scanned every deal (a partner manager's list of 200 deals took 0.4-1.1 s at 1,000,000
    deals); lists of ids are index lookups.

    ``one``: the caller picks one deal by its id (``.get(pk=…)``, a lock): the partners and
    the shared deals are then subqueries of that one query (the id's index finds the row,
    the subqueries test it), not read first."""
    if not user.is_authenticated or not user.is_active:
        return Deal.objects.none()
    scope = scope_of(user)
    if scope.vendor_side or user.role in PARTNER_SUBTREE_ROLES:
        partners = scope.partner_q()
        if not partners:  # the whole tenant (an empty Q would vanish in the "or")
            return Deal.objects.all()
        in_scope = Partner.objects.filter(partners).values_list("id", flat=True)
        return Deal.objects.filter(
            Q(partner_id__in=in_scope if one else list(in_scope)) | _shared_with(user, one)
        )
    return Deal.objects.filter(Q(submitter=user) | _shared_with(user, one))


def get_deal_for(user: User, deal_id: int | str) -> Deal:
    try:
        return deals_visible_to(user, one=True).get(pk=deal_id)
    except (Deal.DoesNotExist, ValueError, TypeError):
        raise NotFound("No such deal.") from None


def documents_visible_to(user: User, deal: Deal):
    """The files of ``deal`` (which ``user`` sees) that ``user`` may open: vendor staff all;
    the deal's partner its own (never a competitor's response)."""
    documents = DealDocument.objects.filter(deal=deal)
    if scope_of(user).vendor_side:
        return documents
    return documents.filter(dispute_response__isnull=True)


def disputes_answerable_by(user: User):
    """Open disputes in which ``user``'s partner is a competing party (its registration or
    reservation is among the disputed deal's conflicts)."""
    partner = partner_of(user)
    if partner is None:
        return DealDispute.objects.none()
    competing = DealConflict.objects.filter(competing_partner=partner, warning=False)
    return DealDispute.objects.filter(status=DisputeStatus.OPEN, deal__in=competing.values("deal"))


def product_lines_visible_to(user: User) -> QuerySet[ProductLine]:
    if not user.is_authenticated or not user.is_active or not can(user, "catalogue.view"):
        return ProductLine.objects.none()
    if can(user, "catalogue.see_all"):
        return ProductLine.objects.all()
    return ProductLine.objects.filter(active=True)


def products_visible_to(user: User) -> QuerySet[Product]:
    if not user.is_authenticated or not user.is_active or not can(user, "catalogue.view"):
        return Product.objects.none()
    if can(user, "catalogue.see_all"):
        return Product.objects.all()
    return Product.objects.filter(active=True, line__active=True)


def product_lines_editable_by(user: User) -> QuerySet[ProductLine]:
    if can(user, "catalogue.edit"):
        return product_lines_visible_to(user)
    return ProductLine.objects.none()


def products_editable_by(user: User) -> QuerySet[Product]:
    if can(user, "catalogue.edit"):
        return products_visible_to(user)
    return Product.objects.none()


def get_product_for(user: User, product_id: int | str) -> Product:
    try:
        return products_visible_to(user).select_related("line", "min_tier").get(pk=product_id)
    except (Product.DoesNotExist, ValueError, TypeError):
        raise NotFound("No such product.") from None


def get_product_line_for(user: User, line_id: int | str) -> ProductLine:
    try:
        return product_lines_visible_to(user).get(pk=line_id)
    except (ProductLine.DoesNotExist, ValueError, TypeError):
        raise NotFound("No such product line.") from None
