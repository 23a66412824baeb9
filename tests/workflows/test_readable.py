"""Issue 11, point 13: workflows read in a business admin's words. Triggers, fields,
recipients and approvers are named by their subjects' declarations; a run has a page of
its steps (who was notified, until when it waits, who decided what); objects are named,
not numbered; decided approvals say what was decided; the editor's simulation period
defaults to one that holds events."""

import html
from datetime import timedelta

import pytest
from django.utils import timezone

from partners import services as partner_services
from prm.outbox.models import Event
from tests.partners.conftest import api_as
from tests.partners.test_pages import browser_as
from tests.workflows.test_engine import ACTIVE, activate
from workflows import builder, definitions, subjects
from workflows.models import Approval, RunStatus
from workflows.services import workflow_save
from workflows.simulation import default_period

REVIEW = [
    {"type": "notify", "to": "actor", "title": "{partner} is active"},
    {"type": "request_approval", "from": "unit_manager", "note": "Activate {partner}?"},
    {"type": "escalate", "after_hours": 4, "to": "parent_unit_manager"},
    {"type": "wait", "until": "2099-12-31"},
    {"type": "notify", "to": "partner_admins", "title": "Welcome"},
]


def text(response) -> str:
    return html.unescape(response.content.decode())


def test_triggers_fields_and_people_are_named_by_the_subject_declarations(acme):
    partner = subjects.SUBJECTS["partner"]
    assert subjects.trigger_label("partner.status_changed") == "Partner's status changed"
    assert subjects.trigger_label("schedule") == "On a schedule, for each partner"
    assert subjects.trigger_label("application.submitted") == "Application submitted"
    assert subjects.field_label("partner.enrolled", "tier.name") == "Partner's tier"
    assert partner.field_label("no.such") == "no.such"
    assert definitions.who_label(partner, "actor") == "whoever caused the event"
    assert definitions.who_label(partner, "channel_manager") == "the partner's channel manager"
    # An application reaches the partner's labels through partner_of only: it has none.
    application = subjects.SUBJECTS["partnerapplication"]
    assert definitions.who_label(application, "vendor_admins") == "the vendor admins"
    assert dict(definitions.trigger_choices())["partner.enrolled"] == "Partner enrolled"


def test_actions_read_as_sentences(acme):
    partner = subjects.SUBJECTS["partner"]
    said = [builder.describe(partner, a) for a in REVIEW]
    assert said == [
        "Notify whoever caused the event: “{partner} is active”",
        "Ask the manager of the partner's territory to approve: “Activate {partner}?”",
        "If not decided within 4 hours, ask the manager of the unit above the partner's territory",
        "Wait until 31 Dec 2099",
        "Notify the partner's admins: “Welcome”",
    ]
    assert builder.describe(partner, {"type": "set_field", "field": "tier.name", "value": "Gold"})
    assert builder.describe(partner, {"type": "wait", "hours": 2}) == "Wait 2 hours"
    role = {"type": "request_approval", "from": "role", "role": "finance_approver"}
    assert builder.describe(partner, role) == "Ask the finance approvers to approve"
    started = {"type": "start_workflow", "workflow": 7}
    assert builder.describe(partner, started, {"7": "Onboarding"}) == (
        "Start the workflow “Onboarding”"
    )


def test_the_editor_offers_recipients_and_triggers_by_their_labels(world):
    page = text(browser_as(world.admin).get("/workflows/new/"))
    assert '<option value="actor">Whoever caused the event</option>' in page
    manager = "The partner's channel manager"
    assert f'<option value="channel_manager" selected>{manager}</option>' in page
    assert '<option value="partner.status_changed">Partner\'s status changed</option>' in page
    listed = text(browser_as(world.admin).get("/workflows/"))
    assert "<td>On a schedule, for each partner</td>" in listed  # the default reminders
    assert "<code>" not in listed


@pytest.fixture
def review(world, django_capture_on_commit_callbacks):
    """A run of REVIEW on Northwind, decided by its unit manager (cam_emea): it waits."""
    workflow = workflow_save(
        actor=world.admin,
        name="Activation review",
        trigger="partner.status_changed",
        enabled=True,
        definition={"conditions": ACTIVE, "actions": REVIEW},
    )
    run = activate(world, django_capture_on_commit_callbacks)
    approval = Approval.objects.get(run=run)
    with django_capture_on_commit_callbacks(execute=True):
        api_as(world.cam_emea).post(
            f"/api/v1/approvals/{approval.pk}/approve/", {"comment": "Good partner"}
        )
    run.refresh_from_db()
    assert run.status == RunStatus.WAITING and run.next_step == 4
    world.workflow, world.run = workflow, run
    return world


def test_a_run_page_lists_its_steps_with_whom_and_until_when(review):
    w = review
    page = text(browser_as(w.admin).get(f"/workflow-runs/{w.run.pk}/"))
    assert "Activation review" in page and ">Northwind</a>" in page
    steps = page.split('data-testid="step"')[1:]
    assert len(steps) == 5
    assert "Notify whoever caused the event" in steps[0]
    assert "Notified: va@world.example" in steps[0]
    assert "Ask the manager of the partner's territory to approve" in steps[1]
    assert "Approved</strong> by cam.emea@world.example" in steps[1]
    assert "“Good partner”" in steps[1]
    assert "If not decided within 4 hours" in steps[2]
    assert "waiting" in steps[3] and "Waiting until 31 Dec 2099 00:00" in steps[3]
    assert "to do" in steps[4] and "Notified" not in steps[4]


def test_the_run_page_is_only_for_the_runs_readers(review):
    w = review
    assert browser_as(w.cam_emea).get(f"/workflow-runs/{w.run.pk}/").status_code == 404
    assert browser_as(w.alice).get(f"/workflow-runs/{w.run.pk}/").status_code == 404
    assert browser_as(w.admin).get("/workflow-runs/999999/").status_code == 404


def test_the_runs_table_names_the_object_and_links_the_run_page(review):
    w = review
    page = text(browser_as(w.admin).get(f"/workflows/{w.workflow.pk}/"))
    runs = page.split('data-testid="runs"')[1]
    assert ">Northwind</a>" in runs and f"#{w.northwind.pk}" not in runs
    assert f'href="/workflow-runs/{w.run.pk}/"' in runs


def test_decided_approvals_show_what_was_decided(review):
    w = review
    page = text(browser_as(w.cam_emea).get("/approvals/"))
    decided = page.split('data-testid="decided"')[1]
    assert "Approved" in decided and "Activate Northwind?" in decided
    assert "“Good partner”" in decided and "Activation review" in decided


def test_the_default_simulation_period_holds_the_triggers_events(world):
    today = timezone.localdate()
    assert default_period("partner.contacted") == (today - timedelta(days=89), today)
    partner_services.partner_contact_log(
        actor=world.admin, partner=world.northwind, fields={"kind": "call"}
    )
    Event.objects.filter(type="partner.contacted").update(
        created_at=timezone.now() - timedelta(days=200)
    )
    start, end = default_period("partner.contacted")
    assert end == today - timedelta(days=200) and start == end - timedelta(days=89)
    page = browser_as(world.admin).post(
        "/workflows/new/", {"trigger": "partner.contacted", "op": "refresh"}
    )
    assert f'name="sim_to" value="{end.isoformat()}"' in page.content.decode()
