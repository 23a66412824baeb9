"""Issue 12, point 6 in the browser: the vendor admin imports customer accounts from CSV.
The first file has a domain of an existing account (refused, the row's problem beside it);
the corrected file's near-duplicate is a warning with the lookup's reasons and a link, and
confirming imports the rows. Screenshots at 1280 and 375 px."""

import uuid

import pytest
from django_tenants.utils import schema_context
from playwright.sync_api import expect

from deals import services
from deals.models import CustomerAccount
from prm.users.models import User
from tests.browser.test_account_merge import axe_page, checked
from tests.browser.test_login import sign_in

pytestmark = pytest.mark.browser

__all__ = ["axe_page"]  # the fixture, imported for this module's tests

HEADER = "Name,Domains,Country,Region,Parent company,Vendor-owned,Account owner,CRM id\n"


@pytest.fixture
def existing(django_db_blocker):
    """An account the file duplicates, committed for the portal server; the test's accounts
    are deleted afterwards, with their history."""
    tag = uuid.uuid4().hex[:6]
    with django_db_blocker.unblock(), schema_context("acme"):
        admin = User.objects.get(email="admin@acme.example")
        services.account_create(
            actor=admin, name=f"Hooli {tag} Corporation", country="US", domains=[f"hooli{tag}.com"]
        )
    yield tag
    with django_db_blocker.unblock(), schema_context("acme"):
        accounts = CustomerAccount.objects.filter(name__contains=tag)
        ids = list(accounts.values_list("pk", flat=True))
        for account in accounts.filter(depth=1):
            account.delete()  # and its offices
        CustomerAccount.objects.filter(pk__in=ids).delete()
        CustomerAccount.history.filter(id__in=ids).delete()


def choose(page, name: str, text: str) -> None:
    page.get_by_label("File").set_input_files(
        {"name": name, "mimeType": "text/csv", "buffer": text.encode()}
    )
    page.get_by_role("button", name="Preview the import").click()


def test_the_vendor_admin_imports_accounts_after_a_preview_of_a_duplicate(
    axe_page, portal, existing
):
    tag, page = existing, axe_page
    sign_in(page, portal, "acme", "admin@acme.example")
    page.goto(portal.format(host="acme") + "/accounts/")
    page.get_by_role("link", name="Import from CSV").click()
    expect(page.get_by_test_id("import-help")).to_contain_text("Parent company")
    expect(page.get_by_test_id("import-example")).to_be_visible()

    taken = f"Pied {tag} Piper,hooli{tag}.com,US,,,,,\n"
    rows = f"Hooli {tag} Corp,,US,California,,no,,\n"
    rows += f"Hooli {tag} Palo Alto,,US,,Hooli {tag} Corp,,,\n"  # under the row above
    choose(page, "accounts.csv", HEADER + rows + taken)
    expect(page.get_by_test_id("import-refused")).to_contain_text("Nothing was imported")
    refused = page.get_by_test_id("import-row").filter(has_text=f"Pied {tag} Piper")
    expect(refused).to_contain_text(f"hooli{tag}.com already belongs to Hooli {tag} Corporation")
    expect(refused.get_by_test_id("import-error")).to_have_count(1)
    expect(page.get_by_test_id("import-confirm")).to_have_count(0)
    checked(page, "accounts-import-refused")

    choose(page, "accounts-fixed.csv", HEADER + rows)
    expect(page.get_by_test_id("import-ready")).to_contain_text("Ready: 2 new accounts")
    warning = page.get_by_test_id("import-row").filter(has_text=f"Hooli {tag} Corp")
    expect(warning).to_contain_text("after normalisation")
    expect(warning.get_by_role("link", name=f"Hooli {tag} Corporation")).to_be_visible()
    checked(page, "accounts-import-preview")

    asked: list[str] = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    page.get_by_test_id("import-confirm").click()
    expect(page.get_by_text("Imported 2 customer accounts.")).to_be_visible()
    assert "Import 2 customer accounts, 1 of them looking like an existing account?" in asked[0]
    page.get_by_placeholder("Search by name or domain").fill(f"Hooli {tag}")
    expect(page.get_by_test_id("account-row")).to_have_count(3)
    office = page.get_by_test_id("account-row").filter(has_text=f"Hooli {tag} Palo Alto")
    expect(office).to_contain_text(f"Hooli {tag} Corp")
