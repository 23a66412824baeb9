"""Approvals: asked of the right people, decided once, resuming the run, escalated after
the SLA by the sweep."""

from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone

from partners import services as partner_services
from prm.users.models import Role
from prm.users.services import user_create
from tests.partners.conftest import api_as
from tests.workflows.test_engine import ACTIVE, activate
from workflows import engine
from workflows.models import Approval, Notification, RunStatus
from workflows.services import workflow_save


@pytest.fixture
def approval_flow(world):
    """Activation asks the territory's manager, escalates to the manager above after 4 h,
    then notifies the partner admins."""
    # DACH has no manager of its own: its nearest managed unit is Europe (cam_emea); the
    # unit above that, Planet, gets a manager for escalations.
    world.boss = user_create(
        email="boss@world.example", role=Role.CHANNEL_MANAGER, send_welcome=False
    )
    partner_services.org_unit_membership_set(
        actor=world.admin, unit=world.global_, user=world.boss, role="manager"
    )
    workflow_save(
        actor=world.admin,
        name="Activation review",
        trigger="partner.status_changed",
        enabled=True,
        definition={
            "conditions": ACTIVE,
            "actions": [
                {"type": "request_approval", "from": "unit_manager"},
                {"type": "escalate", "after_hours": 4, "to": "parent_unit_manager"},
                {"type": "notify", "to": "partner_admins", "title": "You are approved"},
            ],
        },
    )
    return world


def test_the_unit_manager_is_asked_and_approving_resumes_the_run(
    approval_flow, django_capture_on_commit_callbacks
):
    w = approval_flow
    run = activate(w, django_capture_on_commit_callbacks)
    assert run.status == RunStatus.WAITING
    inbox = api_as(w.cam_emea).get("/api/v1/approvals/").json()["results"]
    assert [a["workflow"] for a in inbox] == ["Activation review"]
    assert api_as(w.cam_us).get("/api/v1/approvals/").json()["results"] == []
    with django_capture_on_commit_callbacks(execute=True):
        decided = api_as(w.cam_emea).post(
            f"/api/v1/approvals/{inbox[0]['id']}/approve/", {"comment": "Looks good"}
        )
    assert decided.json()["decision"] == "approved"
    run.refresh_from_db()
    assert run.status == RunStatus.COMPLETED
    assert Notification.objects.filter(user=w.alice, title="You are approved").exists()
    again = api_as(w.cam_emea).post(f"/api/v1/approvals/{inbox[0]['id']}/approve/")
    assert again.status_code == 409


def test_rejecting_ends_the_run_without_the_later_actions(
    approval_flow, django_capture_on_commit_callbacks
):
    w = approval_flow
    run = activate(w, django_capture_on_commit_callbacks)
    approval = Approval.objects.get(run=run)
    api_as(w.cam_emea).post(f"/api/v1/approvals/{approval.pk}/reject/", {"comment": "No"})
    run.refresh_from_db()
    assert run.status == RunStatus.COMPLETED
    assert run.steps.get(index=0).result["decision"] == "rejected"
    assert not Notification.objects.filter(title="You are approved").exists()


def test_an_overdue_approval_is_escalated_by_the_sweep_once(
    approval_flow, django_capture_on_commit_callbacks
):
    w = approval_flow
    run = activate(w, django_capture_on_commit_callbacks)
    Approval.objects.filter(run=run).update(due_at=timezone.now() - timedelta(minutes=1))
    with mock.patch("workflows.tasks.run_advance.delay"):
        engine.runs_redrive()
        engine.runs_redrive()
    boss_approvals = Approval.objects.filter(run=run, approver=w.boss)
    assert boss_approvals.count() == 1
    assert Notification.objects.filter(user=w.boss, title__startswith="Escalated").count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        api_as(w.boss).post(f"/api/v1/approvals/{boss_approvals.get().pk}/approve/")
    run.refresh_from_db()
    assert run.status == RunStatus.COMPLETED
    assert run.steps.get(index=1).result == {"escalated": True}
    assert Approval.objects.get(run=run, approver=w.cam_emea).superseded


def test_others_cannot_decide_an_approval_not_theirs(
    approval_flow, django_capture_on_commit_callbacks
):
    w = approval_flow
    run = activate(w, django_capture_on_commit_callbacks)
    approval = Approval.objects.get(run=run)
    assert api_as(w.cam_us).post(f"/api/v1/approvals/{approval.pk}/approve/").status_code == 404


def test_escalate_must_follow_a_request_for_approval(world):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="escalate follows"):
        workflow_save(
            actor=world.admin,
            name="Odd",
            trigger="partner.status_changed",
            definition={"actions": [{"type": "escalate", "after_hours": 1, "to": "vendor_admins"}]},
        )


def test_the_inbox_page_decides_with_a_comment(approval_flow, django_capture_on_commit_callbacks):
    from tests.partners.test_pages import browser_as

    w = approval_flow
    run = activate(w, django_capture_on_commit_callbacks)
    approval = Approval.objects.get(run=run)
    client = browser_as(w.cam_emea)
    assert "Activation review" in client.get("/approvals/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/approvals/",
            {"approval": approval.pk, "decision": "approved", "comment": "ok"},
            follow=True,
        )
    assert "Decision recorded: approved." in response.content.decode()
    approval.refresh_from_db()
    assert (approval.decision, approval.comment) == ("approved", "ok")


def test_an_approver_asks_for_information_and_the_approval_stays_open(
    approval_flow, django_capture_on_commit_callbacks
):
    w = approval_flow
    run = activate(w, django_capture_on_commit_callbacks)
    approval = Approval.objects.get(run=run)
    client = api_as(w.cam_emea)
    empty = client.post(f"/api/v1/approvals/{approval.pk}/request-info/", {"comment": " "})
    assert empty.status_code == 400
    asked = client.post(
        f"/api/v1/approvals/{approval.pk}/request-info/",
        {"comment": "Which vertical do you serve?"},
    ).json()
    assert asked["info_requested_at"] and asked["decision"] == ""
    question = Notification.objects.get(user=w.alice, title="Question about Activation review")
    assert "Which vertical" in question.body
    assert client.post(f"/api/v1/approvals/{approval.pk}/approve/").status_code == 200


def test_decisions_are_in_the_audit_trail(approval_flow, django_capture_on_commit_callbacks):
    w = approval_flow
    activate(w, django_capture_on_commit_callbacks)
    approval = Approval.objects.get(approver=w.cam_emea)
    with django_capture_on_commit_callbacks(execute=True):
        api_as(w.cam_emea).post(f"/api/v1/approvals/{approval.pk}/approve/", {"comment": "Fine"})
    query = {"object_type": "approval", "object_id": approval.pk}
    trail = api_as(w.admin).get("/api/v1/audit/", query).json()["results"]
    assert trail[0]["by"] == w.cam_emea.email and trail[0]["reason"] == "approved: Fine"
    assert trail[0]["summary"] == f"Decision set to Approved by {w.cam_emea.email}: “Fine”"
    assert trail[-1]["summary"] == "Requested."
    assert {"field": "decision", "before": "", "after": "approved"} in [
        {k: c[k] for k in ("field", "before", "after")} for c in trail[0]["changes"]
    ]
    assert api_as(w.cam_emea).get("/api/v1/audit/", query).status_code == 200  # their own
    assert api_as(w.cam_us).get("/api/v1/audit/", query).status_code == 404


def test_a_two_level_chain_asks_the_unit_manager_then_the_one_above(
    approval_flow, django_capture_on_commit_callbacks
):
    w = approval_flow
    workflow_save(
        actor=w.admin,
        name="Two levels",
        trigger="partner.status_changed",
        enabled=True,
        definition={
            "conditions": ACTIVE,
            "actions": [
                {"type": "request_approval", "from": "unit_manager"},
                {"type": "request_approval", "from": "parent_unit_manager"},
                {"type": "notify", "to": "vendor_admins", "title": "Both approved"},
            ],
        },
    )
    activate(w, django_capture_on_commit_callbacks)
    chain = Approval.objects.filter(run__workflow__name="Two levels")
    first = chain.get()
    assert first.approver == w.cam_emea
    with django_capture_on_commit_callbacks(execute=True):
        api_as(w.cam_emea).post(f"/api/v1/approvals/{first.pk}/approve/", {})
    second = chain.exclude(pk=first.pk).get()
    assert second.approver == w.boss and second.decided_at is None
    assert not Notification.objects.filter(title="Both approved").exists()
    with django_capture_on_commit_callbacks(execute=True):
        api_as(w.boss).post(f"/api/v1/approvals/{second.pk}/approve/", {})
    assert Notification.objects.filter(user=w.admin, title="Both approved").count() == 1


def test_deciding_an_approval_marks_the_approval_notifications_of_everyone_asked_done(
    approval_flow, django_capture_on_commit_callbacks
):
    w = approval_flow
    run = activate(w, django_capture_on_commit_callbacks)
    Approval.objects.filter(run=run).update(due_at=timezone.now() - timedelta(minutes=1))
    with mock.patch("workflows.tasks.run_advance.delay"):
        engine.runs_redrive()  # escalated: the boss is asked too
    asked = Notification.objects.filter(user__in=[w.cam_emea, w.boss], url="/approvals/")
    assert asked.count() == 2 and not asked.filter(done_at__isnull=False).exists()
    boss_approval = Approval.objects.get(run=run, approver=w.boss)
    with django_capture_on_commit_callbacks(execute=True):
        api_as(w.boss).post(f"/api/v1/approvals/{boss_approval.pk}/approve/")
    assert asked.filter(done_at__isnull=False, read_at__isnull=False).count() == 2
    told = Notification.objects.filter(user=w.alice, title="You are approved")
    assert told.get().done_at is None  # asked for nothing
