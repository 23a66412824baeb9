"""Issue 13, point 1 in the browser: the vendor admin finds a product in the catalogue by
its SKU, edits it (a negative price is refused beside the price, what was typed stays),
saves it and deactivates it after confirming; an import's preview lists each row's fate
and its problems. Screenshots at 1280 and 375 px of the product list, the edit form and
the import preview; none scrolls sideways at 375."""

from decimal import Decimal

import pytest
from django_tenants.utils import schema_context
from playwright.sync_api import expect

from deals import services
from deals.models import Product, ProductLine
from prm.users.models import User
from tests.browser.test_login import sign_in
from tests.browser.test_mobile_and_a11y import axe_violations, signed_in
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


def test_the_import_preview_lists_each_rows_fate_and_writes_nothing(
    page, portal, tmp_path, django_db_blocker
):
    upload = tmp_path / "products.csv"
    upload.write_text(
        "sku,name,product line,list price,currency,minimum tier,required certification,active\n"
        "FW-1100,Sentinel FW-1100 Branch Firewall,Firewalls,1450.00,USD,,,yes\n"
        "BT-WIFI-1,Test Access Point,Test Wireless,320,,Silver,,yes\n"
        "BT-WIFI-2,Test Access Point Pro,Test Wireless,-5,USD,Diamond,,maybe\n"
    )
    sign_in(page, portal, "acme", "admin@acme.example")
    page.goto(portal.format(host="acme") + "/products/")
    page.get_by_role("link", name="Import from CSV").click()
    page.get_by_label("File").set_input_files(str(upload))
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_test_id("import-failed")).to_contain_text("Nothing was imported")
    errors = page.get_by_test_id("import-errors")
    expect(errors).to_contain_text("minimum tier")
    expect(errors).to_contain_text("The list price cannot be negative.")
    rows = page.get_by_test_id("import-row")
    expect(rows.nth(0)).to_contain_text("unchanged")
    expect(rows.nth(1)).to_contain_text("new product line Test Wireless")
    expect(page.get_by_role("button", name="Import all rows")).to_have_count(0)
    both_widths(page, "catalogue-import-preview")
    with django_db_blocker.unblock(), schema_context("acme"):
        assert not ProductLine.objects.filter(name="Test Wireless").exists()


def test_axe_finds_no_serious_violation_on_the_catalogue_pages(browser, portal, router):
    context, page = signed_in(browser, portal, "acme", "admin@acme.example", 1280, axe=True)
    try:
        base = portal.format(host="acme")
        page.goto(base + "/products/?q=bt-router")
        edit = page.get_by_role("link", name="Edit Sentinel Test Router 77").get_attribute("href")
        line = page.get_by_role("link", name="Edit line Firewalls").get_attribute("href")
        found = {}
        for path in ("/products/", edit, "/products/new/", "/products/lines/new/", line):
            page.goto(base + path)
            found[path] = axe_violations(page)
        page.goto(base + "/products/new/")
        page.get_by_label("List price").fill("-1")
        page.get_by_role("button", name="Add the product").click()
        page.get_by_text("The list price cannot be negative.").wait_for()
        found["the form with its errors"] = axe_violations(page)
        found = {path: v for path, v in found.items() if v}
        assert not found, "\n".join(f"{p}: {v}" for p, vs in found.items() for v in vs)
    finally:
        context.close()
