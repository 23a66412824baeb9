"""Issue 14's acceptance in the browser: bob@northwind files a fund request; cam approves
it; bob files a claim with a PDF dropped on the page (drag and drop, with the upload's
progress); cam and finance approve it (the claim is above the finance amount); finance
marks it paid in bulk with another payout; bob sees the payout and his balance; the ROI
page shows the activity with an attributed won deal. Every page at 1280 and 375 px
(screenshots in test-artifacts/), none wider than the phone, none with a serious axe
violation."""

from __future__ import annotations

import base64
import datetime as dt
import uuid
from decimal import Decimal

import pytest
from django_tenants.utils import schema_context
from playwright.sync_api import expect

from tests.browser.test_mdf_pages import look
from tests.browser.test_mobile_and_a11y import signed_in

pytestmark = pytest.mark.browser
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
FINANCE_ABOVE = Decimal("100.00")  # this test's policy: its claim needs finance too


def drop_file(page, selector: str, name: str, content: bytes, mime: str) -> None:
    """Drop a file on the element, as a person dragging it from their desktop does."""
    transfer = page.evaluate_handle(
        """([b64, name, mime]) => {
            const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
            const transfer = new DataTransfer();
            transfer.items.add(new File([bytes], name, { type: mime }));
            return transfer;
        }""",
        [base64.b64encode(content).decode(), name, mime],
    )
    page.dispatch_event(selector, "dragover", {"dataTransfer": transfer})
    page.dispatch_event(selector, "drop", {"dataTransfer": transfer})


def available(option: list[str]) -> Decimal:
    """The money a fund's option says it has ("… : USD 4,600 available")."""
    figure = option[1].rsplit(":", 1)[-1].split()[-2]  # the code and the amount: nbsp
    return Decimal(figure.replace(",", ""))


def _policy(blocker, value: Decimal | None = None) -> Decimal:
    """Set the acme tenant's finance approval amount (the old one is returned)."""
    from incentives.models import MdfPolicy

    with blocker.unblock(), schema_context("acme"):
        policy = MdfPolicy.current()
        before = policy.finance_approval_above
        if value is not None:
            policy.finance_approval_above = value
            policy.save()
        return before


def _won_deal_of_bobs_partner(blocker) -> tuple[int, str]:
    from deals.models import Deal
    from prm.users.models import User

    with blocker.unblock(), schema_context("acme"):
        bob = User.objects.get(email="bob@northwind.example")
        deal = (
            Deal.objects.filter(partner=bob.partner_membership.partner, status="won")
            .exclude(mdf_attributions__kind="sourced")
            .order_by("-closed_on")
            .first()
        )
        assert deal is not None, "the demo gives bob's partner won deals"
        return deal.pk, deal.name


def test_a_claim_from_request_to_paid_and_its_activity_on_the_roi_page(
    browser, portal, django_db_blocker
):
    title = f"Claim walk {uuid.uuid4().hex[:6]}"
    start = dt.date.today() + dt.timedelta(days=2)
    before = _policy(django_db_blocker, FINANCE_ABOVE)
    contexts = []
    try:
        bob_context, bob = signed_in(
            browser, portal, "acme", "bob@northwind.example", 1280, axe=True
        )
        cam_context, cam = signed_in(browser, portal, "acme", "cam@acme.example", 1280, axe=True)
        fin_context, fin = signed_in(
            browser, portal, "acme", "finance@acme.example", 1280, axe=True
        )
        contexts = [bob_context, cam_context, fin_context]
        for page in (bob, cam, fin):
            page.on("dialog", lambda dialog: dialog.accept())
        base = portal.format(host="acme")

        # bob asks for funds for a trade show booth ("other": the invoice is the proof).
        bob.goto(base + "/funds/")
        bob.get_by_test_id("new-request").click()
        form = bob.get_by_test_id("request-form")
        fund = form.get_by_label("Fund", exact=True)
        options = fund.locator("option").evaluate_all("os => os.map(o => [o.value, o.text])")
        fund.select_option(max((v for v in options if v[0]), key=available)[0])
        form.get_by_label("Kind of activity").select_option("other")
        form.get_by_label("Activity", exact=True).fill(title)
        form.get_by_label("Starts on").fill(start.isoformat())
        form.get_by_label("Ends on").fill(start.isoformat())
        form.get_by_label("Amount asked from the fund").fill("400")
        form.get_by_label("Campaign code").fill("WALK-1")
        form.get_by_test_id("submit").click()
        expect(bob.get_by_test_id("request-status")).to_have_text("Waiting for a decision")
        request_url = bob.url

        # cam approves it in full.
        cam.goto(base + "/funds/requests/?status=submitted")
        cam.get_by_role("link", name=title).click()
        cam.get_by_test_id("approve-form").get_by_role("button", name="Approve").click()
        expect(cam.get_by_test_id("request-status")).to_have_text("Approved")

        # bob files the claim, the invoice dropped on its box.
        bob.goto(request_url)
        bob.get_by_test_id("claim-new").click()
        claim_form = bob.get_by_test_id("claim-form")
        expect(claim_form).to_be_visible()
        look(bob, "claim-new")
        claim_form.get_by_label("Amount you claim").fill("400")
        claim_form.get_by_label("Invoice number").fill(f"WALK-{uuid.uuid4().hex[:8]}")
        claim_form.get_by_label("Supplier's tax or VAT number").fill("DE811234567")
        claim_form.get_by_label("Invoice total").fill("640")
        claim_form.get_by_label("Leads", exact=True).fill("18")
        drop_file(
            bob, "[data-testid=dropzone-invoice]", "booth-invoice.pdf", PDF, "application/pdf"
        )
        expect(bob.get_by_test_id("dropzone-invoice")).to_contain_text("booth-invoice.pdf")
        bob.get_by_test_id("claim-submit").click()
        expect(bob.get_by_test_id("claim-status")).to_have_text("Waiting for a decision")
        expect(bob.get_by_test_id("preview-pdf")).to_be_visible()
        claim_url = bob.url
        look(bob, "claim-waiting")

        # cam approves; the claim goes on to finance, who approves it on its page.
        cam.goto(claim_url)
        expect(cam.get_by_test_id("partner-history")).to_be_visible()
        expect(cam.get_by_test_id("claim-fund")).to_be_visible()
        look(cam, "claim-staff")
        cam.get_by_test_id("decide-form").get_by_label(
            "Note for the partner (needed to reject)"
        ).fill("Booth photos seen at the show")
        cam.get_by_test_id("approve").click()
        expect(cam.get_by_text("Approved: it goes on to finance.")).to_be_visible()
        expect(cam.get_by_test_id("claim-status")).to_have_text("Waiting for a decision")
        fin.goto(claim_url)
        fin.get_by_test_id("approve").click()
        expect(fin.get_by_test_id("claim-status")).to_have_text("Approved")
        number = fin.get_by_test_id("payout-status").first
        expect(number).to_have_text("Waiting for finance")

        # finance pays it in bulk with another payout waiting.
        fin.goto(base + "/funds/payouts/?status=pending")
        rows = fin.get_by_test_id("payout-row")
        expect(rows.first).to_be_visible()
        look(fin, "payouts-pending")
        ticks = fin.locator("input[name=payouts]")
        assert ticks.count() >= 2, "the demo has another payout waiting"
        mine = fin.get_by_test_id("payout-row").filter(has_text=title)
        ours = mine.locator("input[name=payouts]").get_attribute("value")
        other = next(v for v in ticks.evaluate_all("boxes => boxes.map(b => b.value)") if v != ours)
        for value in (ours, other):
            fin.locator(f"input[name=payouts][value='{value}']").check()
        fin.get_by_test_id("bulk-approve").click()
        fin.goto(base + "/funds/payouts/?status=approved")
        for value in (ours, other):
            fin.locator(f"input[name=payouts][value='{value}']").check()
        fin.get_by_test_id("bulk-export").click()
        expect(fin.get_by_text("is ready: download its file")).to_be_visible()
        fin.goto(base + "/funds/payouts/?status=exported")
        for value in (ours, other):
            fin.locator(f"input[name=payouts][value='{value}']").check()
        fin.get_by_label("Payment reference").fill("SEPA-WALK-1")
        fin.get_by_label("Payment reference").press("Enter")  # decides nothing
        fin.wait_for_timeout(300)
        assert fin.locator(f"input[name=payouts][value='{ours}']").count() == 1
        fin.get_by_test_id("bulk-paid").click()
        expect(fin.get_by_text("2 payout(s) marked paid.")).to_be_visible()
        look(fin, "payouts-paid")

        # bob sees the payout paid and his balance.
        bob.goto(base + "/funds/payouts/")
        row = bob.get_by_test_id("payout-row").filter(has_text=title)
        expect(row).to_contain_text("Paid")
        expect(row).to_contain_text("SEPA-WALK-1")
        look(bob, "payouts-mine")
        bob.goto(base + "/funds/")
        expect(bob.get_by_test_id("fund-row").first).to_be_visible()
        look(bob, "funds-after")

        # cam attributes a won deal of bob's partner to the activity; the ROI page shows it.
        deal_id, deal_name = _won_deal_of_bobs_partner(django_db_blocker)
        cam.goto(base + "/funds/results/?by=activity")
        cam.get_by_role("link", name=title).click()
        attribute = cam.get_by_test_id("attribute-form")
        attribute.get_by_label("Deal").select_option(str(deal_id))
        attribute.get_by_label("Partner-sourced").check()
        attribute.get_by_role("button", name="Attribute").click()
        expect(cam.get_by_test_id("attribution").filter(has_text=deal_name)).to_be_visible()
        expect(cam.get_by_test_id("activity-roi")).not_to_have_text("—")
        look(cam, "roi-activity")
        cam.goto(base + "/funds/results/?by=activity")
        roi_row = cam.get_by_test_id("roi-row").filter(has_text=title)
        expect(roi_row).to_be_visible()
        expect(roi_row.get_by_test_id("roi-value")).to_contain_text("%")
        look(cam, "roi")
    finally:
        _policy(django_db_blocker, before)
        for context in contexts:
            context.close()
