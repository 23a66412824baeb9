"""Issue 12, point 6 in the browser (the acceptance's last line): the vendor admin finds two
duplicate customer accounts in the list, opens one, picks the other among the suggested
duplicates, reads what the merge moves and merges them. Screenshots at 1280 and 375 px of
the list, an account's page and the merge confirmation."""

import re
import uuid

import pytest
from django_tenants.utils import schema_context
from playwright.sync_api import expect

from deals import services
from deals.models import CustomerAccount, Reservation
from prm.users.models import User
from tests.browser.test_login import sign_in
from tests.browser.test_mobile_and_a11y import axe_violations
from tests.browser.test_workflow_pages import both_widths

pytestmark = pytest.mark.browser


@pytest.fixture
def duplicates(django_db_blocker):
    """Two accounts of one company (the duplicate with an office and Bob's reservation),
    committed for the portal server; deleted afterwards, with their history."""
    tag = uuid.uuid4().hex[:6]
    with django_db_blocker.unblock(), schema_context("acme"):
        admin = User.objects.get(email="admin@acme.example")
        survivor = services.account_create(
            actor=admin, name=f"Hooli {tag} Corporation", country="US", domains=[f"hooli{tag}.com"]
        )
        duplicate = services.account_create(
            actor=admin, name=f"Hooli {tag} Corp.", country="US", domains=[f"hooli{tag}.us"]
        )
        services.account_create(
            actor=admin, name=f"Hooli {tag} Palo Alto", country="US", parent=duplicate
        )
        services.reservation_create(
            actor=User.objects.get(email="bob@northwind.example"), account=duplicate
        )
        ids = [survivor.pk, duplicate.pk]
    yield tag
    with django_db_blocker.unblock(), schema_context("acme"):
        accounts = CustomerAccount.objects.filter(name__contains=f"Hooli {tag}")
        everyone = list(accounts.values_list("pk", flat=True)) + ids
        reservations = Reservation.objects.filter(account__in=everyone)
        Reservation.history.filter(id__in=list(reservations.values_list("pk", flat=True))).delete()
        reservations.delete()
        for account in CustomerAccount.objects.filter(pk__in=everyone, depth=1):
            account.delete()  # and its offices
        CustomerAccount.objects.filter(pk__in=everyone).delete()
        CustomerAccount.history.filter(id__in=everyone).delete()


@pytest.fixture
def axe_page(browser):
    """A page that may load axe (the CSP would refuse its script)."""
    context = browser.new_context(viewport={"width": 1280, "height": 800}, bypass_csp=True)
    yield context.new_page()
    context.close()


def checked(page, name: str) -> None:
    """No serious accessibility violation (axe), and both widths fit (screenshots)."""
    assert axe_violations(page) == [], name
    both_widths(page, name)


def test_the_vendor_admin_merges_two_duplicate_accounts(axe_page, portal, duplicates):
    tag, page = duplicates, axe_page
    sign_in(page, portal, "acme", "admin@acme.example")
    page.get_by_role("navigation").get_by_role("link", name="Accounts").click()
    page.get_by_placeholder("Search by name or domain").fill(f"Hooli {tag}")
    rows = page.get_by_test_id("account-row")

    def row(name: str):
        first = page.locator("td:first-child > a", has_text=re.compile(f"^{re.escape(name)}$"))
        return rows.filter(has=first)

    expect(rows).to_have_count(3)
    expect(row(f"Hooli {tag} Corp.")).to_contain_text("Northwind Traders")
    expect(row(f"Hooli {tag} Palo Alto")).to_contain_text(f"Hooli {tag} Corp.")  # parent
    checked(page, "accounts-list")

    page.get_by_role("link", name=f"Hooli {tag} Corporation").click()
    expect(page.get_by_test_id("domains")).to_have_text(f"hooli{tag}.com")
    expect(page.get_by_test_id("tree")).to_contain_text("A top-level company")
    expect(page.get_by_test_id("reservations")).to_contain_text("No partner has reserved")
    checked(page, "account-page")

    page.get_by_role("link", name="Merge a duplicate into this account").click()
    checked(page, "account-merge-pick")
    page.get_by_test_id("suggestions").get_by_role("link", name=f"Hooli {tag} Corp.").click()
    confirm = page.get_by_test_id("merge-confirm")
    expect(confirm).to_contain_text(f"hooli{tag}.us")
    expect(confirm).to_contain_text(f"Hooli {tag} Palo Alto")
    expect(confirm).to_contain_text("Northwind Traders")
    expect(confirm).to_contain_text(f"Hooli {tag} Corp. then disappears")
    checked(page, "account-merge-confirm")

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name=f"Merge and remove Hooli {tag} Corp.").click()
    expect(
        page.get_by_text(f"Hooli {tag} Corp. was merged into Hooli {tag} Corporation.")
    ).to_be_visible()
    expect(page.get_by_test_id("domains")).to_contain_text(f"hooli{tag}.us")
    expect(page.get_by_test_id("tree")).to_contain_text(f"Hooli {tag} Palo Alto")
    expect(page.get_by_test_id("reservations")).to_contain_text("Northwind Traders")

    page.get_by_role("link", name="All accounts").click()
    page.get_by_placeholder("Search by name or domain").fill(f"Hooli {tag}")
    expect(rows).to_have_count(2)
    expect(row(f"Hooli {tag} Corp.")).to_have_count(0)
    expect(row(f"Hooli {tag} Palo Alto")).to_contain_text(f"Hooli {tag} Corporation")


def test_the_vendor_admin_reads_the_reservation_policy_and_a_bad_value_is_refused_beside_it(
    axe_page, portal
):
    page = axe_page
    sign_in(page, portal, "acme", "admin@acme.example")
    page.goto(portal.format(host="acme") + "/accounts/")
    page.get_by_role("link", name="Reservation policy").click()
    form = page.get_by_test_id("policy-form")
    expect(form.get_by_label("Reserving a company also reserves its offices")).to_be_visible()
    period = form.get_by_label("A reservation lasts (days)")
    kept = period.input_value()
    period.fill("0")
    period.press("Enter")  # Enter in a text box decides nothing
    expect(period).to_have_value("0")
    form.get_by_role("button", name="Save the policy").click()
    expect(form.get_by_text("A reservation lasts between 1 and 730 days.")).to_be_visible()
    expect(form.get_by_label("A reservation lasts (days)")).to_have_attribute(
        "aria-invalid", "true"
    )
    checked(page, "reservation-policy-error")
    page.goto(portal.format(host="acme") + "/settings/reservations/")
    expect(page.get_by_label("A reservation lasts (days)")).to_have_value(kept)
