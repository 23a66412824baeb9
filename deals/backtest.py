"""The back-test of the deal policy's conflict settings (issue 13 point 6): what proposed
name thresholds and product-overlap rule would have done to the tenant's past registrations,
beside what today's settings do, before anything is saved.

Each past registration (submitted at least once; the latest ``LIMIT``, for at most
``BUDGET_SECONDS``) is checked again by
deals.conflicts, as of its registration time (the registrations and reservations active
then compete), once with today's settings and once with the proposed ones. Nothing is
written. The accounts are compared as they are now (a merge or a new domain since counts)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import QuerySet

from deals.conflicts import Found, deal_conflicts
from deals.models import ConflictCode, Deal, DealPolicy, ReservationPolicy
from deals.selectors import Candidate, account_candidates
from deals.services.policy import THRESHOLDS

LIMIT = 300  # the latest registrations the back-test re-checks
# ... and for at most this long (a page waits for it): two conflict checks a registration
# take some 50-100 ms, so the budget, not the limit, decides on a busy server.
BUDGET_SECONDS = 12.0
EXAMPLES = 5  # of each change


@dataclass(frozen=True)
class Change:
    """A registration whose conflicts the proposed settings change."""

    deal: Deal
    conflicts: list[str]  # the conflicts that appear (or disappear), in words


@dataclass
class BackTest:
    checked: int = 0
    limit: int = LIMIT
    more: bool = False  # there are older registrations the back-test left out
    out_of_time: bool = False  # it stopped at the time budget
    flagged_now: int = 0  # with today's settings
    flagged_then: int = 0  # with the proposed settings
    newly_flagged: list[Change] = field(default_factory=list)
    no_longer_flagged: list[Change] = field(default_factory=list)
    newly_count: int = 0
    no_longer_count: int = 0

    @property
    def difference(self) -> int:
        """Positive: the proposed settings flag more registrations than today's."""
        return self.flagged_then - self.flagged_now

    @property
    def size(self) -> int:
        return abs(self.difference)


def _key(found: Found) -> tuple:
    competing = (
        found.competing_deal.pk
        if found.competing_deal is not None
        else found.competing_reservation.pk
        if found.competing_reservation is not None
        else found.competing_account.pk
        if found.competing_account is not None
        else None
    )
    return (found.code, competing)


def _words(found: Found) -> str:
    label = ConflictCode(found.code).label
    whom = found.competing_account.name if found.competing_account is not None else ""
    partner = ""
    if found.competing_deal is not None:
        partner = found.competing_deal.partner.display_name
    elif found.competing_reservation is not None:
        partner = found.competing_reservation.partner.display_name
    details = ", ".join(x for x in (whom, partner) if x)
    return f"{label} ({details}, score {found.score:.2f})" if details else str(label)


def _memoised() -> Callable[..., list[Candidate]]:
    """The lookup of possible duplicates, each question asked once per back-test (the same
    account's registrations and both settings, when their thresholds agree, share it)."""
    answers: dict[tuple, list[Candidate]] = {}

    def lookup(
        *, policy: ReservationPolicy, limit: int, with_domains: bool = True, **query: str
    ) -> list[Candidate]:
        thresholds = tuple(getattr(policy, name) for name in THRESHOLDS)
        key = (tuple(sorted(query.items())), thresholds, limit, with_domains)
        if key not in answers:
            answers[key] = account_candidates(
                **query, policy=policy, limit=limit, with_domains=with_domains
            )
        return answers[key]

    return lookup


def backtest(
    *,
    policy: DealPolicy,
    matching: ReservationPolicy,
    limit: int = LIMIT,
    among: QuerySet[Deal] | None = None,
    budget: float = BUDGET_SECONDS,
) -> BackTest:
    """Today's settings against ``policy`` and ``matching`` (unsaved) on the latest
    ``limit`` registrations (of ``among``, every deal by default), newest first, for at most
    ``budget`` seconds."""
    today, tree = DealPolicy.current(), ReservationPolicy.current()
    past = (
        (Deal.objects.all() if among is None else among)
        .filter(registered_at__isnull=False)
        .select_related("account", "partner")
        .prefetch_related("lines__product__line")
        .order_by("-registered_at", "-pk")
    )
    rows = list(past[: limit + 1])
    result = BackTest(limit=limit, more=len(rows) > limit)
    deadline = time.monotonic() + budget
    lookup = _memoised()
    for deal in rows[:limit]:
        if time.monotonic() > deadline:
            result.out_of_time = result.more = True
            break
        lines = list(deal.lines.all())
        at = deal.registered_at
        assert at is not None
        before = [
            f
            for f in deal_conflicts(
                deal, lines, now=at, policy=today, tree=tree, as_of=True, candidates=lookup
            )
            if not f.warning
        ]
        after = [
            f
            for f in deal_conflicts(
                deal,
                lines,
                now=at,
                policy=policy,
                tree=tree,
                matching=matching,
                as_of=True,
                candidates=lookup,
            )
            if not f.warning
        ]
        result.checked += 1
        result.flagged_now += bool(before)
        result.flagged_then += bool(after)
        if after and not before:
            result.newly_count += 1
            if len(result.newly_flagged) < EXAMPLES:
                result.newly_flagged.append(Change(deal, [_words(f) for f in after]))
        elif before and not after:
            result.no_longer_count += 1
            if len(result.no_longer_flagged) < EXAMPLES:
                result.no_longer_flagged.append(Change(deal, [_words(f) for f in before]))
    return result
