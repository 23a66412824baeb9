"""Issue 12, point 7 in the browser (the acceptance): bob@northwind looks a customer up by a
misspelt name, sees it open, reserves it and sees it in his reservations; carol@contoso
looks it up and sees "reserved" without Northwind's name. Screenshots at 1280 and 375 px
of the lookup and of my reservations; neither scrolls sideways at 375."""

import pytest
from django_tenants.utils import schema_context
from playwright.sync_api import expect

from deals import services
from deals.models import AccountDomain, CustomerAccount, Reservation
from prm.outbox.models import Event
from prm.users.models import User
from tests.browser.conftest import screenshot
from tests.browser.test_login import sign_in
from tests.browser.test_workflow_pages import both_widths

pytestmark = pytest.mark.browser

NAME = "Wingtip Logistics GmbH"


def _forget(accounts) -> None:
    """Delete what the test committed: the account, its reservations, their events and
    history rows."""
    ids = list(accounts.values_list("pk", flat=True))
    reservations = Reservation.objects.filter(account_id__in=ids)
    reservation_ids = [str(pk) for pk in reservations.values_list("pk", flat=True)]
    Event.objects.filter(type__startswith="reservation.", object_id__in=reservation_ids).delete()
    Reservation.history.filter(account_id__in=ids).delete()
    reservations.delete()
    AccountDomain.objects.filter(account_id__in=ids).delete()
    CustomerAccount.history.filter(id__in=ids).delete()
    accounts.delete()


@pytest.fixture
def wingtip(django_db_blocker):
    """An open customer account in acme, added by the vendor admin; deleted afterwards."""
    with django_db_blocker.unblock(), schema_context("acme"):
        _forget(CustomerAccount.objects.filter(name=NAME))
        services.account_create(
            actor=User.objects.get(email="admin@acme.example"),
            name=NAME,
            country="DE",
            domains=["wingtip-logistics.de"],
        )
    yield NAME
    with django_db_blocker.unblock(), schema_context("acme"):
        _forget(CustomerAccount.objects.filter(name=NAME))


def look_up(page, text: str) -> None:
    page.get_by_role("navigation").get_by_role("link", name="Customers").click()
    page.get_by_label("Company name").fill(text)
    expect(page.get_by_test_id("candidate").first).to_be_visible()


def test_bob_reserves_a_customer_found_by_a_misspelt_name_and_carol_sees_it_reserved(
    page, portal, wingtip, browser
):
    sign_in(page, portal, "acme", "bob@northwind.example")
    page.get_by_test_id("home-lookup").wait_for()
    both_widths(page, "customers-home-lookup-box")
    look_up(page, "Wingtp Logistcs")  # misspelt, typed: the answer comes as he types
    candidate = page.get_by_test_id("candidate").filter(has_text=NAME)
    expect(candidate.get_by_test_id("candidate-status")).to_have_text("Open")
    expect(candidate).to_contain_text("after normalisation")
    both_widths(page, "customers-lookup-open")

    dialog = []
    page.once("dialog", lambda d: (dialog.append(d.message), d.accept()))
    candidate.get_by_role("button", name="Reserve").click()
    page.get_by_role("heading", name="My reservations").wait_for()
    assert "for 90 days, until" in dialog[0]
    expect(page.get_by_role("alert").or_(page.locator(".alert")).first).to_contain_text(
        f"{NAME} is reserved for your company"
    )
    row = page.get_by_test_id("reservation").filter(has_text=NAME)
    expect(row).to_contain_text("days")
    expect(row.get_by_role("button", name="Release")).to_be_visible()
    expect(row.get_by_role("button", name="Ask for an extension")).to_be_visible()
    both_widths(page, "customers-my-reservations")

    other = browser.new_page(viewport={"width": 1280, "height": 800})
    try:
        sign_in(other, portal, "acme", "carol@contoso.example")
        look_up(other, "Wingtip Logistics")
        theirs = other.get_by_test_id("candidate").filter(has_text=NAME)
        expect(theirs.get_by_test_id("candidate-status")).to_have_text("Reserved")
        expect(theirs.get_by_role("button", name="Reserve")).to_have_count(0)
        expect(theirs).to_contain_text("Another partner has reserved this customer.")
        results = other.get_by_test_id("lookup-results").inner_text()
        assert "Northwind" not in results and "bob" not in results.lower()
        both_widths(other, "customers-lookup-reserved")
        other.get_by_role("navigation").get_by_role("link", name="My reservations").click()
        expect(other.get_by_text(NAME)).to_have_count(0)
        screenshot(other, "customers-my-reservations-carol")
    finally:
        other.close()

    page.once("dialog", lambda d: (dialog.append(d.message), d.accept()))
    row.get_by_role("button", name="Release").click()
    expect(page.locator(".alert").first).to_contain_text(f"Released {NAME}")
    assert "Any partner can reserve it then" in dialog[-1]
    expect(page.get_by_test_id("ended-reservations")).to_contain_text(NAME)
