"""Issue 14, point 2 in the browser: finance opens the exchange rates from the menu (acme's
EUR and GBP rates in force, and their history), adds a rate (a bad one first: its error
beside the field, nothing saved; the good one confirmed); bob's request and claim forms
offer the currencies with a rate; the channel manager reads the demo's claim entered in EUR
with both amounts. Every page at 1280 and 375 px (screenshots), none wider than the phone,
none with a serious axe violation."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from playwright.sync_api import expect

from tests.browser.test_mdf_pages import look
from tests.browser.test_mobile_and_a11y import signed_in

pytestmark = pytest.mark.browser


def test_finance_adds_a_rate_and_the_forms_offer_its_currency(browser, portal):
    context, page = signed_in(browser, portal, "acme", "finance@acme.example", 1280, axe=True)
    try:
        page.on("dialog", lambda dialog: dialog.accept())
        page.get_by_role("navigation", name="Main").get_by_role(
            "link", name="Exchange rates"
        ).click()
        expect(page.get_by_role("heading", name="Exchange rates")).to_be_visible()
        in_force = page.get_by_test_id("rates-in-force")
        for code in ("EUR", "GBP"):
            expect(in_force.get_by_role("cell", name=code, exact=False).first).to_be_visible()
        look(page, "rates")

        form = page.get_by_test_id("rate-form")
        form.get_by_label("Currency").select_option("SEK")
        form.get_by_label("Rate").fill("0")
        form.get_by_test_id("add-rate").click()
        expect(form.get_by_text("Enter a rate above zero.")).to_be_visible()
        look(page, "rates-error")

        # The committed test database keeps it: a day of its own, in the past.
        day = dt.date.today() - dt.timedelta(days=random.randint(400, 4000))
        form = page.get_by_test_id("rate-form")
        form.get_by_label("Rate").fill("0.0951")
        form.get_by_label("In force from").fill(day.isoformat())
        form.get_by_test_id("add-rate").click()
        expect(page.get_by_text("1 SEK = 0.0951 USD from")).to_be_visible()
        expect(page.get_by_test_id("rates-in-force")).to_contain_text("SEK")
    finally:
        context.close()

    context, bob = signed_in(browser, portal, "acme", "bob@northwind.example", 1280, axe=True)
    try:
        bob.goto(portal.format(host="acme") + "/funds/requests/new/")
        currency = bob.get_by_test_id("request-form").get_by_label("Currency of the amounts")
        options = currency.locator("option").evaluate_all("os => os.map(o => o.value)")
        assert {"USD", "EUR", "GBP"} <= set(options), options
        look(bob, "request-new-currencies")
        # A claim form of an approved request still open: the invoice's currency offered.
        base = portal.format(host="acme")
        answer = bob.goto(base + "/api/v1/mdf/requests/?status=approved&format=json")
        approved = answer.json()
        today = dt.date.today().isoformat()
        for row in approved["results"]:
            if row["claim_due_on"] >= today and row["ends_on"] <= today:
                bob.goto(f"{base}/funds/requests/{row['id']}/claim/")
                if bob.get_by_test_id("claim-form").count():
                    break
        else:
            pytest.fail("bob has no approved request to claim")
        invoice = bob.get_by_test_id("claim-form").get_by_label("Currency of the invoice")
        assert {"USD", "EUR", "GBP"} <= set(
            invoice.locator("option").evaluate_all("os => os.map(o => o.value)")
        )
        look(bob, "claim-new-currencies")
    finally:
        context.close()

    context, cam = signed_in(browser, portal, "acme", "cam@acme.example", 1280, axe=True)
    try:
        cam.goto(portal.format(host="acme") + "/funds/claims/?status=submitted")
        rows = cam.locator("a[href^='/funds/claims/']")
        for href in rows.evaluate_all("as => as.map(a => a.getAttribute('href'))"):
            if not href.rstrip("/").split("/")[-1].isdigit():
                continue
            cam.goto(portal.format(host="acme") + href)
            if cam.get_by_test_id("claim-entered").count():
                break
        else:
            pytest.fail("no claim entered in EUR among the waiting ones")
        expect(cam.get_by_test_id("claim-entered")).to_contain_text("Claimed as EUR")
        look(cam, "claim-in-eur")
    finally:
        context.close()
