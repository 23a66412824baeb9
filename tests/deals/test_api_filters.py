"""Issue 12, point 6: the accounts API list takes the vendor page's filters
(deals.filters.AccountFilter) and stays in the caller's scope."""

from __future__ import annotations

import pytest

from deals import services
from tests.deals.conftest import api_as, make_account


@pytest.fixture
def accounts(world):
    a = world.admin
    group = make_account(a, "Quuxly Group", "US", ["quuxly.com"])
    berlin = make_account(a, "Quuxly Berlin", "DE", ["quuxly.de"], parent=group)
    direct = make_account(a, "Quuxly Direct", "FR", ["quuxly.fr"], vendor_owned=True)
    services.reservation_create(actor=world.bob, account=berlin)
    return {"group": group, "berlin": berlin, "direct": direct}


def names(client, query: str) -> set[str]:
    """The test's accounts among every page of the filtered list."""
    found: set[str] = set()
    url: str | None = f"/api/v1/accounts/?{query}&page_size=200"
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content
        found |= {r["name"] for r in response.json()["results"]}
        url = response.json()["next"]
    return {name for name in found if name.startswith("Quuxly")}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("q=quuxly", {"Quuxly Group", "Quuxly Berlin", "Quuxly Direct"}),
        ("q=quuxly.de", {"Quuxly Berlin"}),
        ("q=quuxly&country=fr", {"Quuxly Direct"}),
        ("q=quuxly&vendor_owned=yes", {"Quuxly Direct"}),
        ("q=quuxly&vendor_owned=no", {"Quuxly Group", "Quuxly Berlin"}),
        ("q=quuxly&reserved=yes", {"Quuxly Berlin"}),
        ("q=quuxly&reserved=no", {"Quuxly Group", "Quuxly Direct"}),
        ("q=quuxly&parent=top", {"Quuxly Group", "Quuxly Direct"}),
        ("q=quuxly&reserved=maybe", set()),
    ],
)
def test_the_api_list_takes_the_pages_filters(world, accounts, query, expected):
    assert names(api_as(world.cam_emea), query) == expected


def test_the_parent_filter_lists_the_offices_of_one_company(world, accounts):
    query = f"parent={accounts['group'].pk}"
    assert names(api_as(world.admin), query) == {"Quuxly Berlin"}


def test_the_filters_stay_in_a_partner_users_scope(world, accounts):
    # Bob sees the office his partner reserved, not its parent: the parent filter naming
    # an account out of his scope matches nothing, as a missing one would.
    assert names(api_as(world.bob), "q=quuxly") == {"Quuxly Berlin"}
    assert names(api_as(world.bob), "reserved=yes&q=quuxly") == {"Quuxly Berlin"}
    assert names(api_as(world.bob), f"parent={accounts['group'].pk}") == set()
    assert names(api_as(world.carol), "q=quuxly") == set()
