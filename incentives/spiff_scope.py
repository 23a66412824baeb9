"""Who sees which SPIFF rules and rewards: the querysets every SPIFF view and API reads
through (incentives.scope's style). Out of scope is the same 404 as missing.

- Rules: every tenant user with ``mdf.view``; vendor staff every rule, partner-side users
  the active rules that apply to a tier of theirs and those they earned rewards under.
- Rewards: vendor staff the rewards of the partners in their scope (admins and finance:
  all); partner admins and managers their partner's (and its units'); a partner user their
  own.
- Yearly totals: per person, of the rewards the user sees, against the tenant's threshold
  for tax forms."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import ExtractYear

from incentives.models import RewardStatus, SpiffPolicy, SpiffReward, SpiffRule, SpiffRuleVersion
from partners.models import Partner
from partners.scope import scope_of
from prm.errors import NotFound
from prm.permissions import can
from prm.tenancy.context import current_tenant
from prm.users.models import Role, User


def _may_view(user: User) -> bool:
    return bool(user.is_authenticated and user.is_active and can(user, "mdf.view"))


def rules_visible_to(user: User) -> QuerySet[SpiffRule]:
    if not _may_view(user):
        return SpiffRule.objects.none()
    if user.is_vendor_side:
        return SpiffRule.objects.all()
    tiers = Partner.objects.filter(scope_of(user).partner_q()).values("tier_id")
    open_ = SpiffRuleVersion.objects.filter(superseded_at__isnull=True, active=True)
    applying = open_.filter(tiers__isnull=True) | open_.filter(tiers__in=tiers)
    return SpiffRule.objects.filter(
        Q(pk__in=applying.values("rule_id"))
        | Q(pk__in=rewards_visible_to(user).values("version__rule_id"))
    )


def versions_visible_to(user: User) -> QuerySet[SpiffRuleVersion]:
    return SpiffRuleVersion.objects.filter(rule__in=rules_visible_to(user).values("pk"))


def get_rule_for(user: User, rule_id: int | str) -> SpiffRule:
    try:
        return rules_visible_to(user).get(pk=rule_id)
    except (SpiffRule.DoesNotExist, ValueError, TypeError):
        raise NotFound("No such SPIFF.") from None


def rewards_visible_to(user: User) -> QuerySet[SpiffReward]:
    if not _may_view(user):
        return SpiffReward.objects.none()
    if user.role == Role.PARTNER_USER:
        return SpiffReward.objects.filter(rep_id=user.pk)
    return SpiffReward.objects.filter(scope_of(user).partner_q("partner__"))


def get_reward_for(user: User, reward_id: int | str) -> SpiffReward:
    try:
        return rewards_visible_to(user).get(pk=reward_id)
    except (SpiffReward.DoesNotExist, ValueError, TypeError):
        raise NotFound("No such reward.") from None


def reward_years(user: User) -> list[int]:
    """The years of the rewards ``user`` sees, the latest first."""
    years = (
        rewards_visible_to(user)
        .annotate(year=ExtractYear("won_on"))
        .values_list("year", flat=True)
        .distinct()
    )
    return sorted(set(years), reverse=True)


@dataclass(frozen=True)
class YearlyTotal:
    rep_id: int
    name: str
    email: str
    partner: str
    currency: str
    total: Decimal
    rewards: int
    threshold: Decimal
    # None: in another currency than the threshold's (nothing to compare with).
    reaches_threshold: bool | None

    @property
    def remaining(self) -> Decimal:
        """What is left below the threshold (zero once it is reached)."""
        return max(self.threshold - self.total, Decimal(0))


def yearly_totals(user: User, year: int, *, rep_id: int | None = None) -> list[YearlyTotal]:
    """Each person's total of the year's rewards (earned or paid; reversed ones do not
    count) among those ``user`` sees, the highest first, against the tax form threshold
    (in the program's currency)."""
    policy = SpiffPolicy.current()
    currency = current_tenant().currency
    rewards = (
        rewards_visible_to(user).filter(won_on__year=year).exclude(status=RewardStatus.REVERSED)
    )
    if rep_id is not None:
        rewards = rewards.filter(rep_id=rep_id)
    rows = (
        rewards.values(
            "rep_id", "rep__full_name", "rep__email", "partner__display_name", "currency"
        )
        .annotate(total=Sum("amount"), rewards=Count("pk"))
        .order_by("-total", "rep__email")
    )
    return [
        YearlyTotal(
            rep_id=row["rep_id"],
            name=row["rep__full_name"] or row["rep__email"],
            email=row["rep__email"],
            partner=row["partner__display_name"],
            currency=row["currency"],
            total=row["total"],
            rewards=row["rewards"],
            threshold=policy.tax_form_threshold,
            reaches_threshold=(
                row["total"] >= policy.tax_form_threshold if row["currency"] == currency else None
            ),
        )
        for row in rows
    ]
