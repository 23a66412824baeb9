"""Issue 13, point 1: the product catalogue. Vendor admins keep it in the portal, by CSV
and through the API; every vendor-side user reads it; partner-side users read only the
active products of active lines and change nothing; another tenant sees none of it."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from deals import services
from deals.catalogue_imports import csv_import
from deals.models import DealLine, Product, ProductLine
from incentives.models import SpiffRuleVersion
from partners.models import Certification, Tier
from prm.errors import Forbidden, Invalid
from tests.conftest import ACME_HOST, GLOBEX_HOST, append_only_emptied, token_client
from tests.deals.conftest import api_as


def browser_as(user) -> Client:
    client = Client(HTTP_HOST=ACME_HOST)
    client.force_login(user)
    return client


@pytest.fixture
def catalogue(world):
    """Two lines of the test's own (the demo catalogue is there too)."""
    a = world.admin
    routers = services.product_line_create(actor=a, name="Test Routers")
    legacy = services.product_line_create(actor=a, name="Test Legacy")
    gold = Tier.objects.get(name="Gold")
    r100 = services.product_create(
        actor=a, sku="tr-100", name="Router 100", line=routers, list_price=Decimal("1250")
    )
    r900 = services.product_create(
        actor=a,
        sku="TR-900",
        name="Router 900",
        line=routers,
        list_price=Decimal("19999.50"),
        min_tier=gold,
        required_certification="Certified Network Professional",
    )
    old = services.product_create(
        actor=a, sku="TL-1", name="Old Box", line=legacy, list_price=Decimal("10")
    )
    services.product_line_update(actor=a, line=legacy, fields={"active": False})
    return {"routers": routers, "legacy": legacy, "r100": r100, "r900": r900, "old": old}


def _problems(excinfo) -> dict[str, list[str]]:
    return excinfo.value.message_dict


# --- services ---------------------------------------------------------------------------


def test_a_sku_is_kept_trimmed_and_upper_case_in_the_program_currency(world, catalogue):
    product = catalogue["r100"]
    assert product.sku == "TR-100"
    assert product.currency == "USD"  # acme's program currency
    assert product.history.first().history_user == world.admin


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"sku": " tr-100 "}, "sku", "Another product already has the SKU TR-100"),
        ({"sku": "TR 100"}, "sku", "no spaces"),
        ({"sku": ""}, "sku", "Enter the product's SKU"),
        ({"list_price": Decimal("-1")}, "list_price", "cannot be negative"),
        ({"list_price": Decimal("1.005")}, "list_price", "at most 2 decimals"),
        ({"currency": "XYZ"}, "currency", "XYZ is not a currency code"),
        ({"currency": "us dollars"}, "currency", "is not a currency code"),
        ({"name": "  "}, "name", "Enter the product's name"),
    ],
)
def test_a_product_with_bad_input_is_refused_beside_its_field(
    world, catalogue, fields, field, words
):
    data = {
        "sku": "TR-200",
        "name": "Router 200",
        "line": catalogue["routers"],
        "list_price": Decimal("100"),
    } | fields
    before = Product.objects.count()
    with pytest.raises(Invalid) as excinfo:
        services.product_create(actor=world.admin, **data)
    assert words in " ".join(_problems(excinfo)[field])
    assert Product.objects.count() == before


def test_a_duplicate_sku_from_a_race_is_a_field_error_not_a_crash(world, catalogue, monkeypatch):
    # The check before the insert misses the other request's row: the constraint decides.
    monkeypatch.setattr(
        "deals.services.catalogue.Product.objects.filter",
        lambda *a, **k: Product.objects.none(),
    )
    with pytest.raises(Invalid) as excinfo:
        services.product_create(
            actor=world.admin,
            sku="TR-100",
            name="Again",
            line=catalogue["routers"],
            list_price=Decimal(1),
        )
    assert _problems(excinfo) == {"sku": ["Another product already has the SKU TR-100."]}


def test_updating_a_product_to_another_products_sku_is_refused(world, catalogue):
    with pytest.raises(Invalid) as excinfo:
        services.product_update(
            actor=world.admin, product=catalogue["r900"], fields={"sku": "tr-100"}
        )
    assert "sku" in _problems(excinfo)
    catalogue["r900"].refresh_from_db()
    assert catalogue["r900"].sku == "TR-900"


def test_deactivating_a_line_deactivates_its_products_and_they_cannot_be_activated(
    world, catalogue
):
    old = Product.objects.get(pk=catalogue["old"].pk)
    assert old.active is False
    assert "deactivated with its product line" in old.history.first().history_change_reason
    with pytest.raises(Invalid) as excinfo:
        services.product_update(actor=world.admin, product=old, fields={"active": True})
    assert "Test Legacy is inactive" in _problems(excinfo)["active"][0]
    with pytest.raises(Invalid):
        services.product_create(
            actor=world.admin,
            sku="TL-2",
            name="New old box",
            line=catalogue["legacy"],
            list_price=Decimal(1),
        )
    services.product_line_update(
        actor=world.admin, line=catalogue["legacy"], fields={"active": True}
    )
    services.product_update(actor=world.admin, product=old, fields={"active": True})
    assert Product.objects.get(pk=old.pk).active


def test_a_product_line_name_is_unique_whatever_its_case(world, catalogue):
    with pytest.raises(Invalid) as excinfo:
        services.product_line_create(actor=world.admin, name="test routers")
    assert _problems(excinfo) == {"name": ["There is already a product line named test routers."]}


@pytest.mark.parametrize("who", ["cam_emea", "alice", "bob"])
def test_only_vendor_admins_change_the_catalogue(world, catalogue, who):
    user = getattr(world, who)
    with pytest.raises(Forbidden):
        services.product_create(
            actor=user, sku="X-1", name="X", line=catalogue["routers"], list_price=Decimal(1)
        )
    with pytest.raises(Forbidden):
        services.product_update(actor=user, product=catalogue["r100"], fields={"name": "Y"})
    with pytest.raises(Forbidden):
        services.product_line_create(actor=user, name="Mine")
    with pytest.raises(Forbidden):
        services.product_line_update(actor=user, line=catalogue["routers"], fields={"name": "Z"})


# --- pages ------------------------------------------------------------------------------


def test_the_products_page_groups_products_by_line_with_price_tier_and_certification(
    world, catalogue
):
    response = browser_as(world.admin).get("/products/")
    assert response.status_code == 200
    groups = {g.line.name: [p.sku for p in g.products] for g in response.context["groups"]}
    assert groups["Test Routers"] == ["TR-100", "TR-900"]
    assert groups["Firewalls"]  # the demo catalogue
    page = response.content.decode()
    assert "USD\N{NO-BREAK SPACE}19,999.50" in page
    assert "Certified Network Professional" in page
    assert "Inactive line" in page
    assert 'href="/products/new/"' in page  # the admin's actions
    assert "data-confirm=" in page


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("q=router 9", {"TR-900"}),
        ("q=tr-1", {"TR-100"}),
        ("active=no", {"TL-1"}),
        ("active=yes", {"TR-100", "TR-900"}),
        ("active=maybe", set()),
        ("line=nonsense", set()),
    ],
)
def test_the_filters_narrow_the_list(world, catalogue, query, expected):
    ours = {"TR-100", "TR-900", "TL-1"}
    response = browser_as(world.admin).get(f"/products/?{query}")
    shown = {p.sku for g in response.context["groups"] for p in g.products}
    assert shown & ours == expected


def test_the_line_filter_shows_that_line_only(world, catalogue):
    response = browser_as(world.admin).get(f"/products/?line={catalogue['routers'].pk}")
    assert [g.line.name for g in response.context["groups"]] == ["Test Routers"]


def test_deactivating_a_line_asks_first_counting_all_its_active_products(world, catalogue):
    # Filtered to one of the line's products, the question still counts both.
    page = browser_as(world.admin).get("/products/?q=TR-900").content.decode()
    assert (
        "Deactivate the product line Test Routers? Partners can no longer register its "
        "products: its 2 active products are deactivated too."
    ) in page


def test_the_products_page_reads_the_same_number_of_times_however_many_products(world, catalogue):
    client = browser_as(world.admin)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/products/").status_code == 200
        return len(captured)

    queries()  # the first request also warms the per-process caches
    before = queries()
    for n in range(5):
        services.product_create(
            actor=world.admin,
            sku=f"TR-{500 + n}",
            name=f"Router {500 + n}",
            line=catalogue["routers"],
            list_price=Decimal(10),
            min_tier=Tier.objects.get(name="Silver"),
        )
    assert queries() == before


def test_a_filter_matching_nothing_says_what_to_do(world, catalogue):
    response = browser_as(world.admin).get("/products/?q=no-such-thing")
    assert "No product matches these filters" in response.content.decode()


def test_an_empty_catalogue_tells_the_admin_how_to_fill_it(world):
    # SPIFF rewards hold the demo's deal lines, its rules product lines.
    append_only_emptied("incentives_spiffreward")
    SpiffRuleVersion.objects.all().delete()
    DealLine.objects.all().delete()  # the demo's deals have lines of its catalogue
    Product.objects.all().delete()
    ProductLine.objects.all().delete()
    page = browser_as(world.admin).get("/products/").content.decode()
    assert "The catalogue is empty" in page
    assert "/products/lines/new/" in page and "/products/import/" in page
    cam_page = browser_as(world.cam_emea).get("/products/").content.decode()
    assert "Your vendor admins add the products" in cam_page


def test_a_channel_manager_sees_the_catalogue_but_no_edit_actions_and_cannot_edit(world, catalogue):
    client = browser_as(world.cam_emea)
    response = client.get("/products/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Router 900" in page
    assert "/products/new/" not in page and "Deactivate" not in page
    pk, line = catalogue["r100"].pk, catalogue["routers"].pk
    for url in (
        "/products/new/",
        f"/products/{pk}/edit/",
        "/products/lines/new/",
        f"/products/lines/{line}/edit/",
        "/products/import/",
    ):
        assert client.get(url).status_code == 404, url
        assert client.post(url, {"name": "Hacked"}).status_code == 404, url
    assert client.post(f"/products/{pk}/active/", {"action": "deactivate"}).status_code == 404
    assert client.post(f"/products/lines/{line}/active/").status_code == 404
    assert Product.objects.get(pk=pk).active
    assert client.get("/products/export.csv").status_code == 200  # reading is fine


@pytest.mark.parametrize("who", ["bob", "alice"])
def test_a_partner_user_gets_404_on_every_catalogue_page(world, catalogue, who):
    client = browser_as(getattr(world, who))
    pk, line = catalogue["r100"].pk, catalogue["routers"].pk
    for url in (
        "/products/",
        "/products/export.csv",
        "/products/new/",
        f"/products/{pk}/edit/",
        f"/products/{pk}/active/",
        "/products/lines/new/",
        f"/products/lines/{line}/edit/",
        f"/products/lines/{line}/active/",
        "/products/import/",
    ):
        assert client.get(url).status_code in (404, 405), url
        assert client.post(url, {"action": "deactivate"}).status_code == 404, url
    assert Product.objects.get(pk=pk).active


def test_the_navigation_has_products_for_vendor_staff_only(world):
    assert "/products/" in browser_as(world.cam_emea).get("/").content.decode()
    assert "/products/" not in browser_as(world.bob).get("/").content.decode()


def _product_post(catalogue, **changes) -> dict:
    return {
        "sku": "tr-300",
        "name": "Router 300",
        "line": catalogue["routers"].pk,
        "list_price": "2500.00",
        "currency": "usd",
        "min_tier": "",
        "required_certification": "",
        "active": "on",
    } | changes


def test_the_admin_adds_a_product_from_the_form(world, catalogue):
    response = browser_as(world.admin).post("/products/new/", _product_post(catalogue))
    assert response.status_code == 302
    product = Product.objects.get(sku="TR-300")
    assert (product.currency, product.list_price, product.active) == ("USD", Decimal(2500), True)


def test_bad_input_in_the_form_stands_beside_its_fields_and_keeps_what_was_typed(world, catalogue):
    before = Product.objects.count()
    response = browser_as(world.admin).post(
        "/products/new/",
        _product_post(catalogue, sku="TR-100", list_price="-5", currency="XYZ", name="Kept name"),
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert "Another product already has the SKU TR-100." in form.errors["sku"]
    assert "The list price cannot be negative." in form.errors["list_price"]
    assert "XYZ is not a currency code" in form.errors["currency"][0]
    assert 'value="Kept name"' in response.content.decode()
    assert "is-invalid" in response.content.decode()
    assert Product.objects.count() == before


def test_the_form_says_every_problem_at_once_a_missing_name_and_a_taken_sku(world, catalogue):
    response = browser_as(world.admin).post(
        "/products/new/", _product_post(catalogue, sku="tr-900", name="")
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert set(errors) == {"sku", "name"}
    assert errors["sku"] == ["Another product already has the SKU TR-900."]


def test_a_price_that_is_not_a_number_is_refused_beside_the_price(world, catalogue):
    response = browser_as(world.admin).post(
        "/products/new/", _product_post(catalogue, list_price="twelve")
    )
    assert response.status_code == 400
    assert "as a number" in response.context["form"].errors["list_price"][0]


def test_the_admin_edits_a_product_and_is_sent_back_to_the_filtered_list(world, catalogue):
    pk = catalogue["r900"].pk
    client = browser_as(world.admin)
    page = client.get(f"/products/{pk}/edit/?next=q%3Drouter").content.decode()
    assert 'value="19999.50"' in page
    assert 'name="active"' not in page  # (de)activating is the confirmed button
    response = client.post(
        f"/products/{pk}/edit/",
        _product_post(catalogue, sku="TR-900", name="Router 900 HA", next="q=router"),
    )
    assert response.status_code == 302
    assert response["Location"] == "/products/?q=router"
    product = Product.objects.get(pk=pk)
    assert (product.name, product.list_price, product.min_tier) == ("Router 900 HA", 2500, None)


def test_the_way_back_to_the_list_is_only_ever_a_query_string(world, catalogue):
    response = browser_as(world.admin).post(
        f"/products/{catalogue['r100'].pk}/active/",
        {"action": "deactivate", "next": "q=a\r\nSet-Cookie: x=1&line=2"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/products/?q=a%0D%0ASet-Cookie%3A+x%3D1&line=2"


def test_adding_a_product_without_any_line_says_to_add_a_line_first(world):
    # SPIFF rewards hold the demo's deal lines, its rules product lines.
    append_only_emptied("incentives_spiffreward")
    SpiffRuleVersion.objects.all().delete()
    DealLine.objects.all().delete()  # the demo's deals have lines of its catalogue
    Product.objects.all().delete()
    ProductLine.objects.all().delete()
    page = browser_as(world.admin).get("/products/new/").content.decode()
    assert "add a product line</a> first" in page


def test_an_inactive_lines_product_cannot_be_activated_from_the_page(world, catalogue):
    response = browser_as(world.admin).post(
        f"/products/{catalogue['old'].pk}/active/", {"action": "activate"}, follow=True
    )
    assert "Test Legacy is inactive" in response.content.decode()
    assert not Product.objects.get(pk=catalogue["old"].pk).active


def test_the_admin_deactivates_a_product_with_a_confirmed_button(world, catalogue):
    client = browser_as(world.admin)
    page = client.get("/products/").content.decode()
    assert "Deactivate Router 100 (TR-100)? Partners can no longer register" in page
    response = client.post(f"/products/{catalogue['r100'].pk}/active/", {"action": "deactivate"})
    assert response.status_code == 302
    assert not Product.objects.get(pk=catalogue["r100"].pk).active


def test_the_admin_adds_and_renames_a_product_line(world, catalogue):
    client = browser_as(world.admin)
    assert (
        client.post("/products/lines/new/", {"name": "Test Wi-Fi", "active": "on"}).status_code
        == 302
    )
    line = ProductLine.objects.get(name="Test Wi-Fi")
    response = client.post(f"/products/lines/{line.pk}/edit/", {"name": "Test Routers"})
    assert response.status_code == 400
    assert "already a product line named" in response.context["form"].errors["name"][0]
    client.post(f"/products/lines/{line.pk}/edit/", {"name": "Test Wireless"})
    assert ProductLine.objects.get(pk=line.pk).name == "Test Wireless"


def test_the_csv_export_has_the_filtered_products_in_the_import_columns(world, catalogue):
    response = browser_as(world.admin).get(f"/products/export.csv?line={catalogue['routers'].pk}")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [r["sku"] for r in rows] == ["TR-100", "TR-900"]
    assert rows[1] == {
        "sku": "TR-900",
        "name": "Router 900",
        "product line": "Test Routers",
        "list price": "19999.50",
        "currency": "USD",
        "minimum tier": "Gold",
        "required certification": "Certified Network Professional",
        "active": "yes",
    }


# --- CSV import ---------------------------------------------------------------------------

HEADER = "sku,name,product line,list price,currency,minimum tier,required certification,active\n"


def test_the_import_preview_says_new_update_and_new_product_line_and_writes_nothing(
    world, catalogue
):
    text = HEADER + (
        "tr-100,Router 100,Test Routers,1300.00,USD,,,yes\n"
        'TW-1,Access Point 1,Test Wireless,"1,450.00",,Silver,,\n'
        "TW-2,Access Point 2,test wireless,99,EUR,,,no\n"
    )
    report = csv_import(text, actor=world.admin, commit=False)
    assert report.ok, report.errors
    assert [(r.sku, r.action, r.new_line) for r in report.rows] == [
        ("TR-100", "update", ""),
        ("TW-1", "new", "Test Wireless"),
        ("TW-2", "new", "Test Wireless"),
    ]
    assert report.new_lines == ["Test Wireless"]
    assert not ProductLine.objects.filter(name="Test Wireless").exists()
    assert Product.objects.get(sku="TR-100").list_price == 1250
    report = csv_import(text, actor=world.admin, commit=True)
    assert (report.new, report.updated) == (2, 1)
    assert Product.objects.get(sku="TR-100").list_price == 1300
    tw1 = Product.objects.get(sku="TW-1")
    assert (tw1.list_price, tw1.currency, tw1.min_tier.name, tw1.active) == (
        1450,
        "USD",
        "Silver",
        True,
    )
    assert Product.objects.get(sku="TW-2").active is False
    assert ProductLine.objects.filter(name="Test Wireless").count() == 1


def test_an_import_with_an_error_row_changes_nothing_and_names_line_and_column(world, catalogue):
    text = HEADER + (
        "TR-100,Router 100 renamed,Test Routers,1250,USD,,,yes\n"
        "TN-1,New thing,Test New Line,12,USD,,,yes\n"
        "TN-2,Bad price,Test New Line,-3,USD,Diamond,,maybe\n"
        "TN-1,Twice,Test New Line,12,XYZ,,,yes\n"
    )
    before = set(Product.objects.values_list("sku", "name"))
    report = csv_import(text, actor=world.admin, commit=True)
    assert not report.ok
    problems = {(e.line, e.column) for e in report.errors}
    assert {(4, "minimum tier"), (4, "active"), (5, "sku")} <= problems, report.errors
    assert set(Product.objects.values_list("sku", "name")) == before
    assert not ProductLine.objects.filter(name="Test New Line").exists()
    # The rules of the service too: a negative price and an unknown currency.
    text = HEADER + "TN-3,Bad price,Test Routers,-3,XYZ,,,yes\n"
    report = csv_import(text, actor=world.admin, commit=False)
    assert {(e.line, e.column) for e in report.errors} == {(2, "list price"), (2, "currency")}


def test_the_import_page_previews_then_imports_everything(world, catalogue):
    client = browser_as(world.admin)
    upload = SimpleUploadedFile(
        "products.csv", (HEADER + "TW-9,Access Point 9,Test Wireless,300,,,,\n").encode()
    )
    response = client.post("/products/import/", {"file": upload})
    assert response.status_code == 200
    page = response.content.decode()
    assert "new product line Test Wireless" in page and "Import all rows" in page
    assert not Product.objects.filter(sku="TW-9").exists()
    response = client.post("/products/import/", {"confirm": "1"})
    assert response.status_code == 302
    assert Product.objects.get(sku="TW-9").line.name == "Test Wireless"


def test_the_import_page_lists_row_errors_and_offers_no_import(world, catalogue):
    upload = SimpleUploadedFile("p.csv", (HEADER + "TW-9,,Test Wireless,abc,,,,\n").encode())
    response = browser_as(world.admin).post("/products/import/", {"file": upload})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Nothing was imported" in page and "Import all rows" not in page
    assert "list price" in page and "not a price" in page


def test_an_overlong_new_line_name_is_a_problem_of_the_product_line_column(world):
    text = HEADER + f"TX-1,Thing,{'L' * 130},10,USD,,,yes\n"
    report = csv_import(text, actor=world.admin, commit=False)
    assert [(e.line, e.column) for e in report.errors] == [(2, "product line")]


def test_a_file_with_a_nul_character_is_refused_not_a_crash(world):
    text = HEADER + "TX-1,Th\x00ing,Firewalls,10,USD,,,yes\n"
    report = csv_import(text, actor=world.admin, commit=False)
    assert not report.ok and "NUL character" in report.errors[0].message


def test_a_file_with_unknown_columns_is_refused_at_once(world):
    report = csv_import("sku,colour\nX-1,red\n", actor=world.admin, commit=False)
    assert not report.ok
    assert "Unknown column: colour" in report.errors[0].message


def test_an_exported_catalogue_imports_back_unchanged(world, catalogue):
    text = browser_as(world.admin).get("/products/export.csv").content.decode()
    report = csv_import(text, actor=world.admin, commit=False)
    assert report.ok, report.errors[:3]
    assert report.new == report.updated == 0
    assert report.unchanged == Product.objects.count()


# --- API --------------------------------------------------------------------------------


def _skus(response) -> set[str]:
    return {p["sku"] for p in response.json()["results"]}


def test_vendor_staff_list_every_product_with_its_line_and_price(world, catalogue):
    response = api_as(world.cam_emea).get("/api/v1/products/", {"q": "TR-", "page_size": 100})
    assert response.status_code == 200
    assert _skus(response) >= {"TR-100", "TR-900"}
    row = next(p for p in response.json()["results"] if p["sku"] == "TR-900")
    assert row["list_price"] == "19999.50"
    assert row["line"] == {"id": catalogue["routers"].pk, "name": "Test Routers"}
    assert row["min_tier"]["name"] == "Gold"
    inactive = api_as(world.cam_emea).get("/api/v1/products/", {"active": "no", "q": "TL-"})
    assert _skus(inactive) == {"TL-1"}


def test_a_partner_user_sees_only_active_products_of_active_lines(world, catalogue):
    client = api_as(world.bob)
    assert _skus(client.get("/api/v1/products/", {"q": "T", "page_size": 200})) >= {"TR-100"}
    assert "TL-1" not in _skus(client.get("/api/v1/products/", {"page_size": 200}))
    assert client.get(f"/api/v1/products/{catalogue['old'].pk}/").status_code == 404
    lines = {line["name"] for line in client.get("/api/v1/product-lines/").json()["results"]}
    assert "Test Routers" in lines and "Test Legacy" not in lines


@pytest.mark.parametrize("who", ["bob", "alice", "cam_emea"])
def test_only_vendor_admins_add_or_change_products_through_the_api(world, catalogue, who):
    client = api_as(getattr(world, who))
    body = {"sku": "X-1", "name": "X", "line": catalogue["routers"].pk, "list_price": "1.00"}
    assert client.post("/api/v1/products/", body, format="json").status_code == 403
    response = client.patch(
        f"/api/v1/products/{catalogue['r100'].pk}/", {"name": "Mine"}, format="json"
    )
    assert response.status_code == 403
    assert Product.objects.get(pk=catalogue["r100"].pk).name == "Router 100"


def test_the_admin_adds_and_changes_a_product_through_the_api(world, catalogue):
    client = api_as(world.admin)
    body = {
        "sku": " tr-500 ",
        "name": "Router 500",
        "line": catalogue["routers"].pk,
        "list_price": "4999.99",
        "min_tier": Tier.objects.get(name="Silver").pk,
    }
    response = client.post("/api/v1/products/", body, format="json")
    assert response.status_code == 201, response.content
    created = response.json()
    assert (created["sku"], created["currency"], created["active"]) == ("TR-500", "USD", True)
    response = client.patch(
        f"/api/v1/products/{created['id']}/", {"list_price": "5250", "active": False}, format="json"
    )
    assert response.status_code == 200
    assert (response.json()["list_price"], response.json()["active"]) == ("5250.00", False)


def test_bad_api_input_answers_400_with_the_fields(world, catalogue):
    client = api_as(world.admin)
    body = {"sku": "TR-100", "name": "Again", "line": catalogue["routers"].pk, "list_price": "-1"}
    response = client.post("/api/v1/products/", body, format="json")
    assert response.status_code == 400
    fields = response.json()["fields"]
    assert set(fields) == {"sku", "list_price"}
    response = client.patch(
        f"/api/v1/products/{catalogue['old'].pk}/", {"active": True}, format="json"
    )
    assert response.status_code == 400 and "active" in response.json()["fields"]
    response = client.post("/api/v1/products/", body | {"line": 999999}, format="json")
    assert response.status_code == 404


def test_another_tenant_sees_none_of_acmes_products(world, catalogue):
    acme_skus = set(Product.objects.values_list("sku", flat=True))
    client = token_client(GLOBEX_HOST, "admin@globex.example")
    skus = _skus(client.get("/api/v1/products/", {"page_size": 200}))
    assert skus and not skus & acme_skus  # globex has a catalogue of its own
    assert client.get(f"/api/v1/products/{catalogue['r100'].pk}/").status_code == 404
    lines = {line["name"] for line in client.get("/api/v1/product-lines/").json()["results"]}
    assert "Firewalls" not in lines and "Test Routers" not in lines


# --- demo data --------------------------------------------------------------------------


def test_the_demo_catalogue_is_realistic(acme):
    products = Product.objects.select_related("line", "min_tier")
    assert ProductLine.objects.count() == 5
    assert 22 <= products.count() <= 30
    assert set(products.values_list("currency", flat=True)) == {"USD"}
    assert products.filter(active=False).count() >= 2
    assert products.filter(min_tier__name="Gold").count() >= 3
    required = set(
        products.exclude(required_certification="").values_list("required_certification", flat=True)
    )
    held = set(Certification.objects.values_list("name", flat=True))
    assert required and required <= held  # certifications the demo partners really hold
