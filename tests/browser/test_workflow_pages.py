"""Issue 11, points 13 and 15 in the browser: a business admin reads a workflow in their own
words, follows one run step by step (who was notified, who decided what, waiting until
when), and the audit trail says what happened, without vendor staff e-mail addresses for
the partner's users. Screenshots at 1280 and 375 px of the editor, a run page and the
audit trail."""

import re
import uuid

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context
from playwright.sync_api import Page, expect

from prm.users.models import User
from tests.browser.conftest import screenshot
from tests.browser.test_login import sign_in
from tests.browser.test_workflow_editor import fabrikam_restored
from workflows.models import Notification, Workflow
from workflows.services import workflow_save

pytestmark = pytest.mark.browser


@pytest.fixture
def review(django_db_blocker):
    """An enabled workflow on Fabrikam's suspension: notify whoever did it, ask the vendor
    admins, wait two days, then tell the partner's admins. Undone afterwards."""
    name = f"Review Fabrikam {uuid.uuid4().hex[:5]}"
    started = timezone.now()
    with django_db_blocker.unblock(), schema_context("acme"):
        workflow_save(
            actor=User.objects.get(email="admin@acme.example"),
            name=name,
            trigger="partner.status_changed",
            enabled=True,
            definition={
                "conditions": {
                    "all": [
                        {"field": "display_name", "op": "=", "value": "Fabrikam"},
                        {"field": "status", "op": "=", "value": "suspended"},
                    ]
                },
                "actions": [
                    {"type": "notify", "to": "actor", "title": "{partner} is {status}"},
                    {
                        "type": "request_approval",
                        "from": "vendor_admins",
                        "note": "Keep {partner} suspended?",
                    },
                    {"type": "wait", "hours": 48},
                    {"type": "notify", "to": "partner_admins", "title": "About your status"},
                ],
            },
        )
    yield name
    with django_db_blocker.unblock(), schema_context("acme"):
        Notification.objects.filter(title=f"Approval needed: {name}").delete()
        fabrikam_restored(started, Workflow.objects.filter(name=name))


def both_widths(page: Page, name: str) -> None:
    """Screenshots at 1280 and 375 px; the narrow page must not scroll sideways."""
    page.mouse.move(0, 0)
    screenshot(page, f"{name}-1280")
    page.set_viewport_size({"width": 375, "height": 800})
    width = page.evaluate("document.documentElement.scrollWidth")
    wide = page.evaluate(
        "() => [...document.querySelectorAll('body *')]"
        ".filter(e => e.getBoundingClientRect().right > 375.5)"
        ".slice(0, 5).map(e => e.tagName + '.' + e.className)"
    )
    screenshot(page, f"{name}-375")
    page.set_viewport_size({"width": 1280, "height": 800})
    assert width <= 375, f"{name} is {width} px wide at 375: {wide}"


def test_a_run_reads_step_by_step_and_the_audit_trail_in_words(page, portal, review):
    sign_in(page, portal, "acme", "admin@acme.example")
    page.get_by_role("link", name="Workflows").click()
    row = page.get_by_role("row").filter(has_text=review)
    expect(row).to_contain_text("Partner's status changed")  # the trigger's label
    row.get_by_role("link", name=review).click()

    # The editor in the admin's words: fields, recipients, approvers by their labels.
    conditions = page.get_by_test_id("condition")
    expect(conditions.first.get_by_label("Field")).to_have_value("display_name")
    expect(conditions.first.get_by_label("Field").locator("option:checked")).to_have_text(
        "Partner's name"
    )
    actions = page.get_by_test_id("action")
    expect(actions.nth(0).get_by_label("To", exact=True).locator("option:checked")).to_have_text(
        "Whoever caused the event"
    )
    expect(actions.nth(1).get_by_label("Ask", exact=True).locator("option:checked")).to_have_text(
        "The vendor admins"
    )
    expect(page.get_by_label("Partner to try")).to_contain_text("Fabrikam")
    both_widths(page, "workflow-editor-readable")

    # Suspending Fabrikam starts a run; the admin is asked and approves with a comment.
    page.get_by_role("link", name="Partners").first.click()
    page.get_by_placeholder("Search by name").fill("Fabrikam")
    page.get_by_role("link", name="Fabrikam", exact=True).click()
    # Suspending needs a reason and is confirmed (issue 11, point 10).
    page.get_by_test_id("status-form").get_by_label("Reason").fill("Until they renew")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Suspended").click()
    page.get_by_text("Status changed.").wait_for()
    page.goto(portal.format(host="acme") + "/approvals/")
    asked = page.get_by_test_id("approvals").get_by_role("row").filter(has_text=review)
    asked.get_by_label("Comment").fill("Until they renew")
    asked.get_by_role("button", name="Approve").click()
    decided = page.get_by_test_id("decided")
    expect(decided).to_contain_text("Keep Fabrikam suspended?")
    expect(decided).to_contain_text("Approved")
    expect(decided).to_contain_text("“Until they renew”")

    # The run's page: each step, whom it notified, who decided what, until when it waits.
    page.get_by_role("link", name="Workflows").click()
    page.get_by_role("link", name=review).click()
    runs = page.get_by_test_id("runs")
    expect(runs.get_by_role("link", name="Fabrikam", exact=True)).to_be_visible()  # a name
    expect(runs).not_to_contain_text("#")
    runs.get_by_role("link", name="Steps").first.click()
    steps = page.get_by_test_id("step")
    expect(steps).to_have_count(4)
    expect(steps.nth(0)).to_contain_text("Notify whoever caused the event")
    expect(steps.nth(0)).to_contain_text(re.compile(r"Notified: \S+"))
    expect(steps.nth(1)).to_contain_text("Ask the vendor admins to approve")
    expect(steps.nth(1)).to_contain_text(re.compile(r"Approved by .+: “Until they renew”"))
    expect(steps.nth(2)).to_contain_text("Wait 48 hours")
    expect(steps.nth(2)).to_contain_text(re.compile(r"Waiting until \d+ \w+ \d{4} \d\d:\d\d"))
    expect(steps.nth(3)).to_contain_text("to do")
    both_widths(page, "workflow-run-page")

    # The audit trail says what happened, for the vendor ...
    page.get_by_role("link", name="Fabrikam", exact=True).click()
    audit = page.get_by_test_id("audit")
    expect(audit).to_contain_text(re.compile(r"Status changed from Active to Suspended by "))
    expect(audit).not_to_contain_text("Changed —")
    both_widths(page, "audit-trail-vendor")

    # ... and for the partner's admin, without the vendor staff's e-mail addresses.
    page.context.clear_cookies()
    sign_in(page, portal, "acme", "alice@northwind.example")
    page.goto(portal.format(host="acme") + "/partners/")
    page.get_by_role("link", name="Northwind Traders", exact=True).click()
    audit = page.get_by_test_id("audit")
    expect(audit).to_contain_text("Acme staff")
    expect(audit).not_to_contain_text("@acme.example")
    both_widths(page, "audit-trail-partner")
