"""Services of customer accounts: create and update (name, domains, country, vendor
ownership). The normalised name is written here, on every change of the name."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction

from deals.models import (
    AccountDomain,
    CustomerAccount,
    DomainKind,
    Reservation,
    ReservationPolicy,
    ReservationStatus,
)
from deals.normalise import (
    account_domain,
    is_free_email_domain,
    name_keys,
    normalise_name,
    registrable_domain,
)
from deals.selectors import account_standing
from deals.services._common import _lock_account_line, _lock_tree_shape
from prm.audit import audit_note
from prm.errors import Conflict, Invalid
from prm.permissions import require
from prm.users.models import User

UPDATABLE = ("name", "country", "region", "external_crm_id")


def _set_name(account: CustomerAccount, name: str) -> None:
    name = (name or "").strip()
    normalised = normalise_name(name)
    if not normalised.usable:
        raise Invalid({"name": ["Enter the customer's company name."]})
    account.name = name
    account.normalised_name = normalised.normalised
    account.name_core = normalised.core
    account.name_key = normalised.key
    account.name_keys = name_keys(normalised.normalised)


def _clean_domains(values: Iterable[str]) -> list[str]:
    """Registrable domains of ``values`` (web addresses, host names, e-mail addresses);
    free e-mail providers' and unusable ones refused by name."""
    domains: list[str] = []
    problems: list[str] = []
    for value in values:
        domain = account_domain(value)
        if domain is None:
            found = registrable_domain(value)
            if found and is_free_email_domain(found):
                problems.append(f"{found} is a free e-mail provider, not a company's domain.")
            else:
                problems.append(f"{value} is not a web or e-mail domain.")
        elif domain not in domains:
            domains.append(domain)
    if problems:
        raise Invalid({"domains": problems})
    return domains


def _add_domains(account: CustomerAccount, domains: list[str], kind: str) -> None:
    try:
        with transaction.atomic():
            AccountDomain.objects.bulk_create(
                [AccountDomain(account=account, domain=d, kind=kind) for d in domains]
            )
    except IntegrityError:
        taken = AccountDomain.objects.filter(domain__in=domains).exclude(account=account)
        names = ", ".join(sorted(taken.values_list("domain", flat=True))) or ", ".join(domains)
        raise Conflict(
            f"{names} already belongs to another customer account.", code="domain_taken"
        ) from None


def _check_ownership(actor: User, vendor_owned: bool, vendor_owner: User | None) -> None:
    if vendor_owned or vendor_owner is not None:
        require(
            actor,
            "accounts.mark_vendor_owned",
            "Only vendor admins and channel managers mark accounts vendor-owned.",
        )
    if vendor_owner is not None and not vendor_owner.is_vendor_side:
        raise Invalid({"vendor_owner": ["The account owner is one of the vendor's staff."]})
    if vendor_owner is not None and not vendor_owned:
        raise Invalid({"vendor_owner": ["Only a vendor-owned account has an account owner."]})


def _account_create(
    *,
    actor: User,
    name: str,
    country: str = "",
    region: str = "",
    parent: CustomerAccount | None = None,
    domains: Iterable[str] = (),
    vendor_owned: bool = False,
    vendor_owner: User | None = None,
    external_crm_id: str = "",
) -> CustomerAccount:
    """Add a customer account (under ``parent`` for an office or subsidiary). Anyone who
    may look accounts up may add one; only the vendor's decision makers mark it
    vendor-owned."""
    require(actor, "accounts.create", "You cannot add customer accounts.")
    _check_ownership(actor, vendor_owned, vendor_owner)
    account = CustomerAccount(
        country=country or "",
        region=(region or "").strip(),
        vendor_owned=vendor_owned,
        vendor_owner=vendor_owner,
        external_crm_id=(external_crm_id or "").strip(),
        created_by=actor,
    )
    _set_name(account, name)
    clean = _clean_domains(domains)
    _lock_tree_shape()
    audit_note(account, actor, "created")
    try:
        with transaction.atomic():
            if parent is None:
                account = CustomerAccount.objects.add_root(instance=account)
            else:
                parent.refresh_from_db()
                account = CustomerAccount.objects.add_child(parent, instance=account)
    except IntegrityError:
        raise Conflict("Another customer account has this CRM id.", code="crm_id_taken") from None
    _add_domains(account, clean, DomainKind.WEB)
    return account


account_create = transaction.atomic(durable=True)(_account_create)


def _account_update(
    *, actor: User, account: CustomerAccount, fields: dict[str, Any]
) -> CustomerAccount:
    """Change an account's name, country, region, CRM id, domains (the whole set) or
    vendor ownership. The vendor's decision makers only."""
    require(actor, "accounts.edit", "Only vendor admins and channel managers change accounts.")
    _lock_account_line(account)
    account.refresh_from_db()
    if "vendor_owned" in fields or "vendor_owner" in fields:
        vendor_owned = fields.get("vendor_owned", account.vendor_owned)
        owner = fields.get("vendor_owner", account.vendor_owner if vendor_owned else None)
        _check_ownership(actor, vendor_owned, owner)
        if vendor_owned and not account.vendor_owned:
            active = Reservation.objects.filter(account=account, status=ReservationStatus.ACTIVE)
            if active.exists():
                raise Conflict(
                    f"{account.name} is reserved by a partner: end the reservation before "
                    "marking the account vendor-owned.",
                    code="account_reserved",
                )
        account.vendor_owned = vendor_owned
        account.vendor_owner = owner
    if "name" in fields:
        _set_name(account, fields["name"])
    for name in ("country", "region", "external_crm_id"):
        if name in fields:
            setattr(account, name, (fields[name] or "").strip())
    audit_note(account, actor, "changed")
    try:
        with transaction.atomic():
            account.save()
    except IntegrityError:
        raise Conflict("Another customer account has this CRM id.", code="crm_id_taken") from None
    if "domains" in fields:
        clean = _clean_domains(fields["domains"])
        account.domains.exclude(domain__in=clean).delete()
        existing = set(account.domains.values_list("domain", flat=True))
        _add_domains(account, [d for d in clean if d not in existing], DomainKind.WEB)
    return account


account_update = transaction.atomic(durable=True)(_account_update)


def _account_merge(
    *, actor: User, survivor: CustomerAccount, duplicate: CustomerAccount
) -> CustomerAccount:
    """Merge ``duplicate`` into ``survivor``: the survivor takes its domains, offices and
    reservations (and its vendor ownership), and the duplicate is deleted, in one audited
    transaction. Refused when both are reserved, when one is an office of the other, or
    when the merged tree would hold reservations its multi-office policy forbids."""
    require(actor, "accounts.edit", "Only vendor admins and channel managers merge accounts.")
    if survivor.pk == duplicate.pk:
        raise Invalid({"duplicate": ["Choose another account than the one it merges into."]})
    _lock_tree_shape()
    survivor.refresh_from_db()
    duplicate.refresh_from_db()
    if survivor.path.startswith(duplicate.path) or duplicate.path.startswith(survivor.path):
        raise Invalid({"duplicate": ["An account cannot merge with one of its own offices."]})
    for account in sorted((survivor, duplicate), key=lambda a: a.path):
        _lock_account_line(account)
    active = Reservation.objects.filter(
        account__in=[survivor, duplicate], status=ReservationStatus.ACTIVE
    )
    if active.count() > 1:
        raise Conflict(
            f"{survivor.name} and {duplicate.name} are both reserved: end one of the "
            "reservations before merging.",
            code="account_reserved",
        )
    if (duplicate.vendor_owned or survivor.vendor_owned) and active.exists():
        raise Conflict(
            "One of the accounts is vendor-owned and the other is reserved by a partner: "
            "end the reservation before merging.",
            code="account_reserved",
        )
    note = f"merged with {duplicate.name}"
    for reservation in Reservation.objects.filter(account=duplicate):
        reservation.account = survivor
        audit_note(reservation, actor, note)
        reservation.save(update_fields=["account"])
    AccountDomain.objects.filter(account=duplicate).update(account=survivor)
    for child in list(CustomerAccount.objects.get_children(duplicate)):
        survivor.refresh_from_db()
        CustomerAccount.objects.move(child, survivor, "last-child")
    survivor.refresh_from_db()  # the moves rewrote paths and counts
    survivor.vendor_owned, survivor.vendor_owner = (
        survivor.vendor_owned or duplicate.vendor_owned,
        survivor.vendor_owner or (duplicate.vendor_owner if duplicate.vendor_owned else None),
    )
    if not survivor.external_crm_id and duplicate.external_crm_id:
        crm_id = duplicate.external_crm_id
        CustomerAccount.objects.filter(pk=duplicate.pk).update(external_crm_id="")
        survivor.external_crm_id = crm_id
    audit_note(survivor, actor, note)
    survivor.save()
    # The one rule, asked again of the merged tree: no reservation may now be covered or
    # blocked by another partner's.
    policy = ReservationPolicy.current()
    merged = Reservation.objects.filter(
        account__path__startswith=survivor.path[: CustomerAccount.steplen],
        status=ReservationStatus.ACTIVE,
    ).select_related("account")
    for reservation in merged:
        standing = account_standing(
            reservation.account, partner_id=reservation.partner_id, policy=policy
        )
        if standing.held_by_others or standing.vendor_owned:
            raise Conflict(
                "Merging would put reservations of different partners on one company: end "
                "the overlapping reservations first.",
                code="account_reserved",
            )
    duplicate = CustomerAccount.objects.get(pk=duplicate.pk)
    audit_note(duplicate, actor, f"merged into {survivor.name}")
    duplicate.delete()
    survivor.refresh_from_db()
    return survivor


account_merge = transaction.atomic(durable=True)(_account_merge)
