"""Conflict detection of a registration (issue 13 point 5), in one module: what competes
with a deal for its customer, each candidate with a score and its reasons.

- another partner's active registration (submitted, under review, information requested,
  or approved and still protected) with overlapping products (the policy's rule: the same
  product line, the same product, or any) on the same account (score 1), on an account of
  the same tree as the multi-office policy relates them (0.9), or on a possible duplicate
  of the account (the lookup's matching; its score); the same customer with disjoint
  products is a warning, never a conflict;
- the account reserved by another partner (as the multi-office policy covers it);
- a vendor-owned account related to it (the account itself, or one covering it, is refused
  before this: deals.services.deals).

Called by deal_submit under the lock of the account's tree, and by the back-test of the
thresholds with a policy tried out (nothing is written here)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Prefetch, Q
from django.utils.formats import date_format
from django.utils.timezone import localtime

from deals.models import (
    ACTIVE_STATUSES,
    ConflictCode,
    CustomerAccount,
    Deal,
    DealLine,
    DealPolicy,
    DealStatus,
    ProductOverlap,
    Reservation,
    ReservationPolicy,
    ReservationStatus,
)
from deals.selectors import MATCH, Candidate, account_candidates
from partners.models import ancestor_paths

SAME_TREE_SCORE = 0.9
DUPLICATES = 10  # possible duplicate accounts whose registrations are compared


@dataclass
class Found:
    code: str
    score: float
    reasons: list[str] = field(default_factory=list)
    warning: bool = False
    competing_deal: Deal | None = None
    competing_reservation: Reservation | None = None
    competing_account: CustomerAccount | None = None

    @property
    def competing_partner_id(self) -> int | None:
        if self.competing_deal is not None:
            return self.competing_deal.partner_id
        if self.competing_reservation is not None:
            return self.competing_reservation.partner_id
        return None


def _when(moment: datetime | None) -> str:
    return date_format(localtime(moment), "DATETIME_FORMAT") if moment else ""


def active_registrations(now: datetime) -> Q:
    """Registrations that hold their customer: undecided, or approved and protected."""
    undecided = [s for s in ACTIVE_STATUSES if s != DealStatus.APPROVED]
    return Q(status__in=undecided) | Q(status=DealStatus.APPROVED, protected_until__gt=now)


def registrations_active_at(moment: datetime) -> Q:
    """Registrations that held their customer at a past ``moment``, as far as the records
    tell (the back-test): registered by then, and still undecided, or approved and protected
    past it (won and lost ones until their protection's end), or rejected or withdrawn
    after it."""
    undecided = [s for s in ACTIVE_STATUSES if s != DealStatus.APPROVED]
    ever_approved = [DealStatus.APPROVED, DealStatus.WON, DealStatus.LOST, DealStatus.EXPIRED]
    return Q(registered_at__lte=moment) & (
        Q(status__in=undecided)
        | Q(status__in=ever_approved, protected_until__gt=moment)
        | Q(status=DealStatus.REJECTED, decided_at__gt=moment)
        | Q(status=DealStatus.WITHDRAWN, updated_at__gt=moment)
    )


def reservations_active_at(moment: datetime) -> Q:
    """Reservations that held their account at a past ``moment`` (the back-test)."""
    return (
        Q(starts_at__lte=moment)
        & Q(expires_at__gt=moment)
        & (Q(ended_at__isnull=True) | Q(ended_at__gt=moment))
    )


def _keys(lines: Iterable[DealLine], overlap: str) -> set[int]:
    if overlap == ProductOverlap.PRODUCT:
        return {line.product_id for line in lines}
    if overlap == ProductOverlap.LINE:
        return {line.product.line_id for line in lines}
    return {0}  # any product: every registration of the customer overlaps


def _related(account: CustomerAccount, tree: ReservationPolicy) -> Q:
    """The other accounts of the tree that the multi-office policy relates to ``account``:
    its parents when a parent covers its children, its offices when a child blocks its
    parent."""
    related = Q(pk__in=[])
    above = ancestor_paths(account)[:-1]
    if tree.parent_covers_children and above:
        related |= Q(path__in=above)
    if tree.child_blocks_parent:
        related |= Q(path__startswith=account.path, depth__gt=account.depth)
    return related


def _overlap_words(mine: Sequence[DealLine], theirs: Sequence[DealLine], overlap: str) -> str:
    if overlap == ProductOverlap.ANY:
        return "a registration of the same customer"
    if overlap == ProductOverlap.PRODUCT:
        names = sorted({x.product.name for x in mine} & {x.product.name for x in theirs})
    else:
        names = sorted({x.product.line.name for x in mine} & {x.product.line.name for x in theirs})
    return "overlapping products: " + ", ".join(names)


def deal_conflicts(
    deal: Deal,
    lines: Sequence[DealLine],
    *,
    now: datetime,
    policy: DealPolicy,
    tree: ReservationPolicy,
    matching: ReservationPolicy | None = None,
    as_of: bool = False,
    candidates: Callable[..., list[Candidate]] = account_candidates,
) -> list[Found]:
    """What competes with ``deal`` (with ``lines``) for its customer, conflicts first (best
    score first), then warnings. ``matching``: the name thresholds to try (the tenant's by
    default). ``as_of``: ``now`` is a past moment (the back-test re-runs a registration at
    its ``registered_at``): the registrations and reservations active then compete.
    ``candidates``: the lookup of possible duplicates (the back-test passes a memoised
    one)."""
    account = deal.account
    overlap = policy.product_overlap
    mine = _keys(lines, overlap)
    found: list[Found] = []

    related_accounts = list(CustomerAccount.objects.filter(_related(account, tree)))
    by_id: dict[int, tuple[CustomerAccount, float, list[str]]] = {
        account.pk: (account, 1.0, ["the same customer account"])
    }
    for other in related_accounts:
        kin = "a parent" if other.depth < account.depth else "an office or subsidiary"
        by_id[other.pk] = (other, SAME_TREE_SCORE, [f"{other.name} is {kin} of {account.name}"])
    domains = list(account.domains.values_list("domain", flat=True))
    queries = [{"q": account.name, "country": str(account.country or "")}]
    queries += [{"domain": d} for d in domains]
    for query in queries:
        found_by = candidates(
            **query, policy=matching or tree, limit=DUPLICATES, with_domains=False
        )
        for candidate in found_by:
            other = candidate.account
            if other.pk in by_id:
                continue
            verdict = "the same customer" if candidate.verdict == MATCH else "possibly the same"
            by_id[other.pk] = (
                other,
                candidate.score,
                [f"{other.name} is {verdict}: " + "; ".join(candidate.reasons)],
            )

    # Vendor-owned accounts among the related and the duplicates.
    for other, score, why in by_id.values():
        if other.pk != account.pk and other.vendor_owned:
            found.append(
                Found(
                    ConflictCode.VENDOR_OWNED,
                    score,
                    [*why, f"the vendor sells to {other.name} directly"],
                    competing_account=other,
                )
            )

    # Reservations of other partners.
    held = reservations_active_at(now) if as_of else Q(status=ReservationStatus.ACTIVE)
    reservations = Reservation.objects.filter(held, account_id__in=by_id).exclude(
        partner_id=deal.partner_id
    )
    for reservation in reservations:
        other, score, why = by_id[reservation.account_id]
        found.append(
            Found(
                ConflictCode.RESERVED,
                score,
                [*why, f"reserved by another partner since {_when(reservation.starts_at)}"],
                competing_reservation=reservation,
                competing_account=other,
            )
        )

    # Registrations of other partners.
    competing = (
        Deal.objects.filter(
            registrations_active_at(now) if as_of else active_registrations(now),
            account_id__in=by_id,
        )
        .exclude(partner_id=deal.partner_id)
        .exclude(pk=deal.pk)
        .prefetch_related(Prefetch("lines", DealLine.objects.select_related("product__line")))
        .order_by("registered_at", "pk")
    )
    for other_deal in competing:
        other, score, why = by_id[other_deal.account_id]
        theirs = list(other_deal.lines.all())
        registered = f"registered {_when(other_deal.registered_at)}"
        if mine & _keys(theirs, overlap):
            code = (
                ConflictCode.SAME_ACCOUNT
                if other.pk == account.pk
                else ConflictCode.SAME_TREE
                if score == SAME_TREE_SCORE
                else ConflictCode.POSSIBLE_DUPLICATE
            )
            reasons = [*why, _overlap_words(lines, theirs, overlap), registered]
            found.append(
                Found(code, score, reasons, competing_deal=other_deal, competing_account=other)
            )
        elif other.pk == account.pk:
            found.append(
                Found(
                    ConflictCode.OTHER_PRODUCTS,
                    score,
                    [*why, "other products only", registered],
                    warning=True,
                    competing_deal=other_deal,
                    competing_account=other,
                )
            )
    found.sort(key=lambda f: (f.warning, -f.score))
    return found
