"""Issue 13, the vendor side of deal registration in the browser: the channel manager's deal
list with its saved views (tabs), and the vendor admin trying stricter name thresholds on
the deal policy page (the back-test) before saving anything. Screenshots at 1280 and 375 px."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context
from playwright.sync_api import expect

from tests.browser.test_account_merge import checked
from tests.browser.test_login import sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def axe_page(browser):
    """A page that may load axe (the CSP would refuse its script)."""
    context = browser.new_context(viewport={"width": 1280, "height": 800}, bypass_csp=True)
    yield context.new_page()
    context.close()


@pytest.fixture
def registrations(django_db_blocker):
    """Alice (Northwind Traders) registers a deal at Umbra Systems and one at Umbra Labs;
    later Carol (Contoso) one at Umbra GmbH, a possible duplicate of Umbra Systems: a
    conflict. Committed for the portal server; deleted afterwards."""
    from deals import services
    from deals.models import CustomerAccount, Deal, Product, ProductLine
    from deals.services import LineIn
    from prm.users.models import User
    from workflows.models import Approval, Notification, Workflow, WorkflowRun

    tag = uuid.uuid4().hex[:4]
    with django_db_blocker.unblock(), schema_context("acme"):
        admin = User.objects.get(email="admin@acme.example")
        alice = User.objects.get(email="alice@northwind.example")
        carol = User.objects.get(email="carol@contoso.example")
        line = ProductLine.objects.create(name=f"Umbra {tag} firewalls")
        product = Product.objects.create(
            sku=f"UMB-{tag.upper()}",
            name=f"Umbra {tag} Firewall",
            line=line,
            list_price=1000,
            currency="EUR",
        )

        def account(name: str) -> CustomerAccount:
            return services.account_create(actor=admin, name=name, country="DE", domains=[])

        systems, gmbh, labs = (
            account(f"Umbra{tag} Systems"),
            account(f"Umbra{tag} GmbH"),
            account(f"Umbra{tag} Labs"),
        )

        def register(user, customer, name: str) -> Deal:
            deal = services.deal_create(
                actor=user,
                account=customer,
                name=name,
                lines=[LineIn(product, 2, Decimal("950"))],
                currency=product.currency,
                expected_close_date=timezone.localdate() + timedelta(days=45),
            )
            return services.deal_submit(actor=user, deal=deal)

        ids = [
            register(alice, systems, f"Umbra {tag} perimeter").pk,
            register(alice, labs, f"Umbra {tag} labs refresh").pk,
            register(carol, gmbh, f"Umbra {tag} firewall swap").pk,
        ]
        accounts = [systems.pk, gmbh.pk, labs.pk]
        # Carol's deal waits for cam's decision (an approval of a workflow of the test's own).
        workflow = Workflow.objects.create(name=f"Umbra {tag} approvals", trigger="deal.submitted")
        version = workflow.versions.create(number=1, definition={"actions": []})
        run = WorkflowRun.objects.create(
            workflow=workflow, version=version, object_type="deal", object_id=str(ids[2])
        )
        Approval.objects.create(
            run=run,
            step=0,
            approver=User.objects.get(email="cam@acme.example"),
            summary=f"Approve Umbra {tag} firewall swap?",
            due_at=timezone.now() + timedelta(hours=40),
        )
    yield tag
    with django_db_blocker.unblock(), schema_context("acme"):
        WorkflowRun.objects.filter(object_type="deal", object_id__in=[str(i) for i in ids]).delete()
        workflow.delete()
        ours = {"event__object_type": "deal", "event__object_id__in": [str(i) for i in ids]}
        Notification.objects.filter(**ours).delete()
        Deal.objects.filter(pk__in=ids).delete()
        Deal.history.filter(id__in=ids).delete()
        CustomerAccount.objects.filter(pk__in=accounts).delete()
        CustomerAccount.history.filter(id__in=accounts).delete()
        Product.objects.filter(line=line).delete()
        line.delete()


def test_the_channel_manager_reads_the_deal_list_by_saved_view(axe_page, portal, registrations):
    tag, page = registrations, axe_page
    sign_in(page, portal, "acme", "cam@acme.example")
    page.get_by_role("navigation").get_by_role("link", name="Deals").click()
    views = page.get_by_test_id("deal-views")
    for label in (
        "All deals",
        "Waiting for me",
        "SLA breached",
        "Conflicts",
        "Expiring in 14 days",
    ):
        expect(views.get_by_role("link", name=label)).to_be_visible()
    expect(
        page.get_by_test_id("deal-row").filter(has_text=f"Umbra {tag} perimeter")
    ).to_be_visible()
    checked(page, "deal-list-vendor")
    views.get_by_role("link", name="Conflicts").click()
    rows = page.get_by_test_id("deal-row")
    expect(rows.filter(has_text=f"Umbra {tag} firewall swap")).to_be_visible()
    expect(rows.filter(has_text=f"Umbra {tag} perimeter")).to_have_count(0)
    checked(page, "deal-list-conflicts")
    views.get_by_role("link", name="Waiting for me").click()
    expect(rows.filter(has_text=f"Umbra {tag} firewall swap")).to_be_visible()
    # The approvals inbox says what the deal's conflicts are, beside what is asked.
    page.get_by_role("navigation").get_by_role("link", name="Approvals").click()
    asked = page.get_by_role("row").filter(has_text=f"Approve Umbra {tag} firewall swap?")
    expect(asked.get_by_test_id("approval-facts")).to_contain_text("2 conflicts, highest score")
    expect(asked.get_by_test_id("approval-facts")).to_contain_text("Possibly the same customer")
    checked(page, "approvals-deal-facts")


def test_the_vendor_admin_tries_stricter_thresholds_before_saving(
    axe_page, portal, registrations, django_db_blocker
):
    from deals.models import ReservationPolicy

    tag, page = registrations, axe_page
    sign_in(page, portal, "acme", "admin@acme.example")
    page.goto(portal.format(host="acme") + "/settings/deals/")
    for label in (
        "Names count as possibly the same customer from a similarity of",
        "Names without generic words (Group, Systems, …) count from a similarity of",
        "Lowest score of a possible duplicate",
    ):
        page.get_by_label(label).fill("0.99")
    page.get_by_role("button", name="Try these settings").click()
    result = page.get_by_test_id("backtest")
    expect(result).to_contain_text("fewer")
    expect(page.get_by_test_id("no-longer-flagged")).to_contain_text(f"Umbra {tag} firewall swap")
    checked(page, "deal-policy-backtest")
    with django_db_blocker.unblock(), schema_context("acme"):
        assert ReservationPolicy.current().name_similarity != 0.99  # nothing saved
    page.get_by_role("link", name="Rejection reasons").click()
    expect(page.get_by_test_id("reason").first).to_be_visible()
    checked(page, "deal-rejection-reasons")
