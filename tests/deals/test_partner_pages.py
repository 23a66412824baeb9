"""Issue 12, point 7: the partner-side pages of customer accounts ("Is this customer
free?", reserving, adding a customer, my reservations), as each persona sees them."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client

from deals import services
from deals.models import CustomerAccount, Reservation, ReservationStatus
from prm.outbox.models import Event
from tests.conftest import ACME_HOST
from tests.deals.conftest import make_account


def browser_as(user) -> Client:
    client = Client(HTTP_HOST=ACME_HOST)
    client.force_login(user)
    return client


def body(response) -> str:
    return response.content.decode()


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


def test_partner_users_see_both_pages_and_the_empty_state_says_what_to_do(world):
    client = browser_as(world.bob)
    assert "Is this customer free?" in body(client.get("/customers/"))
    page = body(client.get("/reservations/"))
    assert 'data-testid="reservations-empty"' in page and "look it up" in page


def test_the_home_page_has_a_lookup_box_that_goes_to_the_customers_page(world):
    page = body(browser_as(world.bob).get("/"))
    assert 'data-testid="home-lookup"' in page and 'action="/customers/"' in page


def test_a_lookup_with_one_character_gives_the_error_beside_the_field(world):
    make_account(world.admin, "Globex Chemicals", "US")
    client = browser_as(world.bob)
    page = body(client.get("/customers/?q=G"))
    assert "Type at least 3 characters" in page and 'data-testid="candidate"' not in page
    fragment = body(client.get("/customers/?q=G", HTTP_HX_REQUEST="true"))
    assert "<html" not in fragment and 'id="lookup-q-error" hx-swap-oob="true"' in fragment
    assert "Type at least 3 characters" in fragment


def test_the_lookup_answers_in_words_and_never_says_who_holds_it(world):
    account = make_account(world.admin, "Globex Chemicals", "US", ["globex.com"])
    services.reservation_create(actor=world.bob, account=account)
    mine = body(browser_as(world.bob).get("/customers/?q=Globex+Chemical&domain=globex.com"))
    assert "Reserved by you" in mine and "Same domain globex.com." in mine
    theirs = body(
        browser_as(world.carol).get("/customers/?q=Globex+Chemicals", HTTP_HX_REQUEST="true")
    )
    assert 'data-testid="candidate-status">Reserved<' in theirs
    assert "Northwind" not in theirs and "bob@" not in theirs
    assert "account-reserve" not in theirs and ">Reserve<" not in theirs


def test_an_open_match_offers_reserve_with_the_period_and_reserving_takes_it(world):
    account = make_account(world.admin, "Initech", "US", ["initech.com"])
    client = browser_as(world.bob)
    page = body(client.get("/customers/?domain=initech.com"))
    assert "for 90 days, until" in page and 'data-confirm="Reserve Initech' in page
    response = client.post("/customers/reserve/", {"account": account.pk}, follow=True)
    assert response.redirect_chain[-1][0] == "/reservations/"
    assert "Initech is reserved for your company" in body(response)
    assert Reservation.objects.get(account=account, status="active").partner == world.berlin


@pytest.mark.parametrize("taken", ["vendor_owned", "reserved"])
def test_reserving_a_vendor_owned_or_taken_account_shows_the_refusal_and_changes_nothing(
    world, taken
):
    if taken == "vendor_owned":
        account = make_account(world.admin, "Umbrella", "US", vendor_owned=True)
        refusal = "the vendor sells to it directly"
    else:
        account = make_account(world.admin, "Umbrella", "US")
        services.reservation_create(actor=world.carol, account=account)
        refusal = "already reserved by another partner"
    before = list(Reservation.objects.values_list("pk", "status", "partner_id"))
    response = browser_as(world.bob).post(
        "/customers/reserve/", {"account": account.pk, "q": "Umbrella"}, follow=True
    )
    assert response.redirect_chain[-1][0].startswith("/customers/?q=Umbrella")
    assert refusal in body(response)
    assert list(Reservation.objects.values_list("pk", "status", "partner_id")) == before


def test_a_query_with_no_match_offers_to_add_the_customer_and_reserves_it(world):
    client = browser_as(world.bob)
    page = body(client.get("/customers/?q=Brand+New+Robotics&country=DE"))
    assert 'data-testid="add-form"' in page and "No known customer matches" in page
    response = client.post(
        "/customers/add/",
        {"add-name": "Brand New Robotics", "add-domains": "www.brandnew.de", "add-country": "DE"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == "/reservations/"
    account = CustomerAccount.objects.get(name="Brand New Robotics")
    assert [d.domain for d in account.domains.all()] == ["brandnew.de"]
    assert Reservation.objects.get(account=account).reserved_by == world.bob


def test_adding_a_customer_without_country_or_with_a_taken_domain_changes_nothing(world):
    make_account(world.admin, "Hooli", "US", ["hooli.com"])
    client = browser_as(world.bob)
    count = CustomerAccount.objects.count()
    page = body(client.post("/customers/add/", {"add-name": "Pied Piper", "add-country": ""}))
    assert "Choose the customer&#x27;s country." in page and "Pied Piper" in page
    page = body(
        client.post(
            "/customers/add/",
            {"add-name": "Hooli Europe", "add-domains": "hooli.com", "add-country": "IE"},
        )
    )
    assert "already known" in page and "Hooli" in page
    assert CustomerAccount.objects.count() == count


def test_the_lookups_rate_limit_is_a_message_not_an_error(world, monkeypatch):
    from deals import selectors

    client = browser_as(world.bob)
    monkeypatch.setattr(selectors, "LOOKUP_RATE", "2/m")
    for _ in range(2):
        assert client.get("/customers/?q=anything").status_code == 200
    response = client.get("/customers/?q=anything", HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "Too many lookups" in body(response)


def test_my_reservations_lists_active_first_with_days_left_then_ended(world):
    first = make_account(world.admin, "Alpha Industries", "US")
    second = make_account(world.admin, "Beta Logistics", "US")
    services.reservation_create(actor=world.bob, account=first)
    ended = services.reservation_create(actor=world.bob, account=second)
    services.reservation_release(actor=world.bob, reservation=ended)
    page = body(browser_as(world.bob).get("/reservations/"))
    assert page.index("Alpha Industries") < page.index("Beta Logistics")
    assert "89 days" in page or "90 days" in page
    assert "Released" in page and 'data-testid="ended-reservations"' in page


def test_release_and_extension_from_my_reservations(world):
    account = make_account(world.admin, "Gamma Foods", "US")
    reservation = services.reservation_create(actor=world.bob, account=account)
    client = browser_as(world.bob)
    page = body(client.get("/reservations/"))
    assert "Ask for an extension" in page and "channel team" in page
    response = client.post(f"/reservations/{reservation.pk}/extend/", follow=True)
    assert "went to the channel team" in body(response)
    assert 'data-testid="extension-pending"' in body(response)
    assert Event.objects.filter(type="reservation.extension_requested").count() == 1
    again = body(client.post(f"/reservations/{reservation.pk}/extend/", follow=True))
    assert "asked for already" in again
    response = client.post(f"/reservations/{reservation.pk}/release/", follow=True)
    assert "Released Gamma Foods" in body(response)
    reservation.refresh_from_db()
    assert reservation.status == ReservationStatus.RELEASED


def test_carol_never_sees_northwinds_reservation(world):
    account = make_account(world.admin, "Delta Dental", "US")
    reservation = services.reservation_create(actor=world.bob, account=account)
    carol = browser_as(world.carol)
    assert "Delta Dental" not in body(carol.get("/reservations/"))
    assert carol.post(f"/reservations/{reservation.pk}/release/").status_code == 404
    assert carol.post(f"/reservations/{reservation.pk}/extend/").status_code == 404
    reservation.refresh_from_db()
    assert reservation.status == ReservationStatus.ACTIVE
    assert not Event.objects.filter(type="reservation.extension_requested").exists()


def test_vendor_staff_have_no_partner_pages(world):
    assert browser_as(world.admin).get("/reservations/").status_code == 404
    assert browser_as(world.admin).post("/customers/reserve/", {"account": 1}).status_code == 404


def test_a_free_email_domain_is_refused_beside_its_field_and_nothing_is_added(world):
    count = CustomerAccount.objects.count()
    page = body(
        browser_as(world.bob).post(
            "/customers/add/",
            {
                "add-name": "Jane Doe Consulting",
                "add-domains": "jane@gmail.com",
                "add-country": "GB",
            },
        )
    )
    assert "gmail.com is a free e-mail provider" in page
    assert 'aria-invalid="true"' in page and 'value="Jane Doe Consulting"' in page
    assert CustomerAccount.objects.count() == count


def test_reserving_twice_says_it_is_yours_already(world):
    account = make_account(world.admin, "Soylent", "US")
    client = browser_as(world.bob)
    client.post("/customers/reserve/", {"account": account.pk})
    page = body(client.post("/customers/reserve/", {"account": account.pk}, follow=True))
    assert "You have already reserved Soylent." in page
    assert Reservation.objects.filter(account=account).count() == 1
