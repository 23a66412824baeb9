"""The partners app's pages, as each persona sees them."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.utils import timezone

from partners import services
from partners.forms import ApplicationForm
from partners.models import ApplicationStatus, Partner, PartnerApplication
from tests.conftest import ACME_HOST


def browser_as(user) -> Client:
    client = Client(HTTP_HOST=ACME_HOST)
    client.force_login(user)
    return client


VENDOR_PAGES = ["/partners/", "/partners/search/?skill=Cloud", "/organisation/", "/users/"]


@pytest.mark.parametrize("path", [*VENDOR_PAGES, "/applications/", "/agreement/"])
def test_vendor_admin_pages_render(world, path):
    assert browser_as(world.admin).get(path).status_code == 200


@pytest.mark.parametrize("path", ["/partners/search/", "/organisation/", "/applications/"])
def test_vendor_pages_do_not_exist_for_partner_users(world, path):
    assert browser_as(world.bob).get(path).status_code == 404


def test_partner_detail_shows_profile_and_audit_to_those_in_scope(world):
    page = browser_as(world.alice).get(f"/partners/{world.berlin.pk}/").content.decode()
    assert "Northwind Berlin" in page and 'data-testid="audit"' in page
    assert browser_as(world.carol).get(f"/partners/{world.berlin.pk}/").status_code == 404


def test_partner_list_filters_with_htmx_fragment(world):
    response = browser_as(world.cam_emea).get("/partners/?q=munich", HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert "<tbody" in body and "<html" not in body
    assert "Northwind Munich" in body and "Northwind Berlin" not in body


def test_partner_admin_edits_the_profile_but_not_the_tier(world):
    client = browser_as(world.alice)
    form = client.get(f"/partners/{world.northwind.pk}/edit/").content.decode()
    assert 'name="tier"' not in form
    response = client.post(
        f"/partners/{world.northwind.pk}/edit/",
        {"display_name": "Northwind", "website": "https://nw.example", "description": "Hi"},
    )
    assert response.status_code == 302
    world.northwind.refresh_from_db()
    assert world.northwind.website == "https://nw.example"
    assert browser_as(world.bob).get(f"/partners/{world.berlin.pk}/edit/").status_code == 404


def test_org_page_refuses_a_cyclic_move_with_a_message(world):
    client = browser_as(world.admin)
    response = client.post(
        f"/organisation/{world.emea.pk}/move/", {"parent": world.dach.pk}, follow=True
    )
    assert "cannot move under itself" in response.content.decode()


APPLICATION = {
    "company_name": "Greenfield Systems",
    "partner_type": "msp",
    "country": "DE",
    "contact_name": "Gil",
    "contact_email": "gil@greenfield.example",
}


def _started(client: Client) -> str:
    """The signed timestamp the form hands out with the page."""
    page = client.get("/apply/").content.decode()
    return re.search(r'name="started" value="([^"]+)"', page).group(1)


def test_public_application_form_checks_spam_and_fields(world):
    client = Client(HTTP_HOST=ACME_HOST)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        data = {**APPLICATION, "started": _started(client)}
        too_fast = client.post("/apply/", data)
        assert "could not be accepted" in too_fast.content.decode()
        clock.shift(ApplicationForm.MIN_SECONDS - 0.5)
        still_too_fast = client.post("/apply/", data)
        assert "could not be accepted" in still_too_fast.content.decode()
        clock.shift(0.5)
        honeypot = client.post("/apply/", {**data, "nickname": "Gil"})
        assert "could not be accepted" in honeypot.content.decode()
        missing = client.post("/apply/", {**data, "contact_email": ""})
        assert "This field is required" in missing.content.decode()
        forged = client.post("/apply/", {**data, "started": "1700000000.0"})
        assert "The form expired" in forged.content.decode()
    assert not PartnerApplication.objects.filter(company_name="Greenfield Systems").exists()


def test_a_stamp_from_another_tenants_form_is_refused(world):
    globex_stamp = _started(Client(HTTP_HOST="globex.localhost"))
    client = Client(HTTP_HOST=ACME_HOST)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        clock.shift(ApplicationForm.MIN_SECONDS + 1)
        answer = client.post("/apply/", {**APPLICATION, "started": globex_stamp})
    assert "The form expired" in answer.content.decode()
    assert not PartnerApplication.objects.filter(company_name="Greenfield Systems").exists()


def test_public_application_form_accepts_a_person_after_the_bot_timer(world):
    client = Client(HTTP_HOST=ACME_HOST)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        data = {**APPLICATION, "started": _started(client)}
        clock.shift(ApplicationForm.MIN_SECONDS)
        response = client.post("/apply/", data)
        assert response.status_code == 200
        assert "Thank you, Gil" in response.content.decode()
        assert "We sent a confirmation to" in response.content.decode()
        application = PartnerApplication.objects.get(company_name="Greenfield Systems")
        assert application.status == ApplicationStatus.PENDING
        assert application.contact_email == "gil@greenfield.example"
        assert application.submitted_ip == "127.0.0.1"
        # The signed timestamp is good for a day, then the form has to be sent again.
        clock.shift(timedelta(days=1))
        expired = client.post("/apply/", data)
        assert "The form expired" in expired.content.decode()
    assert PartnerApplication.objects.filter(company_name="Greenfield Systems").count() == 1


def test_invitation_page_sets_the_password_and_signs_in(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _, token = services.invitation_create(
            actor=world.alice,
            email="rep@world.example",
            role="partner_user",
            partner=world.berlin,
        )
    assert mail.outbox
    client = Client(HTTP_HOST=ACME_HOST)
    response = client.post(
        f"/invitations/{token}/",
        {"full_name": "Rep", "password": "Str0ng-pass-1", "password2": "Str0ng-pass-1"},
    )
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    again = Client(HTTP_HOST=ACME_HOST).get(f"/invitations/{token}/")
    assert "already been used" in again.content.decode()


def test_csv_import_previews_errors_and_imports_all_or_nothing(world):
    client = browser_as(world.admin)
    bad = "display_name,partner_type,territory\nGood Co,reseller,DACH\nBad Co,reseller,Atlantis\n"
    from django.core.files.uploadedfile import SimpleUploadedFile

    preview = client.post(
        "/import/partners/", {"file": SimpleUploadedFile("p.csv", bad.encode())}
    ).content.decode()
    assert "Nothing was imported" in preview and "Atlantis" in preview
    assert not Partner.objects.filter(display_name="Good Co").exists()
    good = "display_name,partner_type,territory\nGood Co,reseller,DACH\n"
    ok = client.post("/import/partners/", {"file": SimpleUploadedFile("p.csv", good.encode())})
    assert "Ready: 1 new" in ok.content.decode()
    done = client.post("/import/partners/", {"confirm": "1"})
    assert done.status_code == 302
    assert Partner.objects.get(display_name="Good Co").territory == world.dach


def test_csv_export_is_scoped(world):
    text = browser_as(world.alice).get("/export/partners.csv").content.decode()
    assert "Northwind Munich" in text and "Tailwind" not in text


@pytest.mark.parametrize(
    "formula", ['=HYPERLINK("http://evil.example","x")', "+cmd|' /C calc'!A0", "@SUM(1+1)", "-2+3"]
)
def test_csv_exports_carry_no_formulas(world, formula):
    import csv
    import io

    services.partner_update(
        actor=world.alice, partner=world.munich, fields={"display_name": formula}
    )
    text = browser_as(world.alice).get("/export/partners.csv").content.decode()
    cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    assert "'" + formula in cells
    assert not [c for c in cells if c.startswith(("=", "+", "@", "-"))]


def test_the_application_form_is_rate_limited_per_address(world):
    client = Client(HTTP_HOST=ACME_HOST)
    for _ in range(5):
        client.post("/apply/", {})
    limited = client.post("/apply/", {}).content.decode()
    assert "Too many applications from your network" in limited


def test_partner_admin_adds_a_branch_to_their_tree_but_not_to_others(world):
    client = browser_as(world.alice)
    response = client.post(
        f"/partners/{world.northwind.pk}/branch/", {"display_name": "Northwind Hamburg"}
    )
    branch = Partner.objects.get(display_name="Northwind Hamburg")
    assert response["Location"] == f"/partners/{branch.pk}/"
    assert branch.territory == world.dach  # inherited
    assert (
        client.post(f"/partners/{world.contoso.pk}/branch/", {"display_name": "Sneaky"}).status_code
        == 404
    )
    refused = browser_as(world.bob).post(
        f"/partners/{world.berlin.pk}/branch/", {"display_name": "Nope"}, follow=True
    )
    assert "cannot add units" in refused.content.decode()
    assert not Partner.objects.filter(display_name__in=["Sneaky", "Nope"]).exists()


def test_partner_page_adds_a_certification(world):
    client = browser_as(world.alice)
    response = client.post(
        f"/partners/{world.munich.pk}/add/certification/",
        {"holder_name": "Jo", "name": "Security Pro", "issued_on": "2026-02-01"},
        follow=True,
    )
    assert "Certification saved." in response.content.decode()
    assert world.munich.certifications.get().holder_name == "Jo"


def test_partner_admin_deactivates_a_user_of_their_partner_only(world):
    client = browser_as(world.alice)
    assert client.post(f"/users/{world.mia.pk}/active/", {"active": "0"}).status_code == 302
    world.mia.refresh_from_db()
    assert not world.mia.is_active
    assert client.post(f"/users/{world.carol.pk}/active/", {"active": "0"}).status_code == 404
    world.carol.refresh_from_db()
    assert world.carol.is_active
