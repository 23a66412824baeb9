"""The scope matrix of SPIFF rewards: every persona x every reward, in the list and one by
one. Out of scope is the same 404 as missing; a partner never sees another partner's
rewards, and a partner user sees only their own.

World: tests/deals/test_scope_matrix.py's deals; bob's (Northwind Berlin), mia's (Northwind
Munich) and carol's (Tailwind) are won, each earning a reward under a SPIFF of the test's."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from deals.models import Deal, DealStatus
from incentives import spiffs
from incentives.models import RewardKind
from tests.conftest import _activate
from tests.deals.conftest import all_rows, api_as
from tests.deals.test_scope_matrix import PERSONAS, _deals_world

__all__ = ["_deals_world"]

REWARDS = ["bobs", "mias", "carols"]
SEES = {
    "admin": set(REWARDS),
    "cam_emea": {"bobs", "mias"},  # Northwind's territory is under Europe
    "cam_us": {"carols"},
    "alice": {"bobs", "mias"},  # partner admin: her partner's subtree
    "bob": {"bobs"},  # a partner user: his own
    "mia": {"mias"},
    "carol": {"carols"},
}


@pytest.fixture(scope="module")
def _rewards_world(_deals_world, django_db_blocker):
    w = _deals_world
    today = timezone.localdate()
    with django_db_blocker.unblock():
        _activate("acme")
        spiffs._rule_create(
            actor=w.admin,
            name="Matrix SPIFF",
            starts_on=today - timedelta(days=10),
            ends_on=today + timedelta(days=10),
            kind=RewardKind.FIXED,
            fixed_amount=Decimal("10.00"),
        )
        w.rewards = {}
        for name in REWARDS:
            # Won as the deals services leave a won deal (the matrix is about who sees it).
            Deal.objects.filter(pk=w.deals[name].pk).update(
                status=DealStatus.WON,
                registered_at=timezone.now(),
                closed_on=today,
                final_amount=Decimal(100),
            )
            [w.rewards[name]] = spiffs._rewards_accrue_for_deal(deal=w.deals[name])
        connection.set_schema_to_public()
    return w


@pytest.fixture
def world(_rewards_world, module_world):
    return module_world


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_rewards_list_shows_exactly_the_rewards_in_scope(world, persona):
    ids = {r["id"] for r in all_rows(api_as(getattr(world, persona)), "/api/v1/rewards/")}
    mine = {name for name, reward in world.rewards.items() if reward.pk in ids}
    assert mine == SEES[persona]


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("name", REWARDS)
def test_a_reward_out_of_scope_is_404(world, persona, name):
    response = api_as(getattr(world, persona)).get(f"/api/v1/rewards/{world.rewards[name].pk}/")
    assert response.status_code == (200 if name in SEES[persona] else 404)


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_yearly_totals_count_only_the_rewards_in_scope(world, persona):
    client = api_as(getattr(world, persona))
    totals = client.get("/api/v1/rewards/totals/").json()
    reps = {t["rep"] for t in totals}
    expected = {world.rewards[name].rep_id for name in SEES[persona]}
    ours = {reward.rep_id for reward in world.rewards.values()}
    assert reps & ours == expected
