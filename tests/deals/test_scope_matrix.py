"""The scope matrix of accounts and reservations: every persona x every object x list and
detail (and release of reservations). Out of scope is the same 404 as missing; a partner
never sees another partner's reservation.

World (tests/partners/conftest.py): Globex reserved by bob (Northwind Berlin), Initech by
carol (Tailwind), Hooli by nobody, Vandelay added by mia (Northwind Munich), not reserved."""

from __future__ import annotations

import pytest

from deals import services
from tests.deals.conftest import all_rows, api_as, make_account

PERSONAS = ["admin", "cam_emea", "cam_us", "alice", "bob", "mia", "carol"]
ACCOUNTS = ["globex", "initech", "hooli", "vandelay"]
ALL = set(ACCOUNTS)
SEES_ACCOUNTS = {
    "admin": ALL,
    "cam_emea": ALL,  # vendor staff see every account
    "cam_us": ALL,
    "alice": {"globex"},  # reserved by Berlin, in her partner's subtree
    "bob": {"globex"},
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
