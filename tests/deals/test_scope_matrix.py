"""The scope matrix of accounts, reservations and deals: every persona x every object x list
and detail (and release of reservations, an action on deals). Out of scope is the same 404 as
missing; a partner never sees another partner's reservation or deal.

World (tests/partners/conftest.py): Globex reserved by bob (Northwind Berlin), Initech by
carol (Tailwind), Hooli by nobody, Vandelay added by mia (Northwind Munich), not reserved.
Deals (drafts): bob's on Globex, mia's on Vandelay, carol's on Initech, and mia's second one
on Vandelay, which she shared with bob."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from deals import services
from deals.models import Product, ProductLine
from tests.deals.conftest import all_rows, api_as, make_account

PERSONAS = ["admin", "cam_emea", "cam_us", "alice", "bob", "mia", "carol"]
ACCOUNTS = ["globex", "initech", "hooli", "vandelay"]
ALL = set(ACCOUNTS)
SEES_ACCOUNTS = {
    "admin": ALL,
    "cam_emea": ALL,  # vendor staff see every account
    "cam_us": ALL,
    # Globex reserved by Berlin, in her partner's subtree; Vandelay: Munich's deals on it.
    "alice": {"globex", "vandelay"},
    "bob": {"globex", "vandelay"},  # Vandelay: the deal mia shared with him
    "mia": {"vandelay"},  # she added it
    "carol": {"initech"},
}
SEES_RESERVATIONS = {
    "admin": {"globex", "initech"},
    "cam_emea": {"globex"},  # Northwind's territory is under Europe
    "cam_us": {"initech"},
    "alice": {"globex"},
    "bob": {"globex"},
    "mia": set(),  # another branch of Northwind
    "carol": {"initech"},
}
DEALS = ["bobs", "mias", "carols", "shared"]
SEES_DEALS = {
    "admin": set(DEALS),
    "cam_emea": {"bobs", "mias", "shared"},  # Northwind's territory is under Europe
    "cam_us": {"carols"},
    "alice": {"bobs", "mias", "shared"},  # partner admin: her partner's subtree
    "bob": {"bobs", "shared"},  # his own, and the one shared with him
    "mia": {"mias", "shared"},
    "carol": {"carols"},
}


@pytest.fixture(scope="module")
def _deals_world(_module_world, django_db_blocker):
    from django.db import connection

    from tests.conftest import _activate

    w = _module_world
    with django_db_blocker.unblock():
        _activate("acme")
        w.accounts = {
            "globex": make_account(w.admin, "Globex", "US"),
            "initech": make_account(w.admin, "Initech", "US"),
            "hooli": make_account(w.admin, "Hooli", "US"),
            "vandelay": make_account(w.mia, "Vandelay", "US"),
        }
        w.reservations = {
            "globex": services.reservation_create(actor=w.bob, account=w.accounts["globex"]),
            "initech": services.reservation_create(actor=w.carol, account=w.accounts["initech"]),
        }
        line = ProductLine.objects.create(name="Matrix firewalls")
        product = Product.objects.create(
            sku="M-FW-1", name="Matrix firewall", line=line, list_price=100, currency="USD"
        )

        def deal(user, account, name):
            return services.deal_create(
                actor=user,
                account=w.accounts[account],
                name=name,
                lines=[services.LineIn(product, 1, Decimal(100))],
                currency="USD",
                expected_close_date=timezone.localdate() + timedelta(days=30),
            )

        w.deals = {
            "bobs": deal(w.bob, "globex", "Bob's"),
            "mias": deal(w.mia, "vandelay", "Mia's"),
            "carols": deal(w.carol, "initech", "Carol's"),
            "shared": deal(w.mia, "vandelay", "Mia's shared"),
        }
        services.deal_share(actor=w.mia, deal=w.deals["shared"], colleague=w.bob)
        connection.set_schema_to_public()
    return w


@pytest.fixture
def world(_deals_world, module_world):
    return module_world


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_accounts_list_shows_exactly_the_accounts_in_scope(world, persona):
    ids = {r["id"] for r in all_rows(api_as(getattr(world, persona)), "/api/v1/accounts/")}
    mine = {name for name, account in world.accounts.items() if account.pk in ids}
    assert mine == SEES_ACCOUNTS[persona]


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("name", ACCOUNTS)
def test_an_account_out_of_scope_is_404(world, persona, name):
    response = api_as(getattr(world, persona)).get(f"/api/v1/accounts/{world.accounts[name].pk}/")
    assert response.status_code == (200 if name in SEES_ACCOUNTS[persona] else 404)


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_reservations_list_shows_exactly_those_in_scope(world, persona):
    ids = {r["id"] for r in all_rows(api_as(getattr(world, persona)), "/api/v1/reservations/")}
    mine = {name for name, r in world.reservations.items() if r.pk in ids}
    assert mine == SEES_RESERVATIONS[persona]


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("name", ["globex", "initech"])
def test_a_reservation_out_of_scope_is_404_to_read_and_to_release(world, persona, name):
    client = api_as(getattr(world, persona))
    url = f"/api/v1/reservations/{world.reservations[name].pk}/"
    visible = name in SEES_RESERVATIONS[persona]
    assert client.get(url).status_code == (200 if visible else 404)
    released = client.post(f"{url}release/")
    assert released.status_code == (200 if visible else 404), released.content


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_deals_list_shows_exactly_the_deals_in_scope(world, persona):
    ids = {r["id"] for r in all_rows(api_as(getattr(world, persona)), "/api/v1/deals/")}
    mine = {name for name, deal in world.deals.items() if deal.pk in ids}
    assert mine == SEES_DEALS[persona]


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("name", DEALS)
def test_a_deal_out_of_scope_is_404_to_read_to_change_and_to_act_on(world, persona, name):
    client = api_as(getattr(world, persona))
    url = f"/api/v1/deals/{world.deals[name].pk}/"
    visible = name in SEES_DEALS[persona]
    assert client.get(url).status_code == (200 if visible else 404)
    assert client.get(f"{url}conflicts/").status_code == (200 if visible else 404)
    changed = client.patch(url, {"description": "By the matrix"}, format="json")
    # In scope: partner users change drafts (their own or shared), vendor staff do not.
    assert changed.status_code == (
        (403 if persona in {"admin", "cam_emea", "cam_us"} else 200) if visible else 404
    ), changed.content
    approved = client.post(f"{url}approve/", {}, format="json")
    # In scope, a draft is not for a decision (409), nor are partners deciders (403).
    assert approved.status_code == (
        (409 if persona in {"admin", "cam_emea", "cam_us"} else 403) if visible else 404
    ), approved.content


def test_another_tenant_sees_nothing_of_acme(world, globex):
    from prm.users.models import User
    from tests.conftest import GLOBEX_HOST

    admin = User.objects.get(email="admin@globex.example")
    client = api_as(admin, GLOBEX_HOST)
    # Globex has demo accounts of its own (ids are per tenant): none of acme's by name.
    names = {account.name for account in world.accounts.values()}
    assert not names & {r["name"] for r in all_rows(client, "/api/v1/accounts/")}
    theirs = {
        r["account"]["name"] if isinstance(r["account"], dict) else r["account"]
        for r in all_rows(client, "/api/v1/reservations/")
    }
    assert not names & theirs
    pk = world.reservations["globex"].pk
    assert client.get(f"/api/v1/reservations/{pk}/").status_code == 404
    deals = {deal.name for deal in world.deals.values()}
    assert not deals & {r["name"] for r in all_rows(client, "/api/v1/deals/")}
    assert client.get(f"/api/v1/deals/{world.deals['bobs'].pk}/").status_code == 404
