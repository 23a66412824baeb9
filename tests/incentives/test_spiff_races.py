"""Races of SPIFF accruals between real database connections (threads, each with its own
connection, on committed rows): the same deal's accrual delivered several times at once
pays each line once; won deals of one partner accrued at once never exceed the partner's
cap (the accrual locks the rule version)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Count, Sum
from django_tenants.utils import schema_context

from deals.models import Deal, DealStatus
from incentives import spiffs
from incentives.models import RewardKind, SpiffReward, SpiffRule, SpiffRuleVersion
from prm.users.models import User
from tests.workflows.test_races import race

pytestmark = pytest.mark.worker  # commits, like the real-process tests

NAME = "Race test SPIFF"


def clean_up() -> None:
    versions = SpiffRuleVersion.objects.filter(name=NAME)
    rules = list(versions.values_list("rule_id", flat=True))
    rewards = SpiffReward.objects.filter(version__in=versions)
    if rewards.exists():
        # Rewards are never deleted (a trigger refuses): lifted for the test's own only.
        with connection.cursor() as cursor:
            cursor.execute(
                "ALTER TABLE incentives_spiffreward DISABLE TRIGGER spiff_reward_never_deleted"
            )
            try:
                rewards.delete()
            finally:
                cursor.execute(
                    "ALTER TABLE incentives_spiffreward ENABLE TRIGGER spiff_reward_never_deleted"
                )
    for version in versions:
        version.tiers.clear()
    versions.delete()
    SpiffRule.objects.filter(pk__in=rules).delete()


@pytest.fixture
def admin(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), schema_context("acme"):
        clean_up()
        yield User.objects.get(email="admin@acme.example")
        clean_up()


def won_deals_of_one_partner(count: int) -> list[Deal]:
    """``count`` of the demo's won deals of one partner, in USD, with lines."""
    partner = (
        Deal.objects.filter(status=DealStatus.WON, currency="USD")
        .values("partner")
        .annotate(n=Count("pk"))
        .filter(n__gte=count)
        .order_by("partner")
        .first()["partner"]
    )
    return list(
        Deal.objects.filter(partner=partner, status=DealStatus.WON, lines__isnull=False)
        .distinct()
        .order_by("-closed_on")[:count]
    )


def rule(admin, deals, **terms):
    days = [d.closed_on for d in deals]
    return spiffs.rule_create(
        actor=admin,
        name=NAME,
        starts_on=min(days) - timedelta(days=1),
        ends_on=max(days),
        kind=RewardKind.FIXED,
        fixed_amount=Decimal("100.00"),
        **terms,
    )


def test_one_deals_accrual_delivered_five_times_at_once_pays_each_line_once(admin):
    [deal] = won_deals_of_one_partner(1)
    version = rule(admin, [deal])
    results = race(5, lambda i: len(spiffs.rewards_accrue_for_deal(deal=deal)))
    assert not [r for r in results if isinstance(r, Exception)], results
    rewards = SpiffReward.objects.filter(version=version)
    assert rewards.count() == deal.lines.count() == sum(results)


def test_deals_of_one_partner_accrued_at_once_never_exceed_its_cap(admin):
    deals = won_deals_of_one_partner(4)
    version = rule(admin, deals, partner_cap=Decimal("250.00"))
    results = race(len(deals), lambda i: len(spiffs.rewards_accrue_for_deal(deal=deals[i])))
    assert not [r for r in results if isinstance(r, Exception)], results
    total = SpiffReward.objects.filter(version=version).aggregate(t=Sum("amount"))["t"]
    assert total == Decimal("250.00")
