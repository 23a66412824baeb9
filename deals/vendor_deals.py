"""Reads of the vendor's deal list (issue 13 point 11): the deals a vendor user sees
(deals.scope), its saved views, its filters and the anti-hoarding figure per partner.

Saved views:

- ``waiting``: deals with an undecided approval asked of the viewer (workflows), the
  longest-waiting first;
- ``sla``: deals with an undecided approval past its due time (anyone's), the most overdue
  first;
- ``conflicts``: undecided deals whose last submission found a conflict, the oldest
  registration first;
- ``expiring``: approved deals whose protection ends within 14 days, soonest first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import CharField, Count, Exists, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Cast
from django.urls import NoReverseMatch, reverse

from deals.models import Deal, DealLine, DealStatus
from deals.scope import deals_visible_to
from prm.users.models import User
from workflows.models import Approval

S = DealStatus
UNDECIDED = (S.SUBMITTED, S.UNDER_REVIEW, S.INFO_REQUESTED)
EXPIRING_DAYS = 14


@dataclass(frozen=True)
class SavedView:
    key: str
    label: str
    empty: str  # what the empty view says


SAVED_VIEWS = [
    SavedView("", "All deals", "No deal is registered in your partners' scope yet."),
    SavedView(
        "waiting",
        "Waiting for me",
        "Nothing waits for your decision. Approvals asked of you appear here, the oldest first.",
    ),
    SavedView(
        "sla", "SLA breached", "No decision is overdue: every waiting approval is within its SLA."
    ),
    SavedView("conflicts", "Conflicts", "No undecided deal has a conflict."),
    SavedView(
        "expiring",
        f"Expiring in {EXPIRING_DAYS} days",
        f"No approved deal's protection ends in the next {EXPIRING_DAYS} days.",
    ),
]
VIEWS = {v.key: v for v in SAVED_VIEWS}


def _deal_approvals() -> QuerySet[Approval]:
    """Undecided approvals of a deal (the outer query's), still open."""
    return Approval.objects.filter(
        run__object_type="deal",
        run__object_id=Cast(OuterRef("pk"), output_field=CharField()),
        decided_at__isnull=True,
        superseded=False,
    )


def deal_list_queryset(user: User) -> QuerySet[Deal]:
    """The deals ``user`` sees, with what the list shows, newest registration first (drafts,
    not registered yet, last)."""
    return (
        deals_visible_to(user)
        .select_related("account", "partner", "submitter")
        .order_by(F("registered_at").desc(nulls_last=True), "-created_at", "-pk")
    )


def saved_view(rows: QuerySet[Deal], key: str, user: User, now: datetime) -> QuerySet[Deal]:
    """``rows`` as the saved view ``key`` shows them (an unknown key: all of them)."""
    if key == "waiting":
        mine = _deal_approvals().filter(approver=user).order_by("requested_at")
        return (
            rows.annotate(waiting_since=Subquery(mine.values("requested_at")[:1]))
            .filter(waiting_since__isnull=False)
            .order_by("waiting_since", "registered_at", "pk")
        )
    if key == "sla":
        late = _deal_approvals().filter(due_at__lt=now).order_by("due_at")
        return (
            rows.annotate(overdue_since=Subquery(late.values("due_at")[:1]))
            .filter(overdue_since__isnull=False)
            .order_by("overdue_since", "registered_at", "pk")
        )
    if key == "conflicts":
        return rows.filter(status__in=UNDECIDED, conflict_count__gt=0).order_by(
            "registered_at", "pk"
        )
    if key == "expiring":
        return rows.filter(
            status=S.APPROVED,
            protected_until__gt=now,
            protected_until__lte=now + timedelta(days=EXPIRING_DAYS),
        ).order_by("protected_until", "pk")
    return rows


def view_counts(rows: QuerySet[Deal], user: User, now: datetime) -> dict[str, int]:
    """How many deals each saved view holds (the tabs' numbers)."""
    return {v.key: saved_view(rows, v.key, user, now).count() for v in SAVED_VIEWS if v.key}


def filter_deals(rows: QuerySet[Deal], chosen: dict) -> QuerySet[Deal]:
    """The list's filters (cleaned values of deals.vendor_forms.DealFilterForm); empty ones
    filter nothing."""
    if chosen.get("status"):
        rows = rows.filter(status=chosen["status"])
    if chosen.get("partner"):
        rows = rows.filter(partner=chosen["partner"])
    where = chosen.get("region") or ""
    if where.startswith("region:"):
        rows = rows.filter(account__region=where.removeprefix("region:"))
    elif where.startswith("country:"):
        rows = rows.filter(account__country=where.removeprefix("country:"))
    if chosen.get("product_line"):
        lines = DealLine.objects.filter(deal=OuterRef("pk"), product__line=chosen["product_line"])
        rows = rows.filter(Exists(lines))
    if chosen.get("registered_from"):
        rows = rows.filter(registered_at__date__gte=chosen["registered_from"])
    if chosen.get("registered_to"):
        rows = rows.filter(registered_at__date__lte=chosen["registered_to"])
    if chosen.get("close_from"):
        rows = rows.filter(expected_close_date__gte=chosen["close_from"])
    if chosen.get("close_to"):
        rows = rows.filter(expected_close_date__lte=chosen["close_to"])
    return rows


def regions_of(rows: QuerySet[Deal]) -> tuple[list[str], list[str]]:
    """The regions and country codes of the customers of ``rows`` (the filter's choices)."""
    regions = rows.exclude(account__region="").values_list("account__region", flat=True)
    codes = rows.exclude(account__country="").values_list("account__country", flat=True)
    return sorted(set(regions)), sorted({str(c) for c in codes})


@dataclass(frozen=True)
class Hoarding:
    partner_id: int
    partner: str
    expired: int  # approved, then the protection ran out without won or lost
    approved: int  # ever approved (approved, won, lost, expired)

    @property
    def share(self) -> int:
        return round(100 * self.expired / self.approved) if self.approved else 0


def hoarding(rows: QuerySet[Deal], limit: int = 10) -> list[Hoarding]:
    """Per partner, the registrations that expired without progress (anti-hoarding), the
    partners with the most first."""
    ever = (S.APPROVED, S.WON, S.LOST, S.EXPIRED)
    counted = (
        rows.order_by()
        .values("partner_id", "partner__display_name")
        .annotate(
            expired=Count("pk", filter=Q(status=S.EXPIRED)),
            approved=Count("pk", filter=Q(status__in=ever)),
        )
        .filter(expired__gt=0)
        .order_by("-expired", "partner__display_name")[:limit]
    )
    return [
        Hoarding(r["partner_id"], r["partner__display_name"], r["expired"], r["approved"])
        for r in counted
    ]


def deal_url(deal_id: int) -> str:
    """The deal's page (the partner-side pages own it; the same page serves vendor staff)."""
    try:
        return reverse("deal-detail", args=[deal_id])
    except NoReverseMatch:
        return f"/deals/{deal_id}/"
