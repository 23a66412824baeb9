"""Issue 5 in the browser: a vendor admin writes a workflow, dry-runs it, enables it, and
sees its run after triggering it."""

import json
import uuid

import pytest
from django_tenants.utils import schema_context

from partners.models import Partner
from tests.browser.conftest import screenshot
from tests.browser.test_login import sign_in
from workflows.models import Notification, Workflow, WorkflowRun

pytestmark = pytest.mark.browser


@pytest.fixture
def tag(django_db_blocker):
    tag = uuid.uuid4().hex[:5]
    yield tag
    with django_db_blocker.unblock(), schema_context("acme"):
        Partner.objects.filter(display_name="Fabrikam").update(status="active")
        Notification.objects.filter(title="Fabrikam is suspended").delete()
        made = Workflow.objects.filter(name__startswith="Watch Fabrikam ")
        WorkflowRun.objects.filter(workflow__in=made).delete()
        made.update(current=None)
        made.delete()


def test_vendor_admin_writes_dry_runs_enables_and_sees_a_run(page, portal, tag):
    name = f"Watch Fabrikam {tag}"
    sign_in(page, portal, "acme", "admin@acme.example")
    page.get_by_role("link", name="Workflows").click()
    page.get_by_role("link", name="New workflow").click()
    page.get_by_label("Name").fill(name)
    page.get_by_label("Trigger").select_option("partner.status_changed")
    definition = {
        "conditions": {"all": [{"field": "display_name", "op": "=", "value": "Fabrikam"}]},
        "actions": [{"type": "notify", "to": "vendor_admins", "title": "{partner} is {status}"}],
    }
    page.get_by_label("Definition").fill(json.dumps(definition))
    page.get_by_role("button", name="Save").click()
    page.get_by_text(f"{name} saved (version 1)").wait_for()

    page.get_by_placeholder("Partner name").fill("Fabrikam")
    page.get_by_role("button", name="Dry run").click()
    assert "conditions met" in page.get_by_test_id("dry-run").inner_text()
    screenshot(page, "workflow-dry-run")

    page.get_by_label("Enabled").check()
    page.get_by_role("button", name="Save").click()
    page.get_by_text(f"{name} saved (version 1)").wait_for()  # same definition

    page.get_by_role("link", name="Partners").first.click()
    page.get_by_placeholder("Search by name").fill("Fabrikam")
    page.get_by_role("link", name="Fabrikam", exact=True).click()
    page.get_by_role("button", name="Suspended").click()
    page.get_by_text("Status changed.").wait_for()

    page.get_by_role("link", name="Workflows").click()
    page.get_by_role("link", name=name).click()
    assert "completed" in page.get_by_test_id("runs").inner_text()
    screenshot(page, "workflow-run-seen")
    page.get_by_role("link", name="Notifications").click()
    assert "Fabrikam is suspended" in page.get_by_test_id("notifications").inner_text()
