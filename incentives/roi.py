"""What each MDF dollar brought (the incentives issue, point 7): deals attributed to
activities, and the figures per activity, program and partner: each activity's are kept
current in the transactions that change its claims and deals (incentives.figures), and a
read groups them (no nightly batch).

- spend: what approved claims of the activity's request cost (payable or paid);
- leads: the leads its claims report;
- sourced and influenced pipeline: the amounts of the attributed deals registered and not
  lost (submitted, under review, approved or won), each kind apart, never summed;
- won revenue: the attributed deals won (sourced and influenced apart);
- ROI = (sourced won revenue - spend) / spend, and cost per lead = spend / leads.

Deals in another currency than the activity's count converted at the tenant's exchange
rates in force today (incentives.figures); the rows say how many attributed deals were left
out because their currency has no rate.

Each figure is one grouped query over the rows the viewer sees (``incentives.scope``), so a
page costs the same few queries whatever the number of activities."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from django.db import transaction
from django.db.models import QuerySet, Sum

from deals import scope as deal_scope
from deals.models import Deal, DealStatus
from incentives import scope
from incentives.figures import figures_refresh
from incentives.models import (
    ZERO,
    Attribution,
    AttributionKind,
    AttributionSource,
    MdfRequest,
    RequestStatus,
)
from prm.audit import audit_note
from prm.errors import Conflict, Invalid, NotFound
from prm.outbox.models import Event
from prm.permissions import require
from prm.users.models import User

PIPELINE = (
    DealStatus.SUBMITTED,
    DealStatus.UNDER_REVIEW,
    DealStatus.INFO_REQUESTED,
    DealStatus.APPROVED,
    DealStatus.WON,
)
By = Literal["activity", "program", "partner"]
# Each row's key, name and currency (then, for an activity, its partner).
NAMES = {
    "activity": ("request_id", "request__title", "currency", "partner__display_name"),
    "program": ("program_id", "program__name", "program__currency"),
    "partner": ("partner_id", "partner__display_name", "currency"),
}
# The figures each activity keeps (incentives.models.ActivityFigures, incentives.figures).
FIGURES = (
    "spend",
    "leads",
    "sourced_pipeline",
    "influenced_pipeline",
    "sourced_won",
    "influenced_won",
    "sourced_deals",
    "influenced_deals",
    "other_currency_deals",
)


# --- attribution ----------------------------------------------------------------------


def attribution_by_campaign_code(event: Event) -> None:
    """Outbox handler of ``deal.submitted``: a deal registered with the campaign code of one
    of its partner's approved activities is sourced by it (once; an existing source stays)."""
    deal = Deal.objects.filter(pk=event.object_id).first()
    code = (deal.campaign_code or "").strip() if deal else ""
    if deal is None or not code or Attribution.objects.filter(deal=deal, kind="sourced"):
        return
    request = (
        MdfRequest.objects.filter(
            partner_id=deal.partner_id,
            campaign_code__iexact=code,
            status=RequestStatus.APPROVED,
        )
        .order_by("-starts_on")
        .first()
    )
    if request is not None:
        Attribution.objects.get_or_create(
            deal=deal,
            request=request,
            defaults={
                "kind": AttributionKind.SOURCED,
                "source": AttributionSource.CAMPAIGN_CODE,
                "attributed_by": deal.submitter,
            },
        )
        figures_refresh([request.pk])


@transaction.atomic(durable=True)
def attribution_set(*, actor: User, deal: Deal, request: MdfRequest, kind: str) -> Attribution:
    """The channel manager attributes a deal (of the activity's partner; both resolved
    through the actor's scope by the caller) to an activity, as sourced or influenced; an
    existing attribution of the two changes its kind."""
    require(actor, "mdf.decide", "Only the vendor's channel team attributes deals.")
    if kind not in AttributionKind.values:
        raise Invalid({"kind": ["Say whether the activity sourced or influenced the deal."]})
    if deal.partner_id != request.partner_id:
        raise Invalid({"deal": ["Attribute a deal of the partner that ran the activity."]})
    if request.status != RequestStatus.APPROVED:
        raise Invalid({"request": ["Attribute deals to approved activities."]})
    Deal.objects.select_for_update().filter(pk=deal.pk).first()  # one change of a deal at a time
    if kind == AttributionKind.SOURCED:
        other = Attribution.objects.filter(deal=deal, kind="sourced").exclude(request=request)
        if other.exists():
            raise Conflict(
                "Another activity already sourced this deal: make that one influenced first.",
                code="already_sourced",
            )
    attribution, _ = Attribution.objects.update_or_create(
        deal=deal,
        request=request,
        defaults={
            "kind": kind,
            "source": AttributionSource.CHANNEL_MANAGER,
            "attributed_by": actor,
        },
    )
    audit_note(request, actor, f"deal {deal.pk} attributed as {kind}")
    figures_refresh([request.pk])
    return attribution


def get_attribution_for(user: User, attribution_id: int | str) -> Attribution:
    try:
        return attributions_visible_to(user).get(pk=attribution_id)
    except (Attribution.DoesNotExist, ValueError, TypeError):
        raise NotFound("No such attribution.") from None


def attributions_visible_to(user: User) -> QuerySet[Attribution]:
    """Attributions of activities and deals the user both sees."""
    return Attribution.objects.filter(
        request__in=scope.requests_visible_to(user).values("pk"),
        deal__in=deal_scope.deals_visible_to(user).values("pk"),
    )


@transaction.atomic(durable=True)
def attribution_remove(*, actor: User, attribution: Attribution) -> None:
    require(actor, "mdf.decide", "Only the vendor's channel team attributes deals.")
    audit_note(attribution.request, actor, f"deal {attribution.deal_id} no longer attributed")
    request_id = attribution.request_id
    attribution.delete()
    figures_refresh([request_id])


# --- figures ----------------------------------------------------------------------------


@dataclass
class RoiRow:
    key: int
    currency: str = ""
    spend: Decimal = ZERO
    leads: int = 0
    sourced_pipeline: Decimal = ZERO
    influenced_pipeline: Decimal = ZERO
    sourced_won: Decimal = ZERO
    influenced_won: Decimal = ZERO
    sourced_deals: int = 0
    influenced_deals: int = 0
    other_currency_deals: int = 0
    label: str = ""
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def roi(self) -> Decimal | None:
        """(sourced won revenue - spend) / spend; None before any spend."""
        if not self.spend:
            return None
        return ((self.sourced_won - self.spend) / self.spend).quantize(Decimal("0.01"))

    @property
    def roi_text(self) -> str:
        """The ROI as people read it: "+1,900%", "-40%", "" before any spend."""
        if self.roi is None:
            return ""
        percent = self.roi * 100
        return f"{'+' if percent > 0 else '-' if percent < 0 else ''}{abs(percent):,.0f}%"

    @property
    def cost_per_lead(self) -> Decimal | None:
        if not self.leads:
            return None
        return (self.spend / self.leads).quantize(Decimal("0.01"))


def roi_rows(
    user: User,
    *,
    by: By = "activity",
    program_id: int | None = None,
    partner_id: int | None = None,
) -> list[RoiRow]:
    """The ROI figures of the activities ``user`` sees (approved requests), one row per
    activity, program or partner (``by``), optionally of one program or partner: one
    grouped query whatever their number, over the figures each activity keeps current
    with its keys (``ActivityFigures``, incentives.figures), so a page never joins the
    requests, the claims and the deals."""
    figures = scope.figures_visible_to(user)
    if program_id is not None:
        figures = figures.filter(program_id=program_id)
    if partner_id is not None:
        figures = figures.filter(partner_id=partner_id)
    rows: dict[int, RoiRow] = defaultdict(lambda: RoiRow(key=0))
    # No ordering, so that the grouping is by the names alone.
    grouped = (
        figures.order_by()
        .values(*NAMES[by])
        .annotate(**{f"sum_{name}": Sum(name) for name in FIGURES})
    )
    for named in grouped:
        pk, label, currency = (named[f] for f in NAMES[by][:3])
        row = rows[pk]
        row.label, row.currency = label, row.currency or currency
        for name in FIGURES:
            setattr(row, name, getattr(row, name) + (named[f"sum_{name}"] or 0))
        if by == "activity":
            row.extra["partner"] = named["partner__display_name"]

    for pk, row in rows.items():
        row.key = pk
    return sorted(rows.values(), key=lambda r: (-r.spend, -r.sourced_won, r.label))
