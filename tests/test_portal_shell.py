"""Issue 11, points 17 and 20: the portal shell ("Our company", favicon, dates, money,
"just now", the public page's call to apply)."""

import re

from django.contrib.staticfiles import finders
from django.test import Client
from django_tenants.utils import schema_context

from partners.models import Partner
from tests.conftest import ACME_HOST, login_client


def nav_links(page: str) -> dict[str, tuple[str, bool]]:
    """The menu's items: label -> (URL, active)."""
    links = re.findall(
        r'<a href="([^"]+)" class="nav-link[^"]*?( active)?"[^>]*>\s*<i[^>]*></i>([^<]+)<', page
    )
    return {label.strip(): (url, bool(active)) for url, active, label in links}


def test_our_company_opens_the_partner_admins_company_profile(db):
    alice = login_client(ACME_HOST, "alice@northwind.example")
    url, _ = nav_links(alice.get("/").content.decode())["Our company"]
    response = alice.get(url, follow=True)
    with schema_context("acme"):
        northwind = Partner.objects.get(display_name="Northwind Traders")
    assert response.redirect_chain[-1][0] == f"/partners/{northwind.pk}/"
    page = response.content.decode()
    assert "Northwind Traders" in page
    assert nav_links(page)["Our company"][1]  # the menu shows where the user is


def test_our_company_opens_a_partner_users_own_unit(db):
    carol = login_client(ACME_HOST, "carol@contoso.example")
    url, _ = nav_links(carol.get("/").content.decode())["Our company"]
    response = carol.get(url)
    assert response.status_code == 302
    with schema_context("acme"):
        unit = Partner.objects.get(memberships__user__email="carol@contoso.example")
    assert response["Location"] == f"/partners/{unit.pk}/"


def test_vendor_staff_have_no_our_company_item_and_partners_stays_the_list(db):
    cam = login_client(ACME_HOST, "cam@acme.example")
    links = nav_links(cam.get("/partners/").content.decode())
    assert "Our company" not in links
    assert links["Partners"] == ("/partners/", True)


def test_the_favicon_is_linked_and_served(db):
    client = Client(HTTP_HOST=ACME_HOST)
    page = client.get("/login/").content.decode()
    icon = re.search(r'<link rel="icon" href="([^"]+)"', page).group(1)
    assert icon.endswith(".svg") and finders.find("portal/favicon.svg")
    assert client.get("/favicon.ico")["Location"] == icon
    assert Client(HTTP_HOST="localhost").get("/favicon.ico").status_code == 301
