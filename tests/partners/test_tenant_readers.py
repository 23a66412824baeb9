"""Issue 11, point 11: finance and legal approvers read every partner of the tenant (their
work is tenant-wide) and change none; the organisation page says what each membership
role gives."""

import pytest
from django.test import Client

from partners import scope, services
from partners.models import Partner, PartnerContact
from prm.errors import Forbidden
from prm.users.models import Role, User
from prm.users.services import user_create
from tests.conftest import ACME_HOST, login_client


@pytest.fixture
def finance(acme):
    return User.objects.get(email="finance@acme.example")


@pytest.fixture
def legal(acme):
    return user_create(email="lena@acme.example", role=Role.LEGAL_APPROVER, send_welcome=False)


def browser_as(user) -> Client:
    client = Client(HTTP_HOST=ACME_HOST)
    client.force_login(user)
    return client


def test_the_demo_finance_approver_sees_every_partner_of_the_tenant_in_the_list(finance):
    response = login_client(ACME_HOST, "finance@acme.example").get("/partners/")
    assert response.status_code == 200
    assert response.context["total"] == Partner.objects.count() > 30
    body = response.content.decode()
    assert "Northwind Traders" in body and "Adatum" in body  # EMEA and APAC alike


def test_a_legal_approver_placed_nowhere_reads_every_partner(legal):
    assert scope.partners_visible_to(legal).count() == Partner.objects.count()
    northwind = Partner.objects.get(display_name="Northwind Traders")
    page = browser_as(legal).get(f"/partners/{northwind.pk}/")
    assert page.status_code == 200 and "Northwind Traders" in page.content.decode()


@pytest.mark.parametrize("who", ["finance", "legal"])
def test_tenant_readers_cannot_edit_change_status_or_add_to_a_partner(request, who):
    reader = request.getfixturevalue(who)
    northwind = Partner.objects.get(display_name="Northwind Traders")
    client = browser_as(reader)
    assert client.get(f"/partners/{northwind.pk}/edit/").status_code == 404
    assert client.post(f"/partners/{northwind.pk}/edit/", {"display_name": "X"}).status_code == 404
    status = client.post(f"/partners/{northwind.pk}/status/", {"status": "suspended"})
    assert status.status_code in {403, 404}
    page = client.get(f"/partners/{northwind.pk}/").content.decode()
    assert "/edit/" not in page and "Record a contact" not in page
    northwind.refresh_from_db()
    assert northwind.display_name == "Northwind Traders" and northwind.status == "active"
    assert not scope.partners_editable_by(reader).exists()


def test_tenant_readers_change_nothing_through_the_api(finance):
    from rest_framework.test import APIClient

    northwind = Partner.objects.get(display_name="Northwind Traders")
    api = APIClient(HTTP_HOST=ACME_HOST)
    api.force_authenticate(finance)
    listed = api.get("/api/v1/partners/?page_size=100")
    assert listed.status_code == 200 and listed.json()["count"] == Partner.objects.count()
    response = api.patch(
        f"/api/v1/partners/{northwind.pk}/", {"description": "finance"}, format="json"
    )
    assert response.status_code in {403, 404}
    northwind.refresh_from_db()
    assert northwind.description != "finance"


def test_tenant_readers_log_no_contact_with_partners_outside_their_units(finance):
    northwind = Partner.objects.get(display_name="Northwind Traders")
    with pytest.raises(Forbidden):
        services.partner_contact_log(
            actor=finance, partner=northwind, fields={"kind": "call", "note": "hello"}
        )
    browser_as(finance).post(f"/partners/{northwind.pk}/add/contact/", {"kind": "call"})
    assert not PartnerContact.objects.filter(partner=northwind, user=finance).exists()


def test_the_organisation_page_says_what_each_membership_role_gives(finance):
    page = browser_as(finance).get("/organisation/").content.decode()
    block = page[page.index('data-testid="membership-roles"') :]
    for role in ("Member", "Manager", "Administrator"):
        assert f">{role}</dt>" in block
    assert "Finance and legal approvers read every partner" in block
