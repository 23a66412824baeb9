"""The CSV import preview lists every problem of the file at once (issue 11, point 7)."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from partners.imports import csv_import
from partners.models import Partner
from prm.users.models import User
from tests.conftest import ACME_HOST


def problems(report) -> set[tuple[int, str]]:
    return {(e.line, e.field) for e in report.errors}


def test_a_bad_partner_type_is_listed_beside_the_other_problems_of_its_row(world):
    text = "display_name,partner_type,territory,tier\nBad Co,wholesaler,Atlantis,Adamantium\n"
    report = csv_import("partners", text, actor=world.admin, commit=False)
    assert problems(report) == {(2, "partner_type"), (2, "territory"), (2, "tier")}
    message = next(e.message for e in report.errors if e.field == "partner_type")
    assert "'wholesaler' is not a valid partner type" in message
    assert "reseller" in message  # the values the column takes
    assert not Partner.objects.filter(display_name="Bad Co").exists()


def test_the_problems_of_every_row_are_listed_in_one_preview(world):
    text = (
        "display_name,partner_type,territory,website\n"
        "Good Co,reseller,DACH,https://good.example\n"
        "Typo Co,resseller,DACH,https://typo.example\n"
        "Lost Co,msp,Atlantis,not a web address\n"
    )
    report = csv_import("partners", text, actor=world.admin, commit=True)
    assert problems(report) == {(3, "partner_type"), (4, "territory"), (4, "website")}
    assert not Partner.objects.filter(display_name__in=["Good Co", "Typo Co"]).exists()


def test_user_rows_list_a_bad_role_an_unknown_partner_and_a_bad_unit_role_at_once(world):
    text = (
        "email,full_name,role,partner,membership_role\n"
        "not-an-address,Nobody,partner_boss,Atlantis Ltd,chief\n"
        "rep@world.example,Rep,partner_user,,member\n"
    )
    report = csv_import("users", text, actor=world.admin, commit=False)
    assert problems(report) == {
        (2, "email"),
        (2, "role"),
        (2, "partner"),
        (2, "membership_role"),
        (3, "partner"),
    }
    assert "Partner-side users need a partner." in {e.message for e in report.errors}
    assert not User.objects.filter(email="rep@world.example").exists()


def test_a_valid_users_file_still_previews_and_imports(world):
    text = (
        "email,full_name,role,partner,membership_role\n"
        "new@world.example,New,partner_user,Tailwind,member\n"
    )
    assert csv_import("users", text, actor=world.admin, commit=False).ok
    report = csv_import("users", text, actor=world.admin, commit=True)
    assert (report.ok, report.new) == (True, 1)
    assert User.objects.get(email="new@world.example").partner_membership.partner == world.contoso


def test_the_preview_page_shows_all_the_problems_in_one_table(world):
    client = Client(HTTP_HOST=ACME_HOST)
    client.force_login(world.admin)
    bad = "display_name,partner_type,territory\nBad Co,wholesaler,Atlantis\n"
    page = client.post(
        "/import/partners/", {"file": SimpleUploadedFile("p.csv", bad.encode())}
    ).content.decode()
    table = page[page.index('data-testid="import-errors"') :]
    assert "2 problems to fix first" in page
    assert "Atlantis" in table and "wholesaler" in table
