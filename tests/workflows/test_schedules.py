"""Scheduled workflows and the decisions the engine takes: "has not happened" conditions,
periods, the tier review, reach-out and stale-profile reminders, applications decided by
rule, approvers by name or role, waiting until a date, reminder thresholds."""

from datetime import date, timedelta
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from partners import reminders
from partners import services as partner_services
from partners.models import ApplicationStatus, Certification, Partner, PartnerApplication, Tier
from prm.outbox.models import Event
from tests.partners.conftest import api_as
from workflows import definitions, engine
from workflows.approvals import approval_decide
from workflows.models import Approval, Notification, RunStatus, Workflow, WorkflowRun
from workflows.services import workflow_save

REACH_OUT = {"not_happened": "partner.contacted", "days": 60}


@pytest.fixture
def scheduled_only(world):
    """Only the test's own scheduled workflows run (the tenant's defaults are switched off)."""
    Workflow.objects.filter(trigger="schedule").update(enabled=False)
    partner_services.partner_update(
        actor=world.admin, partner=world.northwind, fields={"channel_manager": world.cam_emea}
    )
    return world


def save(world, name, trigger, definition, **kwargs):
    return workflow_save(
        actor=world.admin, name=name, trigger=trigger, enabled=True, definition=definition, **kwargs
    )


def test_has_not_happened_looks_for_the_partners_events_in_the_window(world):
    conditions = {"all": [REACH_OUT]}
    assert definitions.evaluate(conditions, world.northwind)[0] is True
    partner_services.partner_contact_log(
        actor=world.cam_emea, partner=world.northwind, fields={"kind": "call"}
    )
    matched, checks = definitions.evaluate(conditions, world.northwind)
    assert matched is False and checks[0].op == "has not happened"
    # Another partner's contact does not count, and the window looks back from "now".
    assert definitions.evaluate(conditions, world.contoso)[0] is True
    later = timezone.now() + timedelta(days=61)
    assert definitions.evaluate(conditions, world.northwind, now=later)[0] is True


def test_period_labels_make_a_schedule_run_once_per_period():
    day = date(2026, 11, 24)
    assert engine.period_label("day", day) == "2026-11-24"
    assert engine.period_label("week", day) == "2026-W48"
    assert engine.period_label("month", day) == "2026-11"
    assert engine.period_label("quarter", day) == "2026-Q4"
    assert engine.period_label("quarter", date(2027, 1, 1)) == "2027-Q1"


def test_the_reach_out_reminder_runs_weekly_until_a_contact_is_recorded(
    scheduled_only, django_capture_on_commit_callbacks
):
    world = scheduled_only
    partner_services.partner_transition(actor=world.admin, partner=world.northwind, status="active")
    save(
        world,
        "Reach out",
        "schedule",
        {
            "schedule": {"every": "week"},
            "conditions": {
                "all": [
                    {"field": "status", "op": "=", "value": "active"},
                    {"field": "display_name", "op": "=", "value": "Northwind"},
                    REACH_OUT,
                ]
            },
            "actions": [{"type": "notify", "to": "channel_manager", "title": "Call {partner}"}],
        },
    )
    monday = date(2026, 11, 23)
    with django_capture_on_commit_callbacks(execute=True):
        with mock.patch.object(timezone, "localdate", return_value=monday):
            assert engine.schedules_run() == 1
        with mock.patch.object(timezone, "localdate", return_value=monday + timedelta(days=3)):
            assert engine.schedules_run() == 0  # same week
        partner_services.partner_contact_log(
            actor=world.cam_emea, partner=world.northwind, fields={"kind": "meeting"}
        )
        with mock.patch.object(timezone, "localdate", return_value=monday + timedelta(days=7)):
            assert engine.schedules_run() == 0  # contacted: nothing to remind
    assert Notification.objects.filter(user=world.cam_emea, title="Call Northwind").count() == 1


def won_deal(world, partner, amount, days_ago: int = 30):
    """A deal the partner won ``days_ago`` for ``amount`` (in the program's currency)."""
    from deals.models import Deal, DealStatus
    from deals.services import account_create
    from prm.tenancy.context import current_tenant

    closed = date.today() - timedelta(days=days_ago)
    return Deal.objects.create(
        account=account_create(actor=world.admin, name=f"Won customer {amount} {days_ago}"),
        partner=partner,
        submitter=world.alice,
        name="Won deal",
        currency=current_tenant().currency,
        amount=amount,
        final_amount=amount,
        expected_close_date=closed,
        closed_on=closed,
        registered_at=timezone.now() - timedelta(days=days_ago + 30),
        status=DealStatus.WON,
    )


def test_the_quarterly_tier_review_proposes_and_applies_the_qualified_tier_on_approval(
    scheduled_only, django_capture_on_commit_callbacks
):
    world = scheduled_only
    registered, silver = Tier.objects.order_by("rank")[:2]
    Partner.objects.filter(pk=world.northwind.pk).update(tier=registered)
    for holder in ("Ann", "Ben", "Cy", "Dee", "Eve", "Fay")[: max(silver.min_certified_people, 1)]:
        Certification.objects.create(
            partner=world.northwind,
            holder_name=holder,
            name="Cloud Architect",
            issued_on=date.today() - timedelta(days=30),
            expires_on=date.today() + timedelta(days=300),
        )
    partner_services.partner_transition(actor=world.admin, partner=world.northwind, status="active")
    world.northwind.refresh_from_db()
    # Silver also asks for won revenue of the trailing 12 months (deal registration).
    assert world.northwind.tier_review() == ("" if silver.min_trailing_revenue else "upgrade")
    won_deal(world, world.northwind, silver.min_trailing_revenue)
    assert world.northwind.tier_review() == "upgrade"
    review = Workflow.objects.get(name="Quarterly tier review")
    review.enabled = True
    review.save()
    with django_capture_on_commit_callbacks(execute=True):
        engine.schedules_run()
    approval = Approval.objects.get(run__workflow=review, approver=world.cam_emea)
    qualified = world.northwind.qualified_tier()
    assert approval.summary == f"Tier review: Northwind from {registered} to {qualified}"
    with django_capture_on_commit_callbacks(execute=True):
        approval_decide(actor=world.cam_emea, approval_id=approval.pk, decision="approved")
    world.northwind.refresh_from_db()
    assert world.northwind.tier == qualified
    assert approval.run.steps.get(index=2).result["after"] == qualified.name
    assert Notification.objects.filter(
        user=world.alice, title=f"Northwind is now {qualified}"
    ).exists()
    with django_capture_on_commit_callbacks(execute=True):
        engine.schedules_run()  # once per quarter: no second proposal
    assert Approval.objects.filter(run__workflow=review, approver=world.cam_emea).count() == 1


def test_a_rejected_tier_review_leaves_the_tier(scheduled_only, django_capture_on_commit_callbacks):
    world = scheduled_only
    platinum = Tier.objects.order_by("-rank").first()
    Partner.objects.filter(pk=world.northwind.pk).update(tier=platinum, status="active")
    world.northwind.refresh_from_db()
    assert world.northwind.tier_review() == "downgrade"
    Workflow.objects.filter(name="Quarterly tier review").update(enabled=True)
    with django_capture_on_commit_callbacks(execute=True):
        engine.schedules_run()
    approval = Approval.objects.get(approver=world.cam_emea)
    with django_capture_on_commit_callbacks(execute=True):
        approval_decide(
            actor=world.cam_emea, approval_id=approval.pk, decision="rejected", comment="Growing"
        )
    world.northwind.refresh_from_db()
    assert world.northwind.tier == platinum
    assert WorkflowRun.objects.get(pk=approval.run_id).status == RunStatus.COMPLETED


def apply(domain: str) -> PartnerApplication:
    return partner_services.application_submit(
        fields={
            "company_name": f"{domain} Ltd",
            "partner_type": "reseller",
            "country": "DE",
            "contact_name": "Pat",
            "contact_email": f"pat@{domain}",
        },
        ip_address=None,
    )


def test_an_application_from_an_enrolled_domain_is_turned_down_by_the_default_rule(
    world, django_capture_on_commit_callbacks
):
    Partner.objects.filter(pk=world.northwind.pk).update(email_domain="northwind.example")
    with django_capture_on_commit_callbacks(execute=True):
        dupe = apply("northwind.example")
        fresh = apply("brand-new.example")
    dupe.refresh_from_db()
    fresh.refresh_from_db()
    assert dupe.status == ApplicationStatus.REJECTED
    assert "already in the program" in dupe.decision_reason
    assert fresh.status == ApplicationStatus.PENDING
    entry = dupe.history.first()
    assert entry.history_change_reason == "rejected" and entry.history_user is not None


def test_an_application_can_be_routed_to_a_named_user_and_approved_by_rule(
    world, django_capture_on_commit_callbacks
):
    save(
        world,
        "Resellers in Germany",
        "application.submitted",
        {
            "conditions": {"all": [{"field": "country.code", "op": "=", "value": "DE"}]},
            "actions": [
                {"type": "request_approval", "from": "user", "user": world.cam_emea.email},
                {"type": "approve", "reason": "Checked by {application}'s channel team"},
            ],
        },
    )
    with django_capture_on_commit_callbacks(execute=True):
        application = apply("fresh-de.example")
    approval = Approval.objects.get(approver=world.cam_emea, decided_at__isnull=True)
    with django_capture_on_commit_callbacks(execute=True):
        approval_decide(actor=world.cam_emea, approval_id=approval.pk, decision="approved")
    application.refresh_from_db()
    assert application.status == ApplicationStatus.APPROVED and application.partner is not None
    # In the name of the person who approved, not of the rule's author.
    assert application.decided_by == world.cam_emea


def test_rejecting_the_approval_of_an_application_rejects_it(
    world, django_capture_on_commit_callbacks
):
    save(
        world,
        "Ask Europe",
        "application.submitted",
        {
            "actions": [
                {
                    "type": "request_approval",
                    "from": "role",
                    "role": "channel_manager",
                    "unit": "Europe",
                }
            ]
        },
    )
    with django_capture_on_commit_callbacks(execute=True):
        application = apply("another.example")
    asked = Approval.objects.filter(run__workflow__name="Ask Europe")
    assert [a.approver for a in asked] == [world.cam_emea]  # not cam_us of the Americas
    with django_capture_on_commit_callbacks(execute=True):
        approval_decide(
            actor=world.cam_emea, approval_id=asked[0].pk, decision="rejected", comment="Too small"
        )
    application.refresh_from_db()
    assert application.status == ApplicationStatus.REJECTED
    assert application.decision_reason == f"Too small ({world.cam_emea.email})"


def test_wait_until_a_date_parks_the_run_until_then(world, django_capture_on_commit_callbacks):
    later = (date.today() + timedelta(days=10)).isoformat()
    save(
        world,
        "Wait for year end",
        "partner.status_changed",
        {
            "actions": [
                {"type": "wait", "until": later},
                {"type": "notify", "to": "actor", "title": "done"},
            ]
        },
    )
    with django_capture_on_commit_callbacks(execute=True):
        partner_services.partner_transition(
            actor=world.admin, partner=world.northwind, status="active"
        )
    run = WorkflowRun.objects.get(workflow__name="Wait for year end")
    assert run.status == RunStatus.WAITING and run.resume_at.date().isoformat() == later


def test_reminder_thresholds_come_from_the_enabled_workflows(world):
    Workflow.objects.filter(trigger="certification.expiring").exclude(
        name="Certification renewal reminders"
    ).update(enabled=False)
    defaults_wf = Workflow.objects.get(name="Certification renewal reminders")
    definition = {**defaults_wf.current.definition, "days_before": [14]}
    workflow_save(actor=world.admin, workflow=defaults_wf, definition=definition)
    assert 14 in reminders.reminder_days() and 60 not in reminders.reminder_days()
    today = date.today()
    Certification.objects.create(
        partner=world.northwind,
        holder_name="Ann",
        name="Security",
        issued_on=today - timedelta(days=300),
        expires_on=today + timedelta(days=12),
    )
    reminders.certifications_expiring(today)
    event = Event.objects.get(type="certification.expiring", payload__certification_name="Security")
    assert event.payload["days"] == 14 and event.partner_id == world.northwind.pk


@pytest.mark.parametrize(
    "trigger,definition,message",
    [
        (
            "partner.enrolled",
            {"actions": [{"type": "request_approval", "from": "user", "user": "nobody@x.example"}]},
            "no active vendor user",
        ),
        (
            "partner.enrolled",
            {
                "actions": [
                    {
                        "type": "request_approval",
                        "from": "role",
                        "role": "finance_approver",
                        "unit": "Atlantis",
                    }
                ]
            },
            "no org unit named 'Atlantis'",
        ),
        (
            "schedule",
            {
                "schedule": {"every": "fortnight"},
                "actions": [{"type": "notify", "to": "channel_manager", "title": "x"}],
            },
            "every is one of",
        ),
        ("partner.enrolled", {"actions": [{"type": "wait", "until": "next tuesday"}]}, "a date"),
        ("partner.enrolled", {"actions": [{"type": "wait"}]}, "hours or until"),
        (
            "schedule",
            {
                "conditions": {"all": [{"not_happened": "deal.teleported", "days": 90}]},
                "actions": [{"type": "notify", "to": "channel_manager", "title": "x"}],
            },
            "unknown event 'deal.teleported'",
        ),
        (
            "partner.enrolled",
            {"actions": [{"type": "set_field", "field": "tier.name", "value": "Diamond"}]},
            "no tier 'Diamond'",
        ),
        ("partner.enrolled", {"actions": [{"type": "approve"}]}, "does not apply to a partner"),
        (
            "application.submitted",
            {"actions": [{"type": "reject"}]},
            "reject needs reason",
        ),
        (
            "partner.enrolled",
            {"days_before": [30], "actions": [{"type": "notify", "to": "actor", "title": "x"}]},
            "only certification.expiring",
        ),
    ],
)
def test_bad_options_are_refused_on_save(world, trigger, definition, message):
    with pytest.raises(ValidationError, match=message):
        save(world, "Bad", trigger, definition)


def test_contacts_are_the_vendor_teams_record(world):
    url = f"/api/v1/partners/{world.northwind.pk}/contacts/"
    created = api_as(world.cam_emea).post(url, {"kind": "visit", "note": "QBR"}, format="json")
    assert created.status_code == 201 and created.json()["user"] == world.cam_emea.email
    assert [c["note"] for c in api_as(world.admin).get(url).json()] == ["QBR"]
    assert api_as(world.alice).get(url).json() == []  # the vendor's own notes
    refused = api_as(world.alice).post(url, {"kind": "call"}, format="json")
    assert refused.status_code == 403
    assert api_as(world.cam_us).get(url).status_code == 404  # another region's partner
    bad = api_as(world.cam_emea).post(url, {"kind": "telepathy"}, format="json")
    assert bad.status_code == 400 and "kind" in bad.json()["fields"]
    assert (
        Event.objects.filter(type="partner.contacted", partner_id=world.northwind.pk).count() == 1
    )


def test_approve_and_reject_are_accepted_exactly_on_subjects_that_declare_a_decision(world):
    from workflows import subjects

    decided = set()
    for trigger in subjects.TRIGGERS:
        if subjects.is_schedule(trigger):
            continue
        try:
            definitions.validate(trigger, {"actions": [{"type": "reject", "reason": "no"}]})
            decided.add(subjects.subject_of(trigger).name)
        except ValidationError:
            pass
    assert decided == {name for name, s in subjects.SUBJECTS.items() if s.decide is not None}
    assert decided == {"deal", "mdfclaim", "mdfrequest", "partnerapplication", "reservation"}
