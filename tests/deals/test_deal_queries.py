"""Issue 13 (benchmarks): the queries of a registration through the API and of the deal
list, pinned so they cannot creep back. A registration (``POST /api/v1/deals/`` then
``submit/``) read the account, partner, tier, policies and lines several times, the
account's reservations to learn whether the vendor owns it, the caller's scope as lists
before each pick of one deal, and the deal again through a 7-table join to answer: 20 + 48
queries on the bench's data (a fresh customer with a domain), now 15 + 36 there (14 + 33
here)."""

from __future__ import annotations

import pytest

from tests.deals.conftest import api_as, make_account
from tests.deals.test_deal_list_rows import many_states
from tests.deals.test_deals import close_date, shop

__all__ = ["many_states", "shop"]  # the fixtures, imported for these tests

URL = "/api/v1/deals/"


def body(shop, account) -> dict:
    return {
        "account": account.pk,
        "name": "Firewall refresh",
        "currency": "USD",
        "expected_close_date": close_date().isoformat(),
        "lines": [{"product": shop.fw.pk, "quantity": 3, "unit_price": "950.00"}],
    }


def test_a_registration_through_the_api_reads_a_fixed_number_of_queries(
    world, shop, django_assert_num_queries
):
    client = api_as(world.bob)
    warm = make_account(world.admin, "Warm-up GmbH", "DE", ["warm-up.de"])
    first = client.post(URL, body(shop, warm), format="json").json()  # the tenant's domain
    client.post(f"{URL}{first['id']}/submit/")  # and the workflows' cache
    account = make_account(world.admin, "Hooli Deutschland GmbH", "DE", ["hooli.de"])
    with django_assert_num_queries(CREATE):
        created = client.post(URL, body(shop, account), format="json")
    assert created.status_code == 201
    with django_assert_num_queries(SUBMIT):
        submitted = client.post(f"{URL}{created.json()['id']}/submit/")
    assert submitted.status_code == 200 and submitted.json()["status"] == "submitted"


@pytest.mark.parametrize(("who", "queries"), [("bob", 6), ("alice", 7), ("admin", 8)])
def test_the_deal_list_reads_a_fixed_number_of_queries(
    world, shop, many_states, who, queries, django_assert_num_queries
):
    client = api_as(getattr(world, who))
    client.get(URL)
    with django_assert_num_queries(queries):
        assert client.get(URL, {"page_size": 200}).status_code == 200


CREATE, SUBMIT = 14, 33
