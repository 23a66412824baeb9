"""Issue 11, points 17 and 20: the portal shell ("Our company", favicon, dates, money,
"just now", the public page's call to apply)."""

import random
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from django.contrib.staticfiles import finders
from django.template import Context, Template
from django.template.defaultfilters import floatformat
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from partners.models import BusinessPlan, Partner
from prm.portal.templatetags.portal import ago, amount_text, days_ago, money
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


def test_a_sign_in_under_a_minute_ago_reads_just_now(db):
    admin = login_client(ACME_HOST, "admin@acme.example")  # signs in now
    page = admin.get("/").content.decode()
    assert "just now" in page
    assert "0 minutes ago" not in page
    now = timezone.now()
    assert ago(now - timedelta(seconds=59), now) == "just now"
    assert ago(now - timedelta(minutes=3), now) == "3\N{NO-BREAK SPACE}minutes ago"
    assert days_ago(0) == "today" and days_ago(1) == "yesterday" and days_ago(12) == "12 days ago"


def test_dates_read_one_way_on_every_page_and_unformatted_ones_too():
    day, moment = date(2026, 3, 5), datetime(2026, 3, 5, 14, 5, tzinfo=UTC)
    rendered = Template(
        '{{ day }}|{{ day|date }}|{{ moment|date:"DATETIME_FORMAT" }}|{{ moment }}'
    ).render(Context({"day": day, "moment": moment}))
    assert rendered == "5 Mar 2026|5 Mar 2026|5 Mar 2026 14:05|5 Mar 2026 14:05"


def test_business_plan_targets_show_their_currency(db):
    with schema_context("acme"):
        northwind = Partner.objects.get(display_name="Northwind Traders")
        plan, _ = BusinessPlan.objects.update_or_create(
            partner=northwind, year=2031, defaults={"revenue_target": Decimal("1250000.00")}
        )
    try:
        page = login_client(ACME_HOST, "cam@acme.example").get(f"/partners/{northwind.pk}/")
        assert "revenue USD\N{NO-BREAK SPACE}1,250,000," in page.content.decode()
    finally:
        with schema_context("acme"):
            plan.delete()
    with schema_context("acme"):
        assert money(Decimal("99.5")) == "USD\N{NO-BREAK SPACE}99.50"
        assert money(Decimal("10"), "EUR") == "EUR\N{NO-BREAK SPACE}10"


def test_an_amount_is_written_as_djangos_floatformat_writes_it():
    """The page's fast amount formatter agrees with floatformat(amount, "-2g") everywhere:
    rounding half up, cents only when the amount has any, grouping, no negative zero."""
    rng = random.Random(7)
    values: list = [Decimal("1234567.50"), Decimal("1000.00"), Decimal("-0.005"), 1234.5, 0]
    values += [-0.001, Decimal("0.004"), Decimal("-1234.565"), Decimal("77792.9958"), 2.675]
    values += [Decimal("999999999999.99"), "12.5", Decimal("-0.00"), Decimal("NaN"), "abc"]
    values += [
        Decimal(rng.randint(-(10**9), 10**9)).scaleb(-rng.randint(0, 4)) for _ in range(3000)
    ]
    values += [rng.uniform(-1e6, 1e6) for _ in range(500)]
    assert [amount_text(v) for v in values] == [floatformat(v, "-2g") for v in values]


def test_the_public_pages_call_to_apply_names_the_vendor(db):
    client = Client(HTTP_HOST=ACME_HOST)
    assert "Become an Acme partner" in client.get("/login/").content.decode()
    apply = client.get("/apply/").content.decode()
    assert "<title>Become an Acme partner" in apply
    assert '<h1 class="h4 mb-2">Become an Acme partner</h1>' in apply
    assert (
        "Become a Globex partner"
        in Client(HTTP_HOST="globex.localhost").get("/apply/").content.decode()
    )
