"""Exchange rates (incentives issue, point 2: an amount in another currency than the
program's is converted when the tenant has a rate, refused otherwise): a rate is history
(a new rate is a new row), the rate in force on a day is the newest from that day or
before, A -> B converts at rate(A) / rate(B) rounded half up to cents; fund requests and
claims in EUR are converted before their checks and keep what the partner entered; without
a rate they are refused beside their currency and store nothing; the ROI figures count a
EUR deal once a rate is set; finance and admins set rates on their page and through the
API, partners never see them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import DatabaseError, transaction
from django.utils import timezone

from incentives import claims
from incentives.claims import claim_file
from incentives.models import ActivityFigures, ExchangeRate, MdfClaim, MdfRequest
from incentives.rates import convert, rate_on, rate_set
from incentives.requests import mdf_request_approve, mdf_request_create
from prm.errors import Conflict, Forbidden, Invalid
from prm.money import Money
from prm.tenancy.context import current_tenant
from prm.users.models import User
from tests.deals.test_deals import shop
from tests.incentives.test_claims import approved, invoice, proofs, stored
from tests.incentives.test_requests import fields, funds

__all__ = ["approved", "funds", "shop"]  # the fixtures, imported for these tests

D = Decimal


@pytest.fixture
def world(module_world):
    return module_world


@pytest.fixture(autouse=True)
def no_rates(world):
    """No exchange rate yet (the demo's, removed in the test's transaction): each test sets
    the rates it needs."""
    from tests.conftest import append_only_emptied

    append_only_emptied("incentives_exchangerate")


@pytest.fixture
def home(world) -> str:
    return current_tenant().currency


@pytest.fixture
def other(home) -> str:
    """A currency that is not the tenant's (EUR, or GBP for a EUR tenant)."""
    return "EUR" if home != "EUR" else "GBP"


@pytest.fixture
def finance(world) -> User:
    return User.objects.get(email="finance@acme.example")


def today() -> dt.date:
    return timezone.localdate()


def days_ago(n: int) -> dt.date:
    return today() - dt.timedelta(days=n)


# --- the rate table and the conversion ----------------------------------------------------


def test_the_rate_in_force_on_a_day_is_the_newest_from_that_day_or_before(
    world, finance, home, other
):
    assert rate_on(other, today()) is None
    rate_set(actor=finance, currency=other, rate=D("1.08"), effective_from=days_ago(30))
    rate_set(actor=world.admin, currency=other, rate=D("1.10"), effective_from=days_ago(10))
    rate_set(
        actor=finance, currency=other, rate=D("1.20"), effective_from=today() + dt.timedelta(1)
    )
    assert rate_on(other, days_ago(31)) is None
    assert rate_on(other, days_ago(30)) == D("1.08")
    assert rate_on(other, days_ago(11)) == D("1.08")
    assert rate_on(other, days_ago(10)) == D("1.10")
    assert rate_on(other, today()) == D("1.10")  # tomorrow's is not in force yet
    assert rate_on(home, days_ago(400)) == 1  # the tenant's own currency
    assert ExchangeRate.objects.filter(currency=other).count() == 3  # kept as history


def test_a_conversion_is_rate_a_over_rate_b_rounded_half_up_to_cents(world, finance, home):
    rate_set(
        actor=finance,
        currency="EUR" if home != "EUR" else "GBP",
        rate=D("1.085"),
        effective_from=days_ago(1),
    )
    rate_set(actor=finance, currency="JPY", rate=D("0.0067"), effective_from=days_ago(1))
    eur = "EUR" if home != "EUR" else "GBP"
    done = convert(Money(D("2000.00"), eur), home, on=today())
    assert (done.money, done.rate, done.original) == (
        Money(D("2170.00"), home),
        D("1.08500000"),
        Money(D("2000.00"), eur),
    )
    # 0.05 x 1.085 = 0.05425 -> 0.05; 0.10 x 1.085 = 0.1085 -> 0.11 (half up)
    assert convert(Money(D("0.05"), eur), home, on=today()).money.amount == D("0.05")
    assert convert(Money(D("0.10"), eur), home, on=today()).money.amount == D("0.11")
    assert convert(Money(D("0.50"), "JPY"), home, on=today()).money.amount == D("0.00")
    # Between two foreign currencies: rate(A) / rate(B).
    cross = convert(Money(D("100000"), "JPY"), eur, on=today())
    assert cross.money == Money(D("617.51"), eur)  # 100,000 x 0.0067 / 1.085 = 617.5115...
    assert cross.rate == D("0.00617512")
    same = convert(Money(D("12.34"), home), home, on=today())
    assert (same.money, same.rate, same.changed) == (Money(D("12.34"), home), 1, False)


def test_a_missing_rate_is_refused_beside_the_currency_with_a_clear_error(world, home, other):
    with pytest.raises(Invalid) as refused:
        convert(Money(D("10"), other), home, on=today())
    assert refused.value.message_dict == {
        "currency": [
            f"No exchange rate from {other} to {home} is set: enter the amount in {home}, or "
            "ask finance to add the rate."
        ]
    }


@pytest.mark.parametrize(
    ("currency", "rate", "effective_from", "field"),
    [
        ("XYZ", D("1.1"), 0, "currency"),
        ("", D("1.1"), 0, "currency"),
        ("HOME", D("1.1"), 0, "currency"),
        ("OTHER", D("0"), 0, "rate"),
        ("OTHER", D("-1.2"), 0, "rate"),
        ("OTHER", D("1.123456789"), 0, "rate"),
        ("OTHER", None, 0, "rate"),
        ("OTHER", D("1.1"), None, "effective_from"),
    ],
)
def test_a_bad_rate_is_refused_beside_its_field_and_nothing_is_stored(
    world, finance, home, other, currency, rate, effective_from, field
):
    code = {"HOME": home, "OTHER": other}.get(currency, currency)
    day = None if effective_from is None else days_ago(effective_from)
    with pytest.raises(Invalid) as refused:
        rate_set(actor=finance, currency=code, rate=rate, effective_from=day)
    assert set(refused.value.message_dict) == {field}
    assert not ExchangeRate.objects.exists()


def test_a_second_rate_for_the_same_currency_and_day_is_refused_and_a_rate_is_never_edited(
    world, finance, other
):
    first = rate_set(actor=finance, currency=other, rate=D("1.1"), effective_from=today())
    with pytest.raises(Invalid) as refused:
        rate_set(actor=world.admin, currency=other.lower(), rate=D("1.2"), effective_from=today())
    assert "already set" in refused.value.message_dict["effective_from"][0]
    assert list(ExchangeRate.objects.values_list("rate", flat=True)) == [D("1.1")]
    with pytest.raises(DatabaseError), transaction.atomic():
        ExchangeRate.objects.filter(pk=first.pk).update(rate=D("9"))
    with pytest.raises(DatabaseError), transaction.atomic():
        ExchangeRate.objects.filter(pk=first.pk).delete()
    [record] = first.history.all()
    assert (record.history_user, record.history_change_reason) == (
        finance,
        f"rate set: 1 {other} = 1.1 {current_tenant().currency}",
    )


def test_only_finance_and_vendor_admins_set_rates(world, other):
    for actor in (world.cam_emea, world.bob, world.alice):
        with pytest.raises(Forbidden):
            rate_set(actor=actor, currency=other, rate=D("1.1"), effective_from=today())
    assert not ExchangeRate.objects.exists()


# --- fund requests and claims in another currency ------------------------------------------


def test_a_request_in_eur_is_converted_before_its_checks_and_keeps_what_was_entered(
    world, finance, funds, home, other
):
    rate_set(actor=finance, currency=other, rate=D("1.085"), effective_from=days_ago(3))
    request = mdf_request_create(
        actor=world.bob,
        fund=funds["bob"],
        **fields(requested_amount=D("2000.00"), partner_contribution=D("500.00")),
        currency=other,
    )
    assert (request.currency, request.requested_amount, request.partner_contribution) == (
        home,
        D("2170.00"),
        D("542.50"),
    )
    assert (request.entered_currency, request.entered_amount, request.exchange_rate) == (
        other,
        D("2000.00"),
        D("1.08500000"),
    )
    assert request.expected_pipeline == D("271250.00")  # 250,000 x 1.085
    # The balance is checked in the program's currency: 5,000 covers USD 2,170 ...
    mdf_request_approve(actor=world.cam_emea, request=request)
    funds["bob"].refresh_from_db()
    assert funds["bob"].committed == D("2170.00")
    # ... not EUR 2,830 more (USD 3,070.55 > the 2,830 left).
    bigger = mdf_request_create(
        actor=world.bob,
        fund=funds["bob"],
        **fields(requested_amount=D("2830.00"), partner_contribution=D("0")),
        currency=other,
    )
    with pytest.raises(Conflict):
        mdf_request_approve(actor=world.cam_emea, request=bigger)


def test_a_programs_cap_holds_for_the_converted_amount(world, finance, funds, other):
    from incentives.services import activity_caps_set

    program = funds["bob"].program
    activity_caps_set(actor=world.admin, program=program, caps={"event": (D("2100"), None)})
    rate_set(actor=finance, currency=other, rate=D("1.085"), effective_from=today())
    with pytest.raises(Invalid) as refused:  # EUR 2,000 = 2,170 > 2,100
        mdf_request_create(
            actor=world.bob,
            fund=funds["bob"],
            **fields(requested_amount=D("2000.00")),
            currency=other,
        )
    assert "at most" in refused.value.message_dict["requested_amount"][0]
    assert not MdfRequest.objects.filter(fund=funds["bob"]).exists()


def test_a_request_in_a_currency_without_a_rate_is_refused_and_nothing_is_stored(
    world, funds, home, other
):
    with pytest.raises(Invalid) as refused:
        mdf_request_create(actor=world.bob, fund=funds["bob"], **fields(), currency=other)
    assert refused.value.message_dict["currency"][0].startswith(
        f"No exchange rate from {other} to {home} is set"
    )
    with pytest.raises(Invalid) as unknown:
        mdf_request_create(actor=world.bob, fund=funds["bob"], **fields(), currency="XQZ")
    assert set(unknown.value.message_dict) == {"currency"}
    assert not MdfRequest.objects.filter(fund=funds["bob"]).exists()


def test_a_claim_in_eur_is_converted_and_checked_against_what_is_left(
    world, finance, approved, home, other
):
    rate_set(actor=finance, currency=other, rate=D("1.085"), effective_from=days_ago(3))
    # 3,000 approved: EUR 2,800 = 3,038 is more than is left.
    with pytest.raises(Invalid) as refused:
        claim_file(
            actor=world.bob,
            request=approved,
            amount=Money(D("2800.00"), other),
            files=proofs(),
            **invoice(invoice_total=D("2800.00")),
        )
    assert "is left to claim" in refused.value.message_dict["amount"][0]
    claim = claim_file(
        actor=world.bob,
        request=approved,
        amount=Money(D("2000.00"), other),
        files=proofs(),
        **invoice(invoice_total=D("2300.00")),
    )
    assert (claim.currency, claim.amount) == (home, D("2170.00"))
    assert (claim.entered_currency, claim.entered_amount, claim.exchange_rate) == (
        other,
        D("2000.00"),
        D("1.08500000"),
    )
    assert (claim.invoice_total, claim.invoice_currency) == (D("2300.00"), other)
    assert claims.claimable(approved) == D("830.00")


def test_a_claim_above_its_invoice_is_compared_in_the_currency_it_was_entered_in(
    world, finance, approved, other
):
    rate_set(actor=finance, currency=other, rate=D("1.085"), effective_from=today())
    # EUR 2,100 is above the EUR 2,000 invoice, though USD 2,000 would not be.
    with pytest.raises(Invalid) as refused:
        claim_file(
            actor=world.bob,
            request=approved,
            amount=Money(D("2100.00"), other),
            files=proofs(),
            **invoice(invoice_total=D("2000.00")),
        )
    assert refused.value.message_dict["amount"] == ["A claim is at most the invoice's total."]


def test_the_same_invoice_in_eur_is_claimed_once_whatever_the_rate(world, finance, approved, other):
    rate_set(actor=finance, currency=other, rate=D("1.085"), effective_from=days_ago(3))
    claim_file(
        actor=world.bob,
        request=approved,
        amount=Money(D("1000.00"), other),
        files=proofs(),
        **invoice(invoice_total=D("1000.00")),
    )
    rate_set(actor=finance, currency=other, rate=D("1.12"), effective_from=today())
    with pytest.raises(Conflict) as refused:
        claim_file(
            actor=world.bob,
            request=approved,
            amount=Money(D("1000.00"), other),
            files=proofs(),
            **invoice(invoice_total=D("1000.00"), invoice_number="inv 2026 0042"),
        )
    assert refused.value.error_code == "duplicate_invoice"
    assert f"{other}\N{NO-BREAK SPACE}1,000" in str(refused.value)
    assert MdfClaim.objects.filter(request=approved).count() == 1


def test_a_claim_in_a_currency_without_a_rate_is_refused_and_stores_nothing(
    world, approved, home, other
):
    with pytest.raises(Invalid) as refused:
        claim_file(
            actor=world.bob,
            request=approved,
            amount=Money(D("2000.00"), other),
            files=proofs(),
            **invoice(),
        )
    assert refused.value.message_dict["currency"][0].startswith(
        f"No exchange rate from {other} to {home} is set"
    )
    assert not MdfClaim.objects.filter(request=approved).exists()
    assert stored(approved) == []


# --- ROI ----------------------------------------------------------------------------------


def test_a_eur_deal_counts_on_the_roi_pages_once_a_rate_is_set_and_not_before(
    world, finance, shop, approved, home, other, django_capture_on_commit_callbacks
):
    from deals import services as deal_services
    from deals.models import Product
    from deals.services import LineIn
    from incentives import roi
    from tests.deals.conftest import make_account
    from tests.deals.test_deals import close_date

    euro_fw = Product.objects.create(
        sku="T-FW-100-EU",
        name="Firewall 100 (EU)",
        line=shop.fw.line,
        list_price=900,
        currency=other,
    )

    def registered(name: str, amount: str, currency: str):
        made = deal_services.deal_create(
            actor=world.bob,
            account=make_account(world.admin, f"{name} AG", "DE", []),
            name=name,
            lines=[LineIn(shop.fw if currency == home else euro_fw, 1, D(amount))],
            currency=currency,
            expected_close_date=close_date(),
            campaign_code="RS-MUC-27",
        )
        with django_capture_on_commit_callbacks(execute=True):
            return deal_services.deal_submit(actor=world.bob, deal=made)

    registered("Roadshow lead", "10000", home)
    registered("Munich lead", "20000", other)
    figures = ActivityFigures.objects.get(request=approved)
    assert (figures.sourced_pipeline, figures.sourced_deals, figures.other_currency_deals) == (
        D("10000"),
        1,
        1,
    )
    activity_page = f"/funds/results/activities/{approved.pk}/"
    left_out = browser_as(finance).get(activity_page).content.decode()
    assert "1 attributed deal is not counted: no exchange rate is set for its currency." in (
        left_out
    )
    assert "Add the rate" in left_out
    rate_set(actor=finance, currency=other, rate=D("1.0851"), effective_from=days_ago(2))
    assert (
        'data-testid="roi-left-out"' not in browser_as(finance).get(activity_page).content.decode()
    )
    figures.refresh_from_db()  # set in the rate's own transaction: current on the next read
    assert (figures.sourced_pipeline, figures.sourced_deals, figures.other_currency_deals) == (
        D("31702.00"),  # 10,000 + 20,000 x 1.0851
        2,
        0,
    )
    [row] = roi.roi_rows(world.cam_emea, by="activity")
    assert row.sourced_pipeline == D("31702.00")
    # A later rate, in force from tomorrow, changes nothing today.
    rate_set(
        actor=finance, currency=other, rate=D("2"), effective_from=today() + dt.timedelta(days=1)
    )
    figures.refresh_from_db()
    assert figures.sourced_pipeline == D("31702.00")


# --- the page -----------------------------------------------------------------------------


def browser_as(user):
    from django.test import Client

    from tests.conftest import ACME_HOST

    client = Client(HTTP_HOST=ACME_HOST)
    client.force_login(user)
    return client


def test_finance_adds_a_rate_on_the_page_and_sees_it_in_force_and_in_the_history(
    world, finance, home, other
):
    page = browser_as(finance)
    empty = page.get("/funds/rates/")
    assert empty.status_code == 200
    html = empty.content.decode()
    assert 'data-testid="rates-empty"' in html
    assert "No exchange rate is set yet" in html
    assert f'<option value="{other}">' in html and f'<option value="{home}">' not in html
    assert 'data-confirm="Save this rate?' in html and "data-no-enter-submit" in html
    done = page.post(
        "/funds/rates/",
        {"currency": other, "rate": "1.0850", "effective_from": days_ago(3).isoformat()},
        follow=True,
    )
    html = done.content.decode()
    assert done.redirect_chain == [("/funds/rates/", 302)]
    assert f"1 {other} = 1.0850 {home} from" in html
    assert html.count('data-testid="rate-in-force"') == 1
    assert ExchangeRate.objects.get(currency=other).set_by == finance
    assert browser_as(world.admin).get("/funds/rates/").status_code == 200


@pytest.mark.parametrize(
    ("posted", "field", "words"),
    [
        ({"currency": "ZZZ"}, "currency", "Choose a currency from the list"),
        ({"currency": "HOME"}, "currency", "it is your own currency"),
        ({"rate": "0"}, "rate", "Enter a rate above zero."),
        ({"rate": "-1"}, "rate", "Enter a rate above zero."),
        ({"rate": "abc"}, "rate", "Enter the rate as a number"),
        ({"effective_from": ""}, "effective_from", "Enter the day the rate is in force from."),
        ({"effective_from": "TAKEN"}, "effective_from", "is already set"),
    ],
)
def test_a_bad_rate_on_the_page_is_shown_beside_its_field_and_saves_nothing(
    world, finance, home, other, posted, field, words
):
    rate_set(actor=finance, currency=other, rate=D("1.1"), effective_from=days_ago(5))
    data = {"currency": other, "rate": "1.2", "effective_from": today().isoformat(), **posted}
    data["currency"] = {"HOME": home}.get(data["currency"], data["currency"])
    if data["effective_from"] == "TAKEN":
        data["effective_from"] = days_ago(5).isoformat()
    response = browser_as(finance).post("/funds/rates/", data)
    assert response.status_code == 400
    form = response.context["form"]
    assert words in " ".join(form.errors[field])
    assert set(form.errors) == {field}
    assert ExchangeRate.objects.count() == 1
    html = response.content.decode()
    assert words.replace("'", "&#x27;") in html  # beside the field, on the page


def test_the_rates_page_and_its_link_are_for_finance_and_admins_only(world, finance):
    from prm.portal.navigation import items_for

    for user in (world.bob, world.alice, world.cam_emea):
        assert browser_as(user).get("/funds/rates/").status_code == 404
        assert browser_as(user).post("/funds/rates/", {"currency": "EUR"}).status_code == 404
        assert "/funds/rates/" not in [i["url"] for i in items_for(user, "/")]
    assert "/funds/rates/" in [i["url"] for i in items_for(finance, "/")]
    programs = browser_as(world.admin).get("/funds/").content.decode()
    assert 'data-testid="rates-link"' in programs
    assert (
        'data-testid="rates-link"' not in browser_as(world.cam_emea).get("/funds/").content.decode()
    )
    assert not ExchangeRate.objects.exists()


# --- the API ------------------------------------------------------------------------------

RATES = "/api/v1/mdf/rates/"


def test_finance_adds_a_rate_through_the_api_and_vendor_staff_read_them(
    world, finance, home, other
):
    from tests.partners.conftest import api_as

    made = api_as(finance).post(
        RATES, {"currency": other, "rate": "1.0850", "effective_from": today().isoformat()}
    )
    assert made.status_code == 201, made.content
    body = made.json()
    assert {k: body[k] for k in ("currency", "rate", "home_currency", "effective_from")} == {
        "currency": other,
        "rate": "1.08500000",
        "home_currency": home,
        "effective_from": today().isoformat(),
    }
    assert body["set_by"] == {"id": finance.pk, "name": finance.email}
    listed = api_as(world.cam_emea).get(RATES)
    assert listed.status_code == 200
    assert [r["id"] for r in listed.json()["results"]] == [body["id"]]


def test_the_rates_api_refuses_bad_rates_cam_writes_and_shows_partners_nothing(
    world, finance, home, other
):
    from tests.incentives.test_api import assert_error
    from tests.partners.conftest import api_as

    client = api_as(finance)
    assert_error(
        client.post(RATES, {"currency": home, "rate": "1", "effective_from": today().isoformat()}),
        400,
        "invalid",
        {"currency"},
    )
    assert_error(
        client.post(RATES, {"currency": other, "rate": "0", "effective_from": today().isoformat()}),
        400,
        "invalid",
        {"rate"},
    )
    assert_error(
        client.post(RATES, {"currency": other}), 400, "invalid", {"rate", "effective_from"}
    )
    good = {"currency": other, "rate": "1.1", "effective_from": today().isoformat()}
    assert_error(api_as(world.cam_emea).post(RATES, good), 403, "permission_denied")
    assert_error(api_as(world.carol).post(RATES, good), 403, "permission_denied")
    assert not ExchangeRate.objects.exists()
    assert client.post(RATES, good).status_code == 201
    assert_error(client.post(RATES, good), 400, "invalid", {"effective_from"})
    for stranger in (world.carol, world.bob):
        seen = api_as(stranger).get(RATES)
        assert seen.status_code == 200 and seen.json()["results"] == []


def test_a_request_and_a_claim_through_the_api_show_what_was_entered_and_the_rate(
    world, finance, approved, home, other
):
    from tests.incentives.test_api import assert_error, request_body
    from tests.incentives.test_claims_api import claim_body, post
    from tests.partners.conftest import api_as

    bob = api_as(world.bob)
    asked = request_body(approved.fund, currency=other, requested_amount="1000.00")
    refused = bob.post("/api/v1/mdf/requests/", asked)
    assert assert_error(refused, 400, "invalid", {"currency"})["fields"]["currency"][0] == (
        f"No exchange rate from {other} to {home} is set: enter the amount in {home}, or ask "
        "finance to add the rate."
    )
    refused = post(bob, claim_body(approved, currency=other))
    assert_error(refused, 400, "invalid", {"currency"})
    assert not MdfClaim.objects.filter(request=approved).exists() and stored(approved) == []

    rate_set(actor=finance, currency=other, rate=D("1.085"), effective_from=today())
    made = bob.post("/api/v1/mdf/requests/", asked)
    assert made.status_code == 201, made.content
    body = made.json()
    assert {k: body[k] for k in ("currency", "requested_amount")} == {
        "currency": home,
        "requested_amount": "1085.00",
    }
    assert {k: body[k] for k in ("entered_currency", "entered_amount", "exchange_rate")} == {
        "entered_currency": other,
        "entered_amount": "1000.00",
        "exchange_rate": "1.08500000",
    }
    claimed = post(bob, claim_body(approved, currency=other.lower()))
    assert claimed.status_code == 201, claimed.content
    body = claimed.json()
    assert {
        k: body[k]
        for k in (
            "currency",
            "amount",
            "entered_currency",
            "entered_amount",
            "exchange_rate",
            "invoice_total",
            "invoice_currency",
        )
    } == {
        "currency": home,
        "amount": "2170.00",
        "entered_currency": other,
        "entered_amount": "2000.00",
        "exchange_rate": "1.08500000",
        "invoice_total": "2400.00",
        "invoice_currency": other,
    }
    same = api_as(world.bob).get(f"/api/v1/mdf/claims/{body['id']}/").json()
    assert same["entered_amount"] == "2000.00"


# --- the request and claim forms ----------------------------------------------------------


def test_the_request_form_offers_the_currencies_with_a_rate_and_the_page_shows_both_amounts(
    world, finance, funds, home, other
):
    page = browser_as(world.bob)
    assert 'name="currency"' not in page.get("/funds/requests/new/").content.decode()
    rate_set(actor=finance, currency=other, rate=D("1.085"), effective_from=today())
    html = page.get("/funds/requests/new/").content.decode()
    assert f'<option value="{home}" selected>{home}</option>' in html
    assert f'<option value="{other}">{other}</option>' in html
    start = today() + dt.timedelta(days=20)
    data = {
        "fund": funds["bob"].pk,
        "activity_type": "event",
        "title": "Roadshow Lyon",
        "starts_on": start.isoformat(),
        "ends_on": start.isoformat(),
        "currency": other,
        "requested_amount": "2000",
        "action": "submit",
    }
    refused = page.post("/funds/requests/new/", {**data, "currency": "JPY"})
    assert refused.status_code == 400
    assert refused.context["form"].errors["currency"] == ["Choose one of the currencies listed."]
    done = page.post("/funds/requests/new/", data)
    made = MdfRequest.objects.get(fund=funds["bob"], title="Roadshow Lyon")
    assert done.status_code == 302
    assert (made.requested_amount, made.entered_amount, made.entered_currency) == (
        D("2170.00"),
        D("2000.00"),
        other,
    )
    shown = page.get(f"/funds/requests/{made.pk}/").content.decode()
    assert 'data-testid="request-entered"' in shown
    assert f"{other}\N{NO-BREAK SPACE}2,000 at 1.0850 = {home}\N{NO-BREAK SPACE}2,170" in shown


def test_the_claim_form_offers_the_currencies_with_a_rate_and_the_claim_page_shows_both(
    world, finance, approved, home, other
):
    from tests.incentives.test_claim_pages import post_claim

    page = browser_as(world.bob)
    assert (
        'name="currency"' not in page.get(f"/funds/requests/{approved.pk}/claim/").content.decode()
    )
    rate_set(actor=finance, currency=other, rate=D("1.085"), effective_from=today())
    form = page.get(f"/funds/requests/{approved.pk}/claim/").content.decode()
    assert f'<option value="{other}">{other}</option>' in form
    done = post_claim(page, approved, currency=other, amount="1000.00")
    claim = MdfClaim.objects.get(request=approved)
    assert done.status_code == 302
    assert (claim.amount, claim.entered_amount, claim.entered_currency) == (
        D("1085.00"),
        D("1000.00"),
        other,
    )
    shown = page.get(f"/funds/claims/{claim.pk}/").content.decode()
    assert f"{other}\N{NO-BREAK SPACE}1,000 at 1.0850 = {home}\N{NO-BREAK SPACE}1,085" in shown
    staff = browser_as(world.cam_emea).get(f"/funds/claims/{claim.pk}/").content.decode()
    assert 'data-testid="claim-entered"' in staff


# --- allocation by a rule -----------------------------------------------------------------


def test_a_rules_won_revenue_in_another_currency_counts_once_it_has_a_rate(world, finance):
    from deals.models import Deal
    from incentives import services
    from tests.incentives.test_allocations import SINCE, UNTIL, _partners_with_deals, _won

    admin = User.objects.get(email="admin@acme.example")
    program = services.program_create(
        actor=admin,
        name="2031 Q2 MDF",
        period_kind="quarter",
        starts_on=dt.date(2031, 4, 1),
        ends_on=dt.date(2031, 6, 30),
        currency=current_tenant().currency,
        budget=D("100000"),
    )
    [partner] = _partners_with_deals(1)
    _won(partner, "40000.00", "10000.00")
    euro_deal = Deal.objects.filter(partner=partner).order_by("pk")[1]
    Deal.objects.filter(pk=euro_deal.pk).update(currency="CHF")

    def preview():
        rows = services.allocation_preview(
            program=program, percent=D("5"), since=SINCE, until=UNTIL
        )
        return [(r.partner, r.won, r.amount) for r in rows if r.partner == partner]

    assert preview() == [(partner, D("40000.00"), D("2000.00"))]  # CHF 10,000 left out
    rate_set(actor=finance, currency="CHF", rate=D("1.1234"), effective_from=today())
    assert preview() == [(partner, D("51234.00"), D("2561.70"))]  # + CHF 10,000 x 1.1234
