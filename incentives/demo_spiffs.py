"""The demo tenant's SPIFFs: three rules over the 18 months of demo deals, with rewards
accrued from the demo's won deals through the service (as the ``deal.won`` handler does):

- "Firewall push": a fixed amount per won firewall line, changed half-way (a higher amount
  and a later end), so it has two versions and rewards under each;
- "Gold and Platinum bonus": a percentage of the line's amount for the two top tiers, with
  caps per partner and per rep, this year and last;
- "Backup launch": an older fixed reward for cloud backup lines, closed.

A few recently won deals are reopened (by the vendor admin, through the deals service: the
customer cancelled the order), their rewards reversed, and then marked lost. bob and carol
have rewards of their own (the deals demo gives both won deals in the rules' periods)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from deals.models import Deal, DealStatus, ProductLine
from deals.services import _deal_lost, _deal_reopen
from incentives.models import (
    Payout,
    PayoutBatch,
    PayoutStatus,
    RewardKind,
    RewardStatus,
    SpiffReward,
    SpiffRule,
    SpiffRuleVersion,
)
from incentives.payouts import _spiff_payouts_create
from incentives.spiffs import (
    _rewards_accrue_for_deal,
    _rewards_reverse_for_deal,
    _rule_change,
    _rule_close,
    _rule_create,
)
from partners.models import Tier
from prm.errors import ServiceError
from prm.users.models import Role, User

REOPENED = 3
REOPEN_REASON = "The customer cancelled the order in its trial period."
LOST_REASON = "Order cancelled in the trial period"


def _at(day: dt.date) -> dt.datetime:
    """When a win on ``day`` was recorded: that day, late morning."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time(11, 0)))


def _accrue(deals: list[Deal]) -> None:
    for deal in deals:
        _rewards_accrue_for_deal(deal=deal, at=_at(deal.closed_on))  # type: ignore[arg-type]  # won deals have a close date


def seed_spiffs(schema: str, admin_email: str) -> None:
    """Once (skipped when the tenant has a SPIFF rule)."""
    if SpiffRule.objects.exists():
        return
    lines = {line.name: line for line in ProductLine.objects.all()}
    firewalls, backup = lines.get("Firewalls"), lines.get("Cloud backup")
    if firewalls is None:
        return  # a tenant without the demo catalogue
    admin = User.objects.get(email=admin_email)
    today = timezone.localdate()
    start = today.replace(day=1) - dt.timedelta(days=548)  # the demo deals' first month
    half = today - dt.timedelta(days=270)
    won = list(
        Deal.objects.filter(status=DealStatus.WON, closed_on__gte=start).order_by("closed_on", "pk")
    )
    top = list(Tier.objects.order_by("-rank")[:2])
    with transaction.atomic():
        push = _rule_create(
            actor=admin,
            name="Firewall push",
            starts_on=start,
            ends_on=half,
            product_line=firewalls,
            kind=RewardKind.FIXED,
            fixed_amount=Decimal("150.00"),
            rep_cap=Decimal("3000.00"),
        )
        bonus = _rule_create(
            actor=admin,
            name="Gold and Platinum bonus",
            starts_on=dt.date(today.year - 1, 1, 1),
            ends_on=dt.date(today.year, 12, 31),
            tiers=top,
            kind=RewardKind.PERCENT,
            percent=Decimal("1.50"),
            partner_cap=Decimal("6000.00"),
            rep_cap=Decimal("2500.00"),
        )
        launch = None
        if backup is not None:
            launch = _rule_create(
                actor=admin,
                name="Backup launch",
                starts_on=start,
                ends_on=start + dt.timedelta(days=180),
                product_line=backup,
                kind=RewardKind.FIXED,
                fixed_amount=Decimal("100.00"),
            )
        _accrue(won)
        # Half-way, the firewall push pays more and runs longer: its second version.
        _rule_change(
            actor=admin,
            rule=push.rule,
            fields={
                "fixed_amount": Decimal("250.00"),
                "ends_on": today + dt.timedelta(days=90),
            },
        )
        _accrue([deal for deal in won if deal.closed_on and deal.closed_on > half])
        if launch is not None:
            _rule_close(actor=admin, rule=launch.rule)
        _backdate(push, start, half)
        _backdate(bonus, bonus.starts_on)
        if launch is not None:
            _backdate(launch, start, None, closed=launch.ends_on + dt.timedelta(days=1))
        _reopen_some(admin, today, [bonus.rule_id, push.rule_id])
        _pay_monthly(today)


def _pay_monthly(today: dt.date) -> None:
    """Finance's monthly SPIFF runs over the demo's history: each month's payouts of the
    rewards past their window, paid two weeks later; this month's still wait."""
    finance = User.objects.filter(role=Role.FINANCE_APPROVER).order_by("email").first()
    first = SpiffReward.objects.order_by("won_on").values_list("won_on", flat=True).first()
    if finance is None or first is None:
        return
    month = dt.date(first.year, first.month, 1)
    while month <= today:
        made = _spiff_payouts_create(actor=finance, as_of=month)
        Payout.objects.filter(pk__in=[p.pk for p in made]).update(created_at=_at(month))
        paid_on = month + dt.timedelta(days=14)
        if made and paid_on < today - dt.timedelta(days=10):
            batch = PayoutBatch.objects.create(created_by=finance)
            PayoutBatch.objects.filter(pk=batch.pk).update(created_at=_at(month))
            Payout.objects.filter(pk__in=[p.pk for p in made]).update(
                status=PayoutStatus.PAID,
                batch=batch,
                payment_reference=f"SPIFF-{month:%Y%m}",
                paid_on=paid_on,
            )
            SpiffReward.objects.filter(payout__in=made).update(
                status=RewardStatus.PAID, paid_at=_at(paid_on)
            )
        month = (month + dt.timedelta(days=32)).replace(day=1)


def _backdate(
    first: SpiffRuleVersion,
    set_up: dt.date,
    changed: dt.date | None = None,
    *,
    closed: dt.date | None = None,
) -> None:
    """The rule's history as if it was set up on ``set_up`` (and changed on ``changed``,
    closed on ``closed``), not the moment the demo was seeded."""
    SpiffRule.objects.filter(pk=first.rule_id).update(created_at=_at(set_up))
    versions = SpiffRuleVersion.objects.filter(rule_id=first.rule_id)
    versions.filter(number=1).update(created_at=_at(set_up))
    if changed is not None:
        versions.filter(number=1).update(superseded_at=_at(changed), closed_at=_at(changed))
        versions.filter(number=2).update(created_at=_at(changed))
    if closed is not None:
        versions.filter(closed_at__isnull=False).update(closed_at=_at(closed))


def _reopen_some(admin: User, today: dt.date, rules: list[int]) -> None:
    """The latest won deals with rewards (not bob's or carol's: theirs stay won) are
    reopened by the vendor admin, and their rewards reversed."""
    recent = (
        SpiffReward.objects.filter(
            version__rule_id__in=rules, won_on__gte=today - dt.timedelta(days=60)
        )
        .exclude(rep__email__in=["bob@northwind.example", "carol@contoso.example"])
        .order_by("-deal_id")
        .values_list("deal_id", flat=True)
        .distinct()
    )
    for deal in Deal.objects.filter(pk__in=list(recent[:REOPENED])).select_related("submitter"):
        try:
            reopened = _deal_reopen(actor=admin, deal=deal, reason=REOPEN_REASON)
        except ServiceError:  # refused before it wrote anything: skip that deal
            continue
        _rewards_reverse_for_deal(deal=reopened, reason=REOPEN_REASON)
        # Lost in the end (so it holds no customer against anyone's registrations).
        _deal_lost(actor=deal.submitter, deal=reopened, reason=LOST_REASON)
