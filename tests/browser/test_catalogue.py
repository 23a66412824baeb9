"""Issue 13, point 1 in the browser: the vendor admin finds a product in the catalogue by
its SKU, edits it (a negative price is refused beside the price, what was typed stays),
saves it and deactivates it after confirming. Screenshots at 1280 and 375 px of the
product list and of the edit form; neither scrolls sideways at 375."""

from decimal import Decimal

import pytest
from django_tenants.utils import schema_context
from playwright.sync_api import expect

from deals import services
from deals.models import Product, ProductLine
from prm.users.models import User
from tests.browser.test_login import sign_in
from tests.browser.test_workflow_pages import both_widths

pytestmark = pytest.mark.browser

SKU = "BT-ROUTER-77"


def _forget() -> None:
    products = Product.objects.filter(sku=SKU)
    Product.history.filter(sku=SKU).delete()
    products.delete()


@pytest.fixture
def router(django_db_blocker):
    """A product of acme's Firewalls line, added by the vendor admin; deleted afterwards."""
    with django_db_blocker.unblock(), schema_context("acme"):
        _forget()
        services.product_create(
            actor=User.objects.get(email="admin@acme.example"),
            sku=SKU,
            name="Sentinel Test Router 77",
            line=ProductLine.objects.get(name="Firewalls"),
            list_price=Decimal("3450.00"),
        )
    yield SKU
    with django_db_blocker.unblock(), schema_context("acme"):
        _forget()


def test_the_admin_finds_edits_and_deactivates_a_product(page, portal, router):
    sign_in(page, portal, "acme", "admin@acme.example")
    page.get_by_role("navigation").get_by_role("link", name="Products").click()
    page.get_by_role("heading", name="Products", exact=True).wait_for()
    expect(page.get_by_test_id("product-line").first).to_be_visible()
    expect(page.get_by_role("heading", name="Firewalls")).to_be_visible()
    both_widths(page, "catalogue-products")

    page.get_by_label("Search by SKU or name").fill("bt-router")  # the list follows the typing
    rows = page.get_by_test_id("product-row")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("USD\N{NO-BREAK SPACE}3,450")
    rows.first.get_by_role("link", name="Edit Sentinel Test Router 77").click()

    page.get_by_label("List price").fill("-20")
    page.get_by_label("Name", exact=True).fill("Sentinel Test Router 77 HA")
    page.get_by_label("List price").press("Enter")  # Enter decides nothing
    expect(page.get_by_label("List price")).to_have_value("-20")
    page.get_by_role("button", name="Save the product").click()
    price = page.get_by_label("List price")
    expect(price).to_have_attribute("aria-invalid", "true")  # and the error beside it
    expect(page.get_by_text("The list price cannot be negative.")).to_be_visible()
    expect(page.get_by_label("Name", exact=True)).to_have_value("Sentinel Test Router 77 HA")
    both_widths(page, "catalogue-edit-form-error")

    price.fill("3650")
    page.get_by_role("button", name="Save the product").click()
    expect(page.locator(".alert").first).to_contain_text("Sentinel Test Router 77 HA")
    row = page.get_by_test_id("product-row").filter(has_text=SKU)
    expect(row).to_contain_text("USD\N{NO-BREAK SPACE}3,650")  # back to the filtered list

    dialog = []
    page.once("dialog", lambda d: (dialog.append(d.message), d.accept()))
    row.get_by_role("button", name="Deactivate Sentinel Test Router 77 HA").click()
    expect(page.locator(".alert").first).to_contain_text("is deactivated")
    assert "Partners can no longer register deals for it" in dialog[0]
    expect(page.get_by_test_id("product-row").filter(has_text=SKU)).to_contain_text("Inactive")
    both_widths(page, "catalogue-products-after")
