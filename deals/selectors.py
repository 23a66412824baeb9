"""Reads of customer accounts and reservations: the standing of an account for a partner
(what the lookup answers and what a reservation is decided on) and the two-tier lookup.
Who sees which rows is deals.scope."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.postgres.search import TrigramSimilarity
from django.db import connection
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Left
from django_ratelimit.core import is_ratelimited
from rapidfuzz import fuzz

from deals import scope
from deals.models import (
    AccountDomain,
    CustomerAccount,
    Deal,
    DealDispute,
    DealStatus,
    DisputeStatus,
    Product,
    ProductLine,
    Reservation,
    ReservationPolicy,
    ReservationStatus,
)
from deals.namekeys import searchable_keys
from deals.normalise import (
    Name,
    account_domain,
    looks_like_domain,
    name_keys,
    normalise_name,
    registrable_domain,
)
from partners.models import (
    Certification,
    MembershipRole,
    OrgUnit,
    OrgUnitMembership,
    Partner,
    ancestor_paths,
)
from partners.scope import partners_visible_to
from prm.outbox.models import Event
from prm.permissions import can
from prm.tenancy.context import current_schema, current_tenant
from prm.users.models import User

LOOKUP_MIN_CHARS = 3
LOOKUP_MAX_MATCHES = 5  # the vendor's named accounts are confidential: a few at most
CANDIDATES = 40  # similar names re-ranked in Python

OPEN, RESERVED, RESERVED_BY_YOU, VENDOR_OWNED, NEEDS_REVIEW = (
    "open",
    "reserved",
    "reserved_by_you",
    "vendor_owned",
    "needs_review",
)
MATCH, POSSIBLE = "match", "possible"


# The parent's id: the account whose path is this one's minus its last step.
PARENT_ID = Subquery(
    CustomerAccount.objects.filter(
        path=Left(OuterRef("path"), (OuterRef("depth") - 1) * CustomerAccount.steplen)
    ).values("id")[:1]
)


def account_queryset(user: User) -> QuerySet[CustomerAccount]:
    """The accounts of ``user``'s scope with what the API shows, in a fixed number of
    queries whatever the page size; ``reserved`` (reserved now, by anyone: what the lookup
    tells everyone) for deals.filters.AccountFilter."""
    active = Reservation.objects.filter(account=OuterRef("pk"), status=ReservationStatus.ACTIVE)
    return (
        scope.accounts_visible_to(user)
        .annotate(parent_id=PARENT_ID, reserved=Exists(active))
        .select_related("vendor_owner", "created_by")
        .prefetch_related(Prefetch("domains", queryset=AccountDomain.objects.order_by("domain")))
        .order_by("path")
    )


def reservation_queryset(user: User) -> QuerySet[Reservation]:
    return scope.reservations_visible_to(user).select_related(
        "account", "partner", "reserved_by", "ended_by"
    )


def server_now() -> datetime:
    """The database server's clock now (``clock_timestamp()``): the one clock every
    reservation's start, end and days left are read from, whichever web server asks."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT clock_timestamp()")
        return cursor.fetchone()[0]


def account_parent(account: CustomerAccount) -> CustomerAccount | None:
    if account.depth <= 1:
        return None
    return CustomerAccount.objects.filter(path=account.path[: -CustomerAccount.steplen]).first()


# --- standing: may a partner reserve an account? ----------------------------------------


@dataclass(frozen=True)
class Standing:
    """An account's standing for one partner under the tenant's multi-office policy."""

    vendor_owned: bool = False
    vendor_owned_by: str = ""  # the account whose vendor ownership covers it ("" if itself)
    own: Reservation | None = None  # the partner's active reservation of this account
    covered_by_own: str = ""  # the partner's reserved parent covering it
    held_by_others: bool = False  # another partner's reservation covers or blocks it

    @property
    def status(self) -> str:
        if self.vendor_owned:
            return VENDOR_OWNED
        if self.held_by_others:
            return RESERVED
        if self.own is not None or self.covered_by_own:
            return RESERVED_BY_YOU
        return OPEN


def account_standing(
    account: CustomerAccount, *, partner_id: int | None, policy: ReservationPolicy
) -> Standing:
    """Decided on committed rows; the reservation service asks it again under the lock of
    the account's tree (deals.services.reservations)."""
    return account_standings([account], partner_id=partner_id, policy=policy)[account.pk]


def account_vendor_owner(account: CustomerAccount, *, policy: ReservationPolicy) -> str | None:
    """Whom the vendor sells to directly if that covers ``account`` (its standing's
    ``vendor_owned``, without reading its reservations): the account's own name, or the
    name of the highest vendor-owned account above it when ``policy``'s parents cover their
    children; None when the vendor does not."""
    if account.vendor_owned:
        return account.name
    above = ancestor_paths(account)[:-1]  # the parents, top first
    if not (policy.parent_covers_children and above):
        return None
    owners = dict(
        CustomerAccount.objects.filter(path__in=above, vendor_owned=True).values_list(
            "path", "name"
        )
    )
    return next((owners[p] for p in above if p in owners), None)


def account_standings(
    accounts: list[CustomerAccount], *, partner_id: int | None, policy: ReservationPolicy
) -> dict[int, Standing]:
    """The standing of each of ``accounts`` (by id), in two queries whatever their number:
    the vendor-owned accounts above them, then the active reservations of every related
    account (read by the accounts' path index first: a condition on the joined account's
    path would test every active reservation)."""
    standings: dict[int, Standing] = {}
    above = {a.pk: ancestor_paths(a)[:-1] for a in accounts}  # the parents, top first
    pending = [a for a in accounts if not a.vendor_owned]
    standings.update({a.pk: Standing(vendor_owned=True) for a in accounts if a.vendor_owned})
    parents = {path for a in pending for path in above[a.pk]}
    if policy.parent_covers_children and parents:
        owners = dict(
            CustomerAccount.objects.filter(path__in=parents, vendor_owned=True).values_list(
                "path", "name"
            )
        )
        for account in list(pending):
            owner = next((owners[p] for p in above[account.pk] if p in owners), None)
            if owner is not None:
                standings[account.pk] = Standing(vendor_owned=True, vendor_owned_by=owner)
                pending.remove(account)
    if not pending:
        return standings

    def related(reserved: CustomerAccount, account: CustomerAccount) -> bool:
        if reserved.pk == account.pk:
            return True
        if policy.parent_covers_children and reserved.path in above[account.pk]:
            return True
        return policy.child_blocks_parent and (
            reserved.path.startswith(account.path) and reserved.depth > account.depth
        )

    query = Q(pk__in=[a.pk for a in pending])
    for account in pending:
        if policy.parent_covers_children and above[account.pk]:
            query |= Q(path__in=above[account.pk])
        if policy.child_blocks_parent:
            query |= Q(path__startswith=account.path, depth__gt=account.depth)
    reservations = list(
        Reservation.objects.filter(
            account__in=CustomerAccount.objects.filter(query).values("pk"),
            status=ReservationStatus.ACTIVE,
        ).select_related("account")
    )
    for account in pending:
        own: Reservation | None = None
        covered_by_own = ""
        others = False
        for reservation in reservations:
            if not related(reservation.account, account):
                continue
            if reservation.partner_id != partner_id:
                others = True
            elif reservation.account_id == account.pk:
                own = reservation
            elif reservation.account.depth < account.depth:
                covered_by_own = reservation.account.name
        standings[account.pk] = Standing(
            own=own, covered_by_own=covered_by_own, held_by_others=others
        )
    return standings


# --- lookup ----------------------------------------------------------------------------


@dataclass
class Candidate:
    account: CustomerAccount
    verdict: str
    score: float
    reasons: list[str] = field(default_factory=list)
    status: str = OPEN
    parent: CustomerAccount | None = None
    domains: list[str] = field(default_factory=list)  # the account's, alphabetical


@dataclass
class LookupAnswer:
    status: str
    matches: list[Candidate]


def _country(code: Any) -> str:
    return str(code or "").upper()


def _score(query: Name, account: CustomerAccount) -> float:
    """The re-ranked similarity of two names, 0-1: the better of the normalised names and
    their cores (a core match counts a little less: generic words tell companies apart)."""
    full = fuzz.ratio(query.normalised, account.normalised_name)
    spaced = fuzz.token_sort_ratio(query.normalised, account.normalised_name)
    core = fuzz.ratio(query.core, account.name_core) * 0.95
    return round(max(full, spaced, core) / 100, 2)


def _country_reason(query_country: str, account: CustomerAccount) -> str:
    country = _country(account.country)
    if query_country and country == query_country:
        return f"same country {country}"
    return "country unknown" if not (query_country and country) else ""


def account_lookup(
    actor: User, *, q: str = "", domain: str = "", country: str = ""
) -> LookupAnswer:
    """Is this customer free? Hard evidence decides (``match``: the same registrable
    domain, or the same normalised name in the same country with no conflicting domain);
    a similar name is only ``possible`` (trigram similarity of the normalised name or its
    core above the tenant's thresholds, same or unknown country, no conflicting domain,
    re-ranked with rapidfuzz). Free e-mail domains are no evidence. The answer never says
    who holds a reservation. The caller checks the length of ``q`` and the rate limit."""
    policy = ReservationPolicy.current()
    ranked = account_candidates(q=q, domain=domain, country=country, policy=policy)
    scope.accounts_looked_up(actor, [c.account.pk for c in ranked])
    partner = scope.partner_of(actor)
    partner_id = partner.pk if partner is not None else None
    by_path = {c.account.path: c.account for c in ranked}
    standings = account_standings([c.account for c in ranked], partner_id=partner_id, policy=policy)
    for candidate in ranked:
        account = candidate.account
        candidate.status = standings[account.pk].status
        candidate.parent = account_parent(account)
        if candidate.parent is not None:
            candidate.reasons.append(f"child of {candidate.parent.name}")
        for path, other in by_path.items():
            if other.pk != account.pk and path.startswith(account.path):
                candidate.reasons.append(f"parent of {other.name}")
    matches = [c for c in ranked if c.verdict == MATCH]
    if matches:
        status = matches[0].status
    elif ranked:
        status = NEEDS_REVIEW
    else:
        status = OPEN
    return LookupAnswer(status=status, matches=ranked)


def _similar(name: Name, country: str, policy: ReservationPolicy) -> list[CustomerAccount]:
    """The CANDIDATES accounts (of ``country`` or of no country, any country when it is "";
    without the same name key) whose name or core is trigram-similar to ``name``'s above the
    policy's thresholds, the most similar first, with both similarities annotated
    (``name_sim``, ``core_sim``).

    Searched by the name keys (deals.namekeys): the accounts with a word within one typo of
    one of the query's words, less the tenant's common keys; a few hundred rows at most,
    from one GIN lookup. A name made only of words the tenant's accounts share by the
    hundred ("Logistics") is no evidence of one company: only its exact name is looked up.

    The country is checked here rather than in SQL: with it, the planner ANDs the GIN
    lookup (a few hundred rows) with a scan of every account of the country."""
    keys = searchable_keys(name_keys(name.normalised))
    if not keys:
        return []
    similar = (
        CustomerAccount.objects.filter(name_keys__overlap=keys)
        .exclude(name_key=name.key)
        .annotate(
            name_sim=TrigramSimilarity("normalised_name", name.normalised),
            core_sim=TrigramSimilarity("name_core", name.core),
        )
        .filter(Q(name_sim__gte=policy.name_similarity) | Q(core_sim__gte=policy.core_similarity))
    )
    return sorted(
        (a for a in similar if not country or _country(a.country) in (country, "")),
        key=lambda a: (-max(a.name_sim, a.core_sim), a.pk),
    )[:CANDIDATES]


def account_candidates(
    *,
    q: str = "",
    domain: str = "",
    country: str = "",
    policy: ReservationPolicy,
    limit: int = LOOKUP_MAX_MATCHES,
    with_domains: bool = True,
) -> list[Candidate]:
    """The lookup's two tiers without the standing: the accounts that ``match`` or are a
    ``possible`` match of a name (in a country) or a domain, best first, at most
    ``limit``. The lookup and the deals' conflict check (with the thresholds of ``policy``,
    saved or tried out) call it. ``with_domains=False``: the candidates' ``domains`` are
    left empty (the conflict check does not show them): their domains are then read only
    when a domain of the query could conflict with them, which changes no candidate."""
    q = (q or "").strip()
    country = _country(country)
    query_domain = account_domain(domain) if domain else None
    if query_domain is None and q and looks_like_domain(q):
        query_domain = account_domain(q)
        q = ""
    name = normalise_name(q) if q else Name("", "", "")

    found: dict[int, Candidate] = {}
    if query_domain:
        for row in AccountDomain.objects.filter(domain=query_domain).select_related("account"):
            found[row.account_id] = Candidate(
                row.account, MATCH, 1.0, [f"same domain {query_domain}"]
            )

    # Each candidate's domains, read once for the name's candidates (and the conflict test).
    domains: dict[int, set[str]] = {}

    def conflicting(account_id: int, domains: dict[int, set[str]]) -> bool:
        own = domains.get(account_id, set())
        return bool(query_domain and own and query_domain not in own)

    if name.usable:
        # Same or unknown country; the query's country unknown: any country may be the one.
        countries = Q(country=country) | Q(country="") if country else Q()
        same_key = list(
            CustomerAccount.objects.filter(name_key=name.key).filter(countries)[:CANDIDATES]
        )
        similar = _similar(name, country, policy)
        ids = [a.pk for a in same_key + similar]
        if with_domains or query_domain:  # without a domain of the query nothing conflicts
            domains.update({pk: set() for pk in ids})
            for account_id, value in AccountDomain.objects.filter(account_id__in=ids).values_list(
                "account_id", "domain"
            ):
                domains[account_id].add(value)
        for account in same_key:
            if account.pk in found or conflicting(account.pk, domains):
                continue
            where = _country_reason(country, account)
            sentence = f"same name after normalisation ({q} = {account.name})"
            if country and _country(account.country) == country:
                found[account.pk] = Candidate(account, MATCH, 1.0, [f"{sentence}, {where}"])
            else:  # one of the two countries is unknown: a person decides
                found[account.pk] = Candidate(account, POSSIBLE, 0.99, [f"{sentence}, {where}"])
        for account in similar:
            if account.pk in found or conflicting(account.pk, domains):
                continue
            score = _score(name, account)
            if score < policy.possible_min_score:
                continue
            where = _country_reason(country, account)
            sentence = f"name {score:.2f} after normalisation ({q} ≈ {account.name})"
            found[account.pk] = Candidate(
                account, POSSIBLE, score, [f"{sentence}, {where}" if where else sentence]
            )

    ranked = sorted(found.values(), key=lambda c: (c.verdict != MATCH, -c.score, c.account.pk))
    ranked = ranked[:limit]
    if not with_domains:
        return ranked
    unread = [c.account.pk for c in ranked if c.account.pk not in domains]  # matched by domain
    for account_id, value in AccountDomain.objects.filter(account_id__in=unread).values_list(
        "account_id", "domain"
    ):
        domains.setdefault(account_id, set()).add(value)
    for candidate in ranked:
        candidate.domains = sorted(domains.get(candidate.account.pk, ()))
    return ranked


# --- the vendor's pages: the account list and an account's page ------------------------


def account_list_queryset(user: User) -> QuerySet[CustomerAccount]:
    """The accounts of ``user``'s scope for the vendor's list and its CSV: with the parent's
    name, whether it is reserved now (``reserved``) and, when the reservation is in the
    user's scope, its holder and end (``holder_name``, ``reserved_until``)."""
    active = Reservation.objects.filter(account=OuterRef("pk"), status=ReservationStatus.ACTIVE)
    visible = scope.reservations_visible_to(user).filter(
        account=OuterRef("pk"), status=ReservationStatus.ACTIVE
    )
    parent = CustomerAccount.objects.filter(
        path=Left(OuterRef("path"), (OuterRef("depth") - 1) * CustomerAccount.steplen)
    )
    return (
        scope.accounts_visible_to(user)
        .annotate(
            parent_id=Subquery(parent.values("id")[:1]),
            parent_name=Subquery(parent.values("name")[:1]),
            reserved=Exists(active),
            holder_name=Subquery(visible.values("partner__display_name")[:1]),
            reserved_until=Subquery(visible.values("expires_at")[:1]),
        )
        .select_related("vendor_owner")
        .prefetch_related(Prefetch("domains", queryset=AccountDomain.objects.order_by("domain")))
        .order_by("path")
    )


def account_children(user: User, account: CustomerAccount) -> QuerySet[CustomerAccount]:
    """The offices and subsidiaries directly under ``account`` that ``user`` may see."""
    return (
        scope.accounts_visible_to(user)
        .filter(path__startswith=account.path, depth=account.depth + 1)
        .order_by("name")
    )


def account_reservations(user: User, account: CustomerAccount) -> QuerySet[Reservation]:
    """``account``'s reservations in ``user``'s scope, the newest first."""
    return reservation_queryset(user).filter(account=account).order_by("-starts_at", "-id")


def account_countries(user: User) -> list[str]:
    """The country codes the accounts of ``user``'s scope are in (the list's filter)."""
    return sorted(
        c
        for c in scope.accounts_visible_to(user)
        .exclude(country="")
        .values_list("country", flat=True)
        .distinct()
    )


def merge_suggestions(user: User, account: CustomerAccount) -> list[CustomerAccount]:
    """Likely duplicates of ``account`` among the accounts ``user`` may change: the lookup's
    ``match`` and ``possible`` candidates for its name (and domains), best first."""
    editable = scope.accounts_editable_by(user)
    found: dict[int, CustomerAccount] = {}
    queries = [{"q": account.name, "country": _country(account.country)}, {"q": account.name}]
    queries += [{"domain": d.domain} for d in account.domains.all()]
    for query in queries:
        for candidate in account_lookup(user, **query).matches:
            other = candidate.account
            if other.pk != account.pk and other.pk not in found:
                found[other.pk] = other
    ids = set(editable.filter(pk__in=found).values_list("pk", flat=True))
    return [a for pk, a in found.items() if pk in ids]


def merge_search(user: User, account: CustomerAccount, q: str) -> QuerySet[CustomerAccount]:
    """Accounts ``user`` may merge into ``account`` whose name or a domain contains ``q``."""
    q = (q or "").strip()
    if len(q) < 2:
        return CustomerAccount.objects.none()
    return (
        scope.accounts_editable_by(user)
        .exclude(pk=account.pk)
        .filter(Q(name__icontains=q) | Q(domains__domain__icontains=q.lower()))
        .distinct()
        .order_by("name")[:20]
    )


def account_domains(account: CustomerAccount) -> QuerySet[AccountDomain]:
    return account.domains.order_by("domain")


def reservation_policy() -> ReservationPolicy:
    """The tenant's reservation policy (created with its defaults on first read)."""
    return ReservationPolicy.current()


LOOKUP_RATE = getattr(settings, "PRM_ACCOUNT_LOOKUP_RATE", "60/m")


def _lookup_key(group: str, request) -> str:
    return f"{current_schema()}:{request.user.pk}"


def lookup_rate_limited(request) -> bool:
    """Whether the caller has used up the lookup's budget (and counts this lookup): one
    budget per user and tenant for the page and the API, because the vendor's named
    accounts are confidential and the lookup must not be a way to list them."""
    return is_ratelimited(
        request, group="deals.account_lookup", key=_lookup_key, rate=LOOKUP_RATE, increment=True
    )


def extensions_asked(reservations: Iterable[Reservation]) -> dict[int, datetime]:
    """For each reservation whose next extension has been asked for and not decided: when
    it was asked (its ``reservation.extension_requested`` event, by the key the service
    refuses a second request on)."""
    keys = {r.extension_request_key: r.pk for r in reservations}
    if not keys:
        return {}
    rows = Event.objects.filter(
        type="reservation.extension_requested", dedupe_key__in=list(keys)
    ).values_list("dedupe_key", "created_at")
    return {keys[key]: created for key, created in rows if key}


__all__ = [
    "LOOKUP_MAX_MATCHES",
    "LOOKUP_MIN_CHARS",
    "Candidate",
    "LookupAnswer",
    "Standing",
    "account_children",
    "account_countries",
    "account_domains",
    "account_list_queryset",
    "account_lookup",
    "account_parent",
    "account_queryset",
    "account_reservations",
    "account_standing",
    "extensions_asked",
    "lookup_rate_limited",
    "merge_search",
    "merge_suggestions",
    "registrable_domain",
    "reservation_policy",
    "reservation_queryset",
    "server_now",
]


# --- won revenue (the partners' tier review) ------------------------------------------


def won_revenue(partner: Partner, today: date) -> Decimal:
    """The partner's (and its units') won deals of the 12 months to ``today``, in the
    program's currency (deals in another currency count once the tenant has a rate table)."""
    since = today - timedelta(days=365)
    won = Deal.objects.filter(
        status=DealStatus.WON,
        closed_on__gt=since,
        closed_on__lte=today,
        partner__path__startswith=partner.path,
        currency=current_tenant().currency,
    )
    return won.aggregate(total=Sum("final_amount"))["total"] or Decimal(0)


# --- disputes ---------------------------------------------------------------------


def open_dispute(deal: Deal) -> DealDispute | None:
    return DealDispute.objects.filter(deal=deal, status=DisputeStatus.OPEN).first()


def deciders_of_disputes(deal: Deal) -> list[User]:
    """Who decides a dispute of ``deal``: the managers of the channel manager's org unit
    (not the channel manager, who decided the rejection), else of the unit above."""
    manager = deal.partner.channel_manager
    if manager is None:
        return []
    units = [m.unit for m in OrgUnitMembership.objects.filter(user=manager).select_related("unit")]
    for levels_up in (0, 1):
        found: dict[int, User] = {}
        for unit in units:
            target = unit
            for _ in range(levels_up):
                # (treebeard 7: the tree methods are the manager's)
                target = OrgUnit.objects.get_parent(target) if target is not None else None
            if target is None:
                continue
            for membership in OrgUnitMembership.objects.filter(
                unit=target,
                role__in=(MembershipRole.MANAGER, MembershipRole.ADMINISTRATOR),
                user__is_active=True,
            ).select_related("user"):
                if membership.user_id != manager.pk and can(membership.user, "deals.decide"):
                    found[membership.user_id] = membership.user
        if found:
            return list(found.values())
    return []


# --- the product catalogue ---------------------------------------------------------------


@dataclass
class CatalogueGroup:
    line: ProductLine
    products: list[Product]


def product_queryset(user: User) -> QuerySet[Product]:
    """The products ``user`` sees (deals.scope), with their line and minimum tier, in the
    catalogue's order (by line, then name)."""
    return (
        scope.products_visible_to(user)
        .select_related("line", "min_tier")
        .order_by("line__name", "name", "sku")
    )


def catalogue_groups(
    user: User, products: QuerySet[Product], *, with_empty_lines: bool
) -> list[CatalogueGroup]:
    """``products`` (already in ``user``'s scope and filtered) grouped by product line, the
    lines by name, each with ``active_products`` (all of the line's, filtered or not);
    ``with_empty_lines``: the lines without any of them too (an unfiltered list shows where
    to add the first product)."""
    lines = scope.product_lines_visible_to(user).annotate(
        active_products=Count("products", filter=Q(products__active=True))
    )
    groups = {line.pk: CatalogueGroup(line, []) for line in lines}
    for product in products.order_by("line__name", "name", "sku"):
        if product.line_id in groups:
            groups[product.line_id].products.append(product)
    shown = [g for g in groups.values() if g.products or with_empty_lines]
    return sorted(shown, key=lambda g: g.line.name.lower())


def certification_names(user: User) -> list[str]:
    """The certification names the partners in ``user``'s scope hold, and those products
    already require: what a product may ask for, spelt as it is spelt elsewhere."""
    held = Certification.objects.filter(partner__in=partners_visible_to(user))
    names = set(held.values_list("name", flat=True).distinct())
    names |= set(
        scope.products_visible_to(user)
        .exclude(required_certification="")
        .values_list("required_certification", flat=True)
        .distinct()
    )
    return sorted(names, key=str.lower)
