"""Issue 13, point 11 in the browser: bob@northwind finds the customer as he types,
adds product lines (the list price filled in, the totals live), submits the deal and lands
on its page; it waits for cam@acme, who opens it from the inbox and approves it; bob sees
it approved with its protection date, and the notification. Screenshots at 1280 and 375 px
of the new-deal page, the deal page for each of them, and my deals."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context
from playwright.sync_api import expect

from deals import services
from deals.models import CustomerAccount, Deal, DealConflict, Product, ProductLine
from deals.services import LineIn
from partners.models import AgreementAcceptance, Partner, PartnerStatus
from partners.selectors import agreement_current, has_accepted_current_terms
from partners.services import agreement_accept
from prm.outbox.models import Event
from prm.users.models import User
from tests.browser.test_customer_accounts import _forget as forget_accounts
from tests.browser.test_login import sign_in
from tests.browser.test_mobile_and_a11y import axe_violations, signed_in
from tests.browser.test_workflow_pages import both_widths
from workflows.models import Notification, WorkflowRun

pytestmark = pytest.mark.browser

CUSTOMER = "Litware Robotics GmbH"
OPPORTUNITY = "Litware robot cells 2027"
LINE = "Browser-test robot cells"
NBSP = "\N{NO-BREAK SPACE}"


def _forget() -> None:
    """Delete what the test committed: its deals with their runs, events, notifications
    and history, the customer, the products."""
    deals = Deal.objects.filter(account__name=CUSTOMER)
    ids = [str(pk) for pk in deals.values_list("pk", flat=True)]
    WorkflowRun.objects.filter(object_type="deal", object_id__in=ids).delete()
    Notification.objects.filter(title__contains=OPPORTUNITY).delete()
    Event.objects.filter(type__startswith="deal.", object_id__in=ids).delete()
    DealConflict.objects.filter(deal__in=deals).delete()
    accounts = CustomerAccount.objects.filter(name=CUSTOMER)
    Deal.history.filter(account_id__in=accounts.values("pk")).delete()
    deals.delete()
    forget_accounts(accounts)
    products = Product.objects.filter(line__name=LINE)
    Product.history.filter(line_id__in=ProductLine.objects.filter(name=LINE).values("pk")).delete()
    products.delete()
    ProductLine.history.filter(name=LINE).delete()
    ProductLine.objects.filter(name=LINE).delete()


@pytest.fixture
def registration(django_db_blocker):
    """In acme: a customer (added by the vendor admin), two products, bob's acceptance of
    the agreement and an active Northwind; all undone afterwards."""
    with django_db_blocker.unblock(), schema_context("acme"):
        _forget()
        admin = User.objects.get(email="admin@acme.example")
        bob = User.objects.get(email="bob@northwind.example")
        services.account_create(
            actor=admin, name=CUSTOMER, country="DE", domains=["litware-robotics.de"]
        )
        line = ProductLine.objects.create(name=LINE)
        cell = Product.objects.create(
            sku="BT-CELL-1", name="Robot cell", line=line, list_price=12000, currency="USD"
        )
        care = Product.objects.create(
            sku="BT-CARE-1", name="Cell care plan", line=line, list_price=1500, currency="USD"
        )
        accepted_here = not has_accepted_current_terms(bob)
        if accepted_here:
            agreement_accept(actor=bob, agreement=agreement_current(), ip_address="127.0.0.1")
        northwind = Partner.objects.get(display_name="Northwind Traders")
        status = northwind.status
        Partner.objects.filter(pk=northwind.pk).update(status=PartnerStatus.ACTIVE)
    yield {"cell": cell.pk, "care": care.pk}
    with django_db_blocker.unblock(), schema_context("acme"):
        _forget()
        Partner.objects.filter(pk=northwind.pk).update(status=status)
        if accepted_here:
            AgreementAcceptance.objects.filter(user=bob, agreement=agreement_current()).delete()


def _accept_dialogs(page, seen: list[str]) -> None:
    page.on("dialog", lambda d: (seen.append(d.message), d.accept()))


def test_bob_registers_a_deal_cam_approves_it_and_bob_sees_its_protection(
    page, portal, browser, registration
):
    sign_in(page, portal, "acme", "bob@northwind.example")
    page.get_by_role("navigation").get_by_role("link", name="Deals").click()
    page.get_by_role("link", name="Register a deal").first.click()
    page.get_by_role("heading", name="Register a deal").wait_for()

    # The customer, as he types (misspelt): its standing, and the choice to add a new one.
    page.get_by_test_id("customer-search").fill("Litware Robotcs")
    candidate = page.get_by_test_id("customer-candidate").filter(has_text=CUSTOMER)
    expect(candidate).to_contain_text("Open: no partner holds this customer.")
    expect(page.get_by_test_id("customer-new")).to_contain_text("as a new customer")
    candidate.get_by_role("radio").check()

    # The lines: the list price comes with the product, the totals as he types.
    lines = page.get_by_test_id("deal-line")
    lines.nth(0).get_by_label("Product").select_option(str(registration["cell"]))
    expect(lines.nth(0).get_by_label("Unit price")).to_have_value("12000.00")
    lines.nth(0).get_by_label("Quantity").fill("5")
    expect(lines.nth(0).get_by_test_id("line-amount")).to_have_text(f"USD{NBSP}60,000")
    page.get_by_test_id("add-line").click()
    expect(lines).to_have_count(2)
    expect(lines.nth(0).get_by_label("Quantity")).to_have_value("5")  # nothing typed is lost
    lines.nth(1).get_by_label("Product").select_option(str(registration["care"]))
    lines.nth(1).get_by_label("Unit price").fill("1450.50")
    expect(page.get_by_test_id("deal-total")).to_have_text(f"USD{NBSP}61,450.50")

    page.get_by_label("Opportunity").fill(OPPORTUNITY)
    page.get_by_label("Currency").select_option("USD")
    # The eligibility problems show beside their field before he submits.
    too_far = (timezone.localdate() + timedelta(days=400)).isoformat()
    page.get_by_label("Expected close date").fill(too_far)
    page.get_by_label("Expected close date").blur()
    warning = page.locator("#elig-expected_close_date")
    expect(warning).to_contain_text("Register deals that close within 365 days")
    close = (timezone.localdate() + timedelta(days=45)).isoformat()
    page.get_by_label("Expected close date").fill(close)
    page.get_by_label("Expected close date").blur()
    expect(warning).to_be_empty()
    page.get_by_label("Opportunity").press("Enter")  # Enter in a text box decides nothing
    expect(page.get_by_role("heading", name="Register a deal")).to_be_visible()
    both_widths(page, "deal-new")

    dialogs: list[str] = []
    _accept_dialogs(page, dialogs)
    page.get_by_test_id("submit").click()
    page.get_by_role("heading", name=OPPORTUNITY).wait_for()
    assert "The time you submit is its place in line" in dialogs[0]
    expect(page.locator(".alert").first).to_contain_text("is registered (")
    expect(page.get_by_test_id("deal-status")).to_have_text("Submitted")
    expect(page.get_by_test_id("deal-standing")).to_contain_text("Waiting for the channel team")
    expect(page.get_by_test_id("deal-amount")).to_have_text(f"USD{NBSP}61,450.50")
    expect(page.get_by_test_id("deal-registered")).to_contain_text(str(timezone.localdate().year))
    deal_url = page.url
    both_widths(page, "deal-page-partner-waiting")

    # cam: the inbox links to the deal page, where he approves it.
    cam_context = browser.new_context(viewport={"width": 1280, "height": 800})
    cam = cam_context.new_page()
    try:
        sign_in(cam, portal, "acme", "cam@acme.example")
        cam.get_by_role("navigation").get_by_role("link", name="Approvals").click()
        cam.get_by_role("link", name=re.compile(OPPORTUNITY)).first.click()
        cam.get_by_role("heading", name=OPPORTUNITY).wait_for()
        expect(cam.get_by_test_id("deal-standing")).to_contain_text("the decision is due by")
        both_widths(cam, "deal-page-channel-manager")
        cam_dialogs: list[str] = []
        _accept_dialogs(cam, cam_dialogs)
        form = cam.get_by_test_id("approve-form")
        form.get_by_label("Note").fill("Good fit for Northwind.")
        form.get_by_role("button", name="Approve").click()
        expect(cam.locator(".alert").first).to_contain_text("protected until")
        assert "is protected for 90 days" in cam_dialogs[0]
        expect(cam.get_by_test_id("deal-status")).to_have_text("Approved")
    finally:
        cam_context.close()

    # bob: approved, with its protection date; told in the portal.
    page.goto(deal_url)
    expect(page.get_by_test_id("deal-status")).to_have_text("Approved")
    expect(page.get_by_test_id("deal-standing")).to_contain_text("Protected until")
    expect(page.get_by_test_id("deal-standing")).to_contain_text("90 days left")
    timeline = page.get_by_test_id("deal-timeline")
    expect(timeline).to_contain_text("Carlos Channel (Acme staff) approved it when asked")
    expect(timeline).to_contain_text("“Good fit for Northwind.”")
    assert "cam@acme.example" not in timeline.inner_text()
    both_widths(page, "deal-page-partner-approved")
    page.goto(portal.format(host="acme") + "/notifications/")
    expect(page.get_by_text(f"Approved: {OPPORTUNITY}").first).to_be_visible()
    page.get_by_role("navigation").get_by_role("link", name="Deals").click()
    page.get_by_role("link", name="Approved", exact=True).click()
    row = page.get_by_test_id("deal-row").filter(has_text=OPPORTUNITY)
    expect(row.get_by_test_id("days-left")).to_have_text("90 days")
    both_widths(page, "deal-list-approved")


@pytest.fixture
def waiting_deal(registration, django_db_blocker):
    """bob's submitted registration of the test's customer (waiting for cam)."""
    with django_db_blocker.unblock(), schema_context("acme"):
        bob = User.objects.get(email="bob@northwind.example")
        deal = services.deal_create(
            actor=bob,
            account=CustomerAccount.objects.get(name=CUSTOMER),
            name=OPPORTUNITY,
            lines=[LineIn(Product.objects.get(pk=registration["cell"]), 5, Decimal(12000))],
            currency="USD",
            expected_close_date=timezone.localdate() + timedelta(days=45),
        )
        services.deal_submit(actor=bob, deal=deal)
    return deal.pk


@pytest.mark.parametrize("email", ["bob@northwind.example", "cam@acme.example"])
def test_the_deal_pages_fit_a_phone_and_pass_axe(browser, portal, waiting_deal, email):
    paths = [f"/deals/{waiting_deal}/"]
    if email.startswith("bob"):
        paths += ["/deals/new/", "/deals/?view=open"]
    base = portal.format(host="acme")
    for width, axe in ((375, False), (1280, True)):
        context, page = signed_in(browser, portal, "acme", email, width, axe=axe)
        try:
            for path in paths:
                page.goto(base + path)
                if axe:
                    assert not axe_violations(page), path
                else:
                    assert page.evaluate("document.documentElement.scrollWidth") <= 375, path
        finally:
            context.close()


def test_carol_sees_her_competing_deal_flagged_without_northwind_and_cam_sees_both(
    browser, portal, waiting_deal, django_db_blocker
):
    with django_db_blocker.unblock(), schema_context("acme"):
        carol = User.objects.get(email="carol@contoso.example")
        contoso = Partner.objects.get(display_name="Contoso")
        status = contoso.status
        Partner.objects.filter(pk=contoso.pk).update(status=PartnerStatus.ACTIVE)
        try:
            theirs = services.deal_create(
                actor=carol,
                account=CustomerAccount.objects.get(name=CUSTOMER),
                name=f"{OPPORTUNITY} (Contoso)",
                lines=[LineIn(Product.objects.get(sku="BT-CELL-1"), 2, Decimal(11500))],
                currency="USD",
                expected_close_date=timezone.localdate() + timedelta(days=30),
            )
            services.deal_submit(actor=carol, deal=theirs)
        finally:
            Partner.objects.filter(pk=contoso.pk).update(status=status)
    base = portal.format(host="acme")
    context, page = signed_in(browser, portal, "acme", "carol@contoso.example", 1280)
    try:
        page.goto(f"{base}/deals/{theirs.pk}/")
        conflict = page.get_by_test_id("conflict").first
        expect(conflict).to_contain_text("Same customer, overlapping products")
        assert "Northwind" not in page.content()
        both_widths(page, "deal-page-partner-conflict")
    finally:
        context.close()
    context, page = signed_in(browser, portal, "acme", "cam@acme.example", 1280)
    try:
        page.goto(f"{base}/deals/{theirs.pk}/")
        competing = page.get_by_test_id("competing").first
        expect(competing.get_by_test_id("competing-partner")).to_have_text("Northwind Traders")
        expect(competing).to_contain_text(OPPORTUNITY)
        expect(competing).to_contain_text("5 \N{MULTIPLICATION SIGN} Robot cell")
        expect(page.get_by_test_id("side-by-side").first).to_contain_text("Contoso")
        both_widths(page, "deal-page-channel-manager-conflict")
    finally:
        context.close()


def test_a_decision_shows_on_the_deal_page_while_the_partner_is_on_it(
    browser, portal, waiting_deal, django_db_blocker
):
    """The page asks every few seconds whether the waiting deal was decided: an automatic
    decision (seconds) or the channel manager's appears without the partner reloading."""
    context, page = signed_in(browser, portal, "acme", "bob@northwind.example", 1280)
    try:
        page.goto(portal.format(host="acme") + f"/deals/{waiting_deal}/")
        expect(page.get_by_test_id("deal-status")).to_have_text("Submitted")
        with django_db_blocker.unblock(), schema_context("acme"):
            admin = User.objects.get(email="admin@acme.example")
            services.deal_approve(actor=admin, deal=Deal.objects.get(pk=waiting_deal), note="Clean")
        expect(page.get_by_test_id("deal-status")).to_have_text("Approved", timeout=10_000)
        expect(page.get_by_test_id("deal-standing")).to_contain_text("Protected until")
    finally:
        context.close()
