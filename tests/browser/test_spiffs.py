"""Issue 14, point 6 in the browser: bob sees his rewards and his yearly total with what it
means for tax forms; the vendor admin sees the SPIFF rules with their versions, the change
form that says it makes a new version, sets up a SPIFF (a bad amount refused beside its
field, what was typed kept), closes it after confirming, and reads the rewards with each
rep's yearly total. Screenshots at 1280 and 375 px; none scrolls sideways at 375."""

import pytest
from django_tenants.utils import schema_context
from playwright.sync_api import expect

from incentives.models import SpiffRule, SpiffRuleVersion
from tests.browser.test_login import sign_in
from tests.browser.test_workflow_pages import both_widths

pytestmark = pytest.mark.browser

NAME = "Browser test SPIFF"


def _forget() -> None:
    versions = SpiffRuleVersion.objects.filter(name=NAME)
    rules = list(versions.values_list("rule_id", flat=True))
    for version in versions:
        version.tiers.clear()
    versions.delete()
    SpiffRule.objects.filter(pk__in=rules).delete()


@pytest.fixture
def forget_new_rule(django_db_blocker):
    yield
    with django_db_blocker.unblock(), schema_context("acme"):
        _forget()


def test_bob_sees_his_rewards_and_his_yearly_total_against_the_tax_threshold(page, portal):
    sign_in(page, portal, "acme", "bob@northwind.example")
    page.get_by_role("navigation").get_by_role("link", name="My rewards").click()
    page.get_by_role("heading", name="My rewards").wait_for()
    expect(page.get_by_test_id("tax-sentence")).to_contain_text("tax form")
    expect(page.get_by_test_id("spiffs-for-you")).to_contain_text("Firewall push")
    years = page.get_by_test_id("reward-years").get_by_role("link")
    # The year with rewards of his (the demo's wins span this year and the last).
    for index in range(years.count()):
        years.nth(index).click()
        if page.get_by_test_id("reward-row").count():
            break
    expect(page.get_by_test_id("reward-row").first).to_be_visible()
    both_widths(page, "spiffs-my-rewards")


def test_the_admin_sets_up_changes_and_closes_a_spiff(page, portal, forget_new_rule):
    sign_in(page, portal, "acme", "admin@acme.example")
    page.get_by_role("navigation").get_by_role("link", name="SPIFFs").click()
    page.get_by_role("heading", name="SPIFFs").wait_for()
    push = page.get_by_test_id("spiff-rule").filter(has_text="Firewall push")
    expect(push).to_contain_text("version 2")
    push.get_by_test_id("spiff-versions").locator("summary").click()
    expect(push).to_contain_text("Version 1")
    both_widths(page, "spiffs-rules")

    push.get_by_role("link", name="Change").click()
    expect(page.get_by_test_id("new-version-notice")).to_contain_text("version 3")
    expect(page.get_by_role("button", name="Save as version 3")).to_be_visible()
    both_widths(page, "spiffs-change")
    page.get_by_role("link", name="Cancel").click()

    page.get_by_test_id("spiff-new").click()
    page.get_by_label("Name", exact=True).fill(NAME)
    page.get_by_label("Deals won from").fill("2026-01-01")
    page.get_by_label("Deals won until").fill("2026-12-31")
    page.get_by_label("A fixed amount per won deal line").check()
    page.get_by_label("Amount per won deal line", exact=True).fill("-5")
    page.get_by_role("button", name="Set up the SPIFF").click()
    expect(page.locator(".invalid-feedback")).to_contain_text("above zero")
    expect(page.get_by_label("Name", exact=True)).to_have_value(NAME)  # nothing typed is lost
    both_widths(page, "spiffs-new-refused")
    page.get_by_label("Amount per won deal line", exact=True).fill("125")
    page.get_by_role("button", name="Set up the SPIFF").click()
    card = page.get_by_test_id("spiff-rule").filter(has_text=NAME)
    expect(card).to_contain_text("USD\N{NO-BREAK SPACE}125 per won deal line")

    page.once("dialog", lambda dialog: dialog.accept())
    card.get_by_role("button", name="Close").click()
    expect(card.get_by_test_id("spiff-state")).to_contain_text("Closed")

    page.get_by_test_id("spiff-tabs").get_by_role("link", name="Rewards").click()
    expect(page.get_by_test_id("rep-total").first).to_be_visible()
    expect(page.get_by_test_id("reward-row").first).to_be_visible()
    both_widths(page, "spiffs-rewards")


def test_alice_sees_each_persons_total_at_northwind(page, portal):
    sign_in(page, portal, "acme", "alice@northwind.example")
    page.get_by_role("navigation").get_by_role("link", name="My rewards").click()
    page.get_by_role("heading", name="My rewards").wait_for()
    expect(page.get_by_test_id("year-total")).to_contain_text("Each person's total")
    expect(page.get_by_test_id("person-total").first).to_be_visible()
    both_widths(page, "spiffs-partner-admin")
