"""Issue 13 (benchmarks): the deal list's page (``GET /api/v1/deals/``) is the same JSON as
the deal serializer's (``DealOut``, which the detail and every action answer with), key for
key and value for value, in every state a deal can be in: lines of several products,
approved and protected, queued behind an earlier approval, rejected and disputed, won with
its final amount, shared with a colleague; for vendor staff and for partners; in a fixed
number of queries."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.renderers import JSONRenderer

from deals import scope, services
from deals.api.deals import DealOut, DealViewSet
from deals.models import DealLine
from deals.selectors import server_now
from deals.services import LineIn
from partners import services as partner_services
from tests.deals.conftest import api_as, make_account
from tests.deals.test_deals import draft, shop, submitted

__all__ = ["shop"]  # the fixture, imported for these tests

URL = "/api/v1/deals/"


@pytest.fixture
def many_states(world, shop):
    """Deals in every state the list shows differently."""
    partner_services.partner_update(
        actor=world.admin,
        partner=world.contoso,
        fields={"channel_manager": world.cam_emea, "territory": world.emea},
    )
    lines = [LineIn(shop.fw, 3, Decimal("950.00")), LineIn(shop.backup, 7, Decimal("12.5"))]
    approved = submitted(world, shop, lines=lines, description="Two lines", campaign_code="C-1")
    services.deal_approve(actor=world.admin, deal=approved, note="fine")
    queued = submitted(world, shop, user=world.carol, name="Tailwind firewall")
    rejected = submitted(world, shop, user=world.carol, name="Tailwind backup", lines=lines[1:])
    services.deal_reject(actor=world.cam_emea, deal=rejected, reason_code="duplicate", note="No")
    rejected.refresh_from_db()
    services.deal_dispute(actor=world.carol, deal=rejected, statement="We met them first.")
    hooli = make_account(world.admin, "Hooli Inc.", "US", ["hooli.com"])
    other = draft(world, shop, user=world.mia, name="Munich draft", account=hooli)
    won = submitted(world, shop, user=world.mia, name="Munich won", account=hooli)
    services.deal_approve(actor=world.admin, deal=won)
    services.deal_won(
        actor=world.mia, deal=won, closed_on=timezone.localdate(), final_amount=Decimal("80.1")
    )
    services.deal_share(actor=world.mia, deal=other, colleague=world.bob)
    return approved, queued, rejected, other, won


def _serializer_page(user, **filters) -> list[dict]:
    """The page as the deal serializer writes it (the list's answer before it was read from
    rows): the same queryset, ordering and context."""
    view = DealViewSet()
    view.request = type("R", (), {"user": user})()
    rows = view.get_queryset()
    if filters:
        rows = rows.filter(**filters)
    data = DealOut(rows, many=True, context={"now": server_now()}).data
    return json.loads(JSONRenderer().render(data))


@pytest.mark.parametrize("who", ["admin", "cam_emea", "bob", "carol", "mia", "alice"])
def test_the_list_is_the_deal_serializers_json_in_every_state(world, shop, many_states, who):
    user = getattr(world, who)
    answer = api_as(user).get(URL, {"page_size": 200})
    assert answer.status_code == 200
    page = answer.json()
    expected = _serializer_page(user)
    assert page["count"] == len(expected) == scope.deals_visible_to(user).count()
    expected = expected[:200]  # the page (the demo tenant has its own deals too)
    assert page["results"] == expected
    assert [list(row) for row in page["results"]] == [list(row) for row in expected]
    if who == "admin":
        states = {row["status"] for row in page["results"]}
        assert {"approved", "under_review", "rejected", "draft", "won"} <= states
        assert any(row["dispute"] for row in page["results"])
        assert any(row["queued_until"] for row in page["results"])
        assert any(len(row["lines"]) == 2 for row in page["results"])


def test_the_lists_filters_and_pages_answer_the_serializers_rows(world, shop, many_states):
    approved = many_states[0]
    client = api_as(world.admin)
    filtered = client.get(URL, {"account": approved.account_id, "status": "approved"}).json()
    expected = _serializer_page(world.admin, account_id=approved.account_id, status="approved")
    assert filtered["count"] == len(expected) and filtered["results"] == expected[:50]
    second = client.get(URL, {"page_size": 2, "page": 2}).json()
    assert second["results"] == _serializer_page(world.admin)[2:4]
    assert second["next"] and second["previous"]


def test_a_deal_without_lines_is_listed_with_none(world, shop):
    deal = draft(world, shop)
    DealLine.objects.filter(deal=deal).delete()
    row = api_as(world.bob).get(URL).json()["results"][0]
    assert row["lines"] == [] and row == _serializer_page(world.bob)[0]
