"""Issue 11, point 12 in the browser: the vendor admin's acceptance report with "remind
those pending", the confirmed publishing of a new version, and the partner's printable copy
with the date they accepted, at desktop and phone widths."""

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from partners.models import Agreement
from prm.outbox.models import Event
from tests.browser.conftest import screenshot
from tests.browser.test_login import sign_in
from workflows.models import Notification

pytestmark = pytest.mark.browser


@pytest.fixture
def reminders_removed(django_db_blocker):
    """Take the test's reminders out again (the browser writes to the shared test database,
    which --reuse-db keeps, and a reminder holds off the next one for a day)."""
    started = timezone.now()
    yield
    with django_db_blocker.unblock(), schema_context("acme"):
        # The demo's own reminder of a month ago stays.
        events = Event.objects.filter(type="agreement.reminder_sent", created_at__gte=started)
        Notification.objects.filter(event__in=events).delete()
        events.delete()


def test_vendor_admin_reads_the_acceptance_report_and_reminds_those_pending(
    page, portal, reminders_removed
):
    sign_in(page, portal, "acme", "admin@acme.example")
    page.get_by_role("link", name="Agreement").first.click()
    page.get_by_role("link", name="Acceptance report").click()
    page.get_by_role("heading", name="Agreement acceptance").wait_for()
    pending = int(page.get_by_test_id("pending-count").inner_text())
    assert pending > 0
    assert "alice@northwind.example" in page.get_by_test_id("accepted").inner_text()
    assert "bob@northwind.example" in page.get_by_test_id("pending").inner_text()
    screenshot(page, "agreement-report-1280")
    page.set_viewport_size({"width": 375, "height": 800})
    page.reload()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the report is {width}px wide at 375px"
    screenshot(page, "agreement-report-375")
    page.set_viewport_size({"width": 1280, "height": 800})

    # Dismissing the confirmation sends nothing; accepting it reminds each person once.
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.get_by_role("button", name="Remind those pending").click()
    assert page.get_by_role("button", name="Remind those pending").is_visible()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Remind those pending").click()
    page.get_by_text(f"Reminded {pending} people").wait_for()
    page.get_by_text("Everyone pending was reminded within the last day.").wait_for()
    screenshot(page, "agreement-report-reminded")


def versions(django_db_blocker) -> int:
    with django_db_blocker.unblock(), schema_context("acme"):
        return Agreement.objects.count()


def test_publishing_a_new_version_asks_first_and_dismissing_publishes_nothing(
    page, portal, django_db_blocker
):
    before = versions(django_db_blocker)
    sign_in(page, portal, "acme", "admin@acme.example")
    page.goto(portal.format(host="acme") + "/agreement/")
    page.get_by_role("link", name="Publish a new version").click()
    assert page.get_by_label("Title").input_value()  # starts from the current text
    screenshot(page, "agreement-publish")
    asked: list[str] = []

    def dismiss(dialog):
        asked.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", dismiss)
    page.get_by_role("button", name="Publish version").click()
    assert asked and "accept it again" in asked[0]
    assert versions(django_db_blocker) == before


def test_partner_prints_the_agreement_with_the_date_they_accepted(page, portal):
    sign_in(page, portal, "acme", "alice@northwind.example")
    page.goto(portal.format(host="acme") + "/agreement/")
    page.get_by_role("link", name="Printable copy").click()
    sheet = page.get_by_test_id("printable")
    sheet.wait_for()
    said = page.get_by_test_id("acceptance").inner_text()
    assert "Accepted by Alice Andrews" in said and "Northwind Traders" in said
    assert page.get_by_role("button", name="Print").is_visible()
    screenshot(page, "agreement-print-1280")
    page.set_viewport_size({"width": 375, "height": 800})
    page.reload()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the printable copy is {width}px wide at 375px"
    screenshot(page, "agreement-print-375")
    # On paper: no buttons, the terms and the acceptance only.
    page.set_viewport_size({"width": 1280, "height": 800})
    page.emulate_media(media="print")
    assert not page.get_by_role("button", name="Print").is_visible()
    assert "Accepted by Alice Andrews" in page.get_by_test_id("acceptance").inner_text()
    screenshot(page, "agreement-print-paper")
