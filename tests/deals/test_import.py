"""Issue 12, point 6: the vendor's CSV import of customer accounts: a preview with every
row's problems and the existing accounts it may duplicate (the lookup's reasons), then all
rows or none, through account_create."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from deals.imports import csv_import
from deals.models import AccountDomain, CommonNameKey, CustomerAccount, Deal, Reservation
from tests.conftest import ACME_HOST, append_only_emptied
from tests.deals.conftest import make_account

HEADER = "Name,Domains,Country,Region,Parent company,Vendor-owned,Account owner,CRM id\n"


def browser_as(user) -> Client:
    client = Client(HTTP_HOST=ACME_HOST)
    client.force_login(user)
    return client


def problems(report) -> set[tuple[int, str]]:
    return {(e.line, e.field) for e in report.errors}


def upload(client: Client, text: str):
    return client.post(
        "/accounts/import/", {"file": SimpleUploadedFile("accounts.csv", text.encode())}
    )


@pytest.fixture
def existing(world):
    return make_account(world.admin, "Zorblax Industries", "DE", ["zorblax.de"])


def test_the_preview_lists_rows_that_match_an_existing_account_with_the_lookups_reasons(
    world, existing
):
    text = HEADER + "Zorblax Industries GmbH,,DE,,,no,,\nQuuxly Widgets,quuxly.com,FR,,,,,\n"
    report = csv_import(text, actor=world.admin, commit=False)
    assert report.ok and report.new == 2 and report.warnings == 1
    (row,) = report.rows
    assert row.line == 2 and row.name == "Zorblax Industries GmbH"
    (match,) = row.matches
    assert match.account_id == existing.pk and not match.domain_taken
    assert any("after normalisation" in r and "same country DE" in r for r in match.reasons)
    assert not CustomerAccount.objects.filter(name="Quuxly Widgets").exists()


def test_a_domain_of_an_existing_account_is_an_error_beside_its_row(world, existing):
    text = HEADER + "Zorb New,www.zorblax.de,,,,,,\n"
    report = csv_import(text, actor=world.admin, commit=False)
    assert problems(report) == {(2, "Domains")}
    assert "zorblax.de already belongs to Zorblax Industries" in report.errors[0].message
    (match,) = report.rows[0].matches
    assert match.taken == ["zorblax.de"] and "same domain zorblax.de" in match.reasons


def test_the_same_domain_twice_in_the_file_is_refused(world):
    text = HEADER + "Quuxly One,quuxly.com,,,,,,\nQuuxly Two,https://quuxly.com/about,,,,,,\n"
    report = csv_import(text, actor=world.admin, commit=True)
    assert problems(report) == {(3, "Domains")}
    assert "also on line 2" in report.errors[0].message
    assert not CustomerAccount.objects.filter(name__startswith="Quuxly").exists()


def test_an_unknown_parent_is_refused_and_a_parent_earlier_in_the_file_is_accepted(world):
    refused = HEADER + "Quuxly Paris,,FR,,Quuxly Holding,,,\nQuuxly Holding,,,,,,,\n"
    report = csv_import(refused, actor=world.admin, commit=True)
    assert problems(report) == {(2, "Parent company")}
    assert "There is no account Quuxly Holding" in report.errors[0].message
    accepted = HEADER + "Quuxly Holding,quuxly.com,,,,,,Q-1\nQuuxly Paris,,FR,,Quuxly Holding,,,\n"
    accepted += "Quuxly Lyon,,FR,,Q-1,,,\n"  # the parent by its CRM id
    report = csv_import(accepted, actor=world.admin, commit=True)
    assert (report.ok, report.new) == (True, 3)
    holding = CustomerAccount.objects.get(name="Quuxly Holding")
    children = {a.name for a in CustomerAccount.objects.get_children(holding)}
    assert children == {"Quuxly Paris", "Quuxly Lyon"}


def test_an_existing_account_is_a_parent_by_name(world, existing):
    text = HEADER + "Zorblax Munich,,DE,,zorblax industries,,,\n"
    report = csv_import(text, actor=world.admin, commit=True)
    assert report.ok
    child = CustomerAccount.objects.get(name="Zorblax Munich")
    assert CustomerAccount.objects.get_parent(child) == existing


def test_every_problem_of_the_file_is_listed_and_nothing_is_written(world):
    text = HEADER + (
        "Quuxly Good,quuxly.com,France,Île-de-France,,yes,va@world.example,Q-7\n"
        ",,,,,,,\n"
        "Freemail Co,gmail.com,Atlantis,,,maybe,nobody@world.example,\n"
        "Partner Owned,,,,,yes,bob@world.example,\n"
    )
    report = csv_import(text, actor=world.admin, commit=True)
    assert problems(report) == {
        (3, "Name"),
        (4, "Domains"),
        (4, "Country"),
        (4, "Vendor-owned"),
        (4, "Account owner"),
        (5, "Account owner"),
    }
    messages = {e.message for e in report.errors}
    assert "Enter the customer's company name." in messages
    assert "gmail.com is a free e-mail provider, not a company's domain." in messages
    assert not CustomerAccount.objects.filter(name__in=["Quuxly Good", "Partner Owned"]).exists()
    assert not AccountDomain.objects.filter(domain="quuxly.com").exists()


def test_a_valid_file_imports_every_column_through_the_service(world):
    text = (
        "name;domains;country;region;parent;vendor owned;vendor owner;external crm id\n"
        "Quuxly SA;quuxly.fr, www.quuxly.com;fr;Bretagne;;yes;VA@world.example;Q-9\n"
    )
    report = csv_import(text, actor=world.admin, commit=True)
    assert (report.ok, report.new) == (True, 1)
    account = CustomerAccount.objects.get(name="Quuxly SA")
    assert str(account.country) == "FR" and account.region == "Bretagne"
    assert account.vendor_owned and account.vendor_owner == world.admin
    assert account.external_crm_id == "Q-9" and account.normalised_name
    assert set(account.domains.values_list("domain", flat=True)) == {"quuxly.fr", "quuxly.com"}


def test_an_import_recounts_the_lookups_common_name_keys(
    world, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(CommonNameKey, "COMMON_NAME_KEY", 2)
    text = "name\n" + "".join(f"{w} Logistics\n" for w in ("Zorvan", "Quellor", "Brintax"))
    with django_capture_on_commit_callbacks(execute=True):
        assert csv_import(text, actor=world.admin, commit=True).ok
    assert CommonNameKey.objects.filter(key="logistics").exists()


def test_a_file_without_a_name_column_is_refused(world):
    report = csv_import("Domains\nquuxly.com\n", actor=world.admin, commit=True)
    assert not report.ok and "no Name column" in report.errors[0].message


def test_the_page_previews_then_imports_on_confirm_without_uploading_again(world, existing):
    client = browser_as(world.admin)
    assert "Import from CSV" in client.get("/accounts/").content.decode()
    text = HEADER + "Zorblax Industries,,DE,,,,,\nQuuxly Widgets,quuxly.com,FR,,,,,\n"
    page = upload(client, text).content.decode()
    assert "Ready: 2 new accounts" in page and 'data-confirm="Import 2 customer accounts' in page
    assert f'href="/accounts/{existing.pk}/"' in page
    assert "same name after normalisation" in page
    assert not CustomerAccount.objects.filter(name="Quuxly Widgets").exists()
    response = client.post("/accounts/import/", {"confirm": "1"})
    assert response.status_code == 302 and response["Location"] == "/accounts/"
    assert CustomerAccount.objects.filter(name="Zorblax Industries").count() == 2
    assert CustomerAccount.objects.filter(name="Quuxly Widgets").exists()
    again = client.post("/accounts/import/", {"confirm": "1"}, follow=True).content.decode()
    assert "the preview expired" in again


def test_a_refused_file_shows_its_problems_and_offers_no_import(world, existing):
    client = browser_as(world.admin)
    page = upload(client, HEADER + "Zorb New,zorblax.de,,,,,,\n").content.decode()
    assert "Nothing was imported: 1 problem to fix first" in page
    assert page.count("already belongs to") == 1 and "data-confirm" not in page
    assert client.post("/accounts/import/", {"confirm": "1"}, follow=True).status_code == 200
    assert not CustomerAccount.objects.filter(name="Zorb New").exists()


def test_the_example_csv_imports_as_it_is(world):
    client = browser_as(world.admin)
    response = client.get("/accounts/import/example.csv")
    assert response["Content-Type"] == "text/csv"
    text = response.content.decode().replace("owner@vendor.example", "va@world.example")
    assert csv_import(text, actor=world.admin, commit=False).ok


def test_the_lists_csv_imports_again_into_an_empty_tenant(world):
    a = world.admin
    group = make_account(a, "Quuxly Group", "US", ["quuxly.com"], external_crm_id="Q-1")
    make_account(a, "Quuxly Berlin", "DE", ["quuxly.de"], parent=group, region="Berlin")
    make_account(a, "Quuxly Direct", "FR", ["quuxly.fr"], vendor_owned=True, vendor_owner=a)
    exported = browser_as(a).get("/accounts/export.csv?q=quuxly").content.decode()
    append_only_emptied("incentives_spiffreward")  # rewards hold the demo's deal lines
    Deal.objects.all().delete()  # the demo's deals are on its accounts
    Reservation.objects.all().delete()
    AccountDomain.objects.all().delete()
    CustomerAccount.objects.all().delete()
    empty = browser_as(a).get("/accounts/").content.decode()
    assert "import them from a CSV file</a>" in empty  # the empty list says what to do
    report = csv_import(exported, actor=a, commit=True)
    assert (report.ok, report.new, report.rows) == (True, 3, [])
    berlin = CustomerAccount.objects.get(name="Quuxly Berlin")
    assert CustomerAccount.objects.get_parent(berlin).name == "Quuxly Group"
    assert berlin.region == "Berlin"
    assert CustomerAccount.objects.get(name="Quuxly Direct").vendor_owner == a
    rows = list(csv.DictReader(io.StringIO(exported)))
    assert {r["Name"] for r in rows} == {"Quuxly Group", "Quuxly Berlin", "Quuxly Direct"}


@pytest.mark.parametrize("path", ["/accounts/import/", "/accounts/import/example.csv"])
def test_staff_who_may_not_change_accounts_and_partner_users_get_404(world, path):
    from prm.users.models import Role
    from prm.users.services import user_create

    finance = user_create(email="fin@world.example", role=Role.FINANCE_APPROVER, send_welcome=False)
    for user in (finance, world.bob, world.alice):
        client = browser_as(user)
        assert client.get(path).status_code == 404
        assert client.post(path, {"confirm": "1"}).status_code == 404
    assert "Import from CSV" not in browser_as(finance).get("/accounts/").content.decode()


def test_a_channel_manager_may_import(world):
    report = csv_import(HEADER + "Quuxly CM,,,,,,,\n", actor=world.cam_emea, commit=True)
    assert report.ok
