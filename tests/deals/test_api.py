"""The accounts and reservations API: shapes, the lookup's rules (3 characters, the rate
limit), 409 account_reserved in the error shape, and scope (someone else's is a 404)."""

from __future__ import annotations

import pytest

from deals import selectors as deals_selectors
from deals import services
from deals.models import Reservation
from tests.deals.conftest import all_rows, api_as, make_account


def test_vendor_staff_list_accounts_with_their_domains_and_parent(world):
    group = make_account(world.admin, "Umbrella Group", "US", ["umbrella.com"])
    make_account(world.admin, "Umbrella Berlin", "DE", ["umbrella.de"], parent=group)
    names = {r["name"]: r for r in all_rows(api_as(world.cam_emea), "/api/v1/accounts/")}
    assert names["Umbrella Berlin"]["parent"] == group.pk
    assert names["Umbrella Berlin"]["domains"] == ["umbrella.de"]
    assert names["Umbrella Group"]["country"] == "US"


def test_a_partner_user_adds_an_account_and_sees_it(world):
    response = api_as(world.bob).post(
        "/api/v1/accounts/",
        {"name": "Globex Corp", "country": "US", "domains": ["https://www.globex.com/about"]},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["domains"] == ["globex.com"]
    assert api_as(world.bob).get(f"/api/v1/accounts/{response.json()['id']}/").status_code == 200
    assert api_as(world.carol).get(f"/api/v1/accounts/{response.json()['id']}/").status_code == 404


def test_a_partner_user_cannot_change_an_account(world):
    account = make_account(world.bob, "Globex", "US")
    response = api_as(world.bob).patch(
        f"/api/v1/accounts/{account.pk}/", {"name": "Mine"}, format="json"
    )
    assert response.status_code == 403
    account.refresh_from_db()
    assert account.name == "Globex"


def test_a_channel_manager_renames_an_account_and_sets_its_domains(world):
    account = make_account(world.admin, "Globex", "US", ["globex.com"])
    response = api_as(world.cam_emea).patch(
        f"/api/v1/accounts/{account.pk}/",
        {"name": "Globex Corporation", "domains": ["globex.com", "globex.de"]},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["domains"] == ["globex.com", "globex.de"]


def test_adding_an_account_with_a_free_email_domain_is_refused_beside_the_field(world):
    response = api_as(world.bob).post(
        "/api/v1/accounts/", {"name": "Smith", "domains": ["me@gmail.com"]}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert "free e-mail provider" in response.json()["fields"]["domains"][0]


def test_the_lookup_answers_the_status_and_the_matches(world):
    account = make_account(world.admin, "ACME Corporation", "DE", ["acme.com"])
    response = api_as(world.bob).get(
        "/api/v1/accounts/lookup/", {"q": "Acme Corp", "country": "DE"}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "open"
    [match] = body["matches"]
    assert match["id"] == account.pk and match["verdict"] == "match"
    assert set(match) == {
        "id", "name", "domains", "country", "parent", "status", "score", "verdict", "reasons"
    }  # fmt: skip


@pytest.mark.parametrize("q", ["", "a", "ab", "  a  "])
def test_a_lookup_with_fewer_than_three_characters_is_refused(world, q):
    response = api_as(world.bob).get("/api/v1/accounts/lookup/", {"q": q})
    assert response.status_code == 400
    assert response.json()["fields"]["q"] == ["Type at least 3 characters."]


def test_a_lookup_with_an_unusable_domain_is_refused(world):
    response = api_as(world.bob).get("/api/v1/accounts/lookup/", {"domain": "localhost"})
    assert response.status_code == 400
    assert "domain" in response.json()["fields"]


def test_the_lookup_is_rate_limited_per_user_with_the_error_shape(world, monkeypatch):
    monkeypatch.setattr(deals_selectors, "LOOKUP_RATE", "3/m")
    bob, carol = api_as(world.bob), api_as(world.carol)
    for _ in range(3):
        assert bob.get("/api/v1/accounts/lookup/", {"q": "Globex"}).status_code == 200
    refused = bob.get("/api/v1/accounts/lookup/", {"q": "Globex"})
    assert refused.status_code == 429
    assert refused.json()["code"] == "throttled" and refused.json()["detail"]
    assert carol.get("/api/v1/accounts/lookup/", {"q": "Globex"}).status_code == 200


def test_a_partner_reserves_an_account_and_a_second_partner_gets_409(world):
    account = make_account(world.admin, "Globex", "US")
    created = api_as(world.bob).post("/api/v1/reservations/", {"account": account.pk})
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["status"] == "active" and body["days_left"] == 89
    assert body["account"] == {"id": account.pk, "name": "Globex"}
    refused = api_as(world.carol).post("/api/v1/reservations/", {"account": account.pk})
    assert refused.status_code == 409
    assert refused.json() == {
        "code": "account_reserved",
        "detail": "Globex is already reserved by another partner.",
        "fields": {},
    }
    assert Reservation.objects.filter(account=account).count() == 1


def test_reserving_a_vendor_owned_account_is_409_account_vendor_owned(world):
    account = make_account(world.admin, "Initech", "US", vendor_owned=True)
    refused = api_as(world.bob).post("/api/v1/reservations/", {"account": account.pk})
    assert refused.status_code == 409 and refused.json()["code"] == "account_vendor_owned"


def test_reserving_a_missing_account_is_404_and_vendor_staff_are_refused_first(world):
    assert api_as(world.bob).post("/api/v1/reservations/", {"account": 99999999}).status_code == 404
    account = make_account(world.admin, "Globex", "US")
    assert api_as(world.admin).post("/api/v1/reservations/", {"account": "x"}).status_code == 403
    assert (
        api_as(world.admin).post("/api/v1/reservations/", {"account": account.pk}).status_code
        == 403
    )


def test_a_partner_never_sees_another_partners_reservation(world):
    account = make_account(world.admin, "Globex", "US")
    reservation = api_as(world.bob).post("/api/v1/reservations/", {"account": account.pk}).json()
    carol = api_as(world.carol)
    assert carol.get(f"/api/v1/reservations/{reservation['id']}/").status_code == 404
    assert carol.post(f"/api/v1/reservations/{reservation['id']}/release/").status_code == 404
    assert carol.get("/api/v1/reservations/").json()["results"] == []
    assert carol.get(f"/api/v1/accounts/{account.pk}/").status_code == 404
    # the partner admin above bob's unit and the vendor admin see it
    assert api_as(world.alice).get(f"/api/v1/reservations/{reservation['id']}/").status_code == 200
    assert api_as(world.admin).get(f"/api/v1/reservations/{reservation['id']}/").status_code == 200
    assert api_as(world.bob).get(f"/api/v1/accounts/{account.pk}/").status_code == 200


def test_a_partner_releases_its_reservation(world):
    account = make_account(world.admin, "Globex", "US")
    reservation = api_as(world.bob).post("/api/v1/reservations/", {"account": account.pk}).json()
    released = api_as(world.bob).post(f"/api/v1/reservations/{reservation['id']}/release/")
    assert released.status_code == 200
    assert released.json()["status"] == "released" and released.json()["days_left"] is None
    again = api_as(world.bob).post(f"/api/v1/reservations/{reservation['id']}/release/")
    assert again.status_code == 409 and again.json()["code"] == "illegal_transition"


def test_lookup_answers_never_name_the_holder(world):
    account = make_account(world.admin, "Globex", "US", ["globex.com"])
    api_as(world.bob).post("/api/v1/reservations/", {"account": account.pk})
    response = api_as(world.carol).get("/api/v1/accounts/lookup/", {"domain": "globex.com"})
    assert response.json()["status"] == "reserved"
    assert "Northwind" not in response.content.decode()
    assert "bob@" not in response.content.decode()


def _queries(client, url) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize("url", ["/api/v1/accounts/", "/api/v1/reservations/"])
def test_the_lists_queries_do_not_grow_with_the_page(world, url):
    admin = api_as(world.admin)

    def add(i: int) -> None:
        account = make_account(world.admin, f"Company {i}", "US", [f"company{i}.com"])
        make_account(world.admin, f"Company {i} Office", "US", parent=account)
        services.reservation_create(actor=world.bob, account=account)

    add(0)
    _queries(admin, url)  # the first request warms caches
    few = _queries(admin, url)
    for i in range(1, 6):
        add(i)
    assert _queries(admin, url) == few


@pytest.mark.parametrize("param", ["q", "domain", "country"])
def test_a_lookup_with_a_null_character_is_refused_not_a_500(world, param):
    query = {"q": "Globex", param: "Glo\x00bex"}
    response = api_as(world.bob).get("/api/v1/accounts/lookup/", query)
    assert response.status_code == 400  # the portal refuses NUL before any view
    assert response.json()["code"] == "invalid"
