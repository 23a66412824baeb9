"""A workflow subject declared only here (certifications, over the existing table) passes
through every engine feature: validation, the builder, events and conditions, computed
fields, placeholders, recipients and approvers through its partner, set_field through its
own service, decisions, "has not happened", schedules, defaults, dry run, simulation,
analytics and the approvals inbox. The engine knows nothing of it but its declaration."""

from __future__ import annotations

from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from partners import scope
from partners import services as partner_services
from partners.models import Certification
from prm.outbox.events import EVENT_TYPES, event_emit
from prm.outbox.models import Event
from tests.conftest import login_client
from tests.partners.conftest import api_as
from workflows import builder, definitions, engine, subjects
from workflows.approvals import approval_decide
from workflows.models import Approval, Notification, RunStatus, WorkflowRun
from workflows.selectors import workflow_analytics
from workflows.services import defaults_install, workflow_save
from workflows.simulation import simulate
from workflows.subjects import Decide, Field, Settable, Subject

EVENT = "certification.renewed"
SCHEDULE = "certification.schedule"


@pytest.fixture
def cert_subject(world):
    """The test's subject, declared for the test and withdrawn after it."""
    decided: list[tuple[str, int, str]] = []

    def rename(cert, value, context):
        before, after = cert.name, context.render(value)
        Certification.objects.filter(pk=cert.pk).update(name=after)  # "the owner's service"
        return before, after

    subject = Subject(
        name="certification",
        model=Certification,
        label="certification",
        events={EVENT: "A test certification was renewed."},
        fields=[
            Field("name", "str", "Certification name"),
            Field("holder_name", "str", "Holder"),
            Field(
                "days_held", "int", "Days held", read=lambda c: (date.today() - c.issued_on).days
            ),
        ],
        settable={
            "name": Settable("Name", lambda v: None if v else "a name is needed.", rename),
        },
        decide=Decide(
            approve=lambda c, actor, reason: decided.append(("approved", c.pk, reason)),
            reject=lambda c, actor, reason: decided.append(("rejected", c.pk, reason)),
        ),
        placeholders={"holder": lambda c, payload: c.holder_name},
        partner_of=lambda c: c.partner,
        url=lambda pk: f"/certifications/{pk}/",
        schedule_trigger=SCHEDULE,
        schedule=lambda: Certification.objects.select_related("partner"),
        defaults=[
            {
                "name": "Test: certification renewed",
                "description": "A default the test subject declares.",
                "trigger": EVENT,
                "definition": {"actions": [{"type": "notify", "to": "actor", "title": "Thanks"}]},
            }
        ],
        visible_to=lambda user: Certification.objects.filter(
            partner__in=scope.partners_visible_to(user)
        ),
        find=lambda user, text: Certification.objects.filter(name__iexact=text).first(),
        history=lambda: Certification.history,
        select_related=("partner",),
    )
    subjects.subject_declare(subject)
    partner_services.partner_update(
        actor=world.admin, partner=world.northwind, fields={"channel_manager": world.cam_emea}
    )
    cert = partner_services.certification_add(
        actor=world.admin,
        partner=world.northwind,
        fields={
            "name": "Cloud Architect",
            "holder_name": "Hannah Holder",
            "issued_on": date.today() - timedelta(days=400),
        },
    )
    yield SimpleNamespace(subject=subject, cert=cert, decided=decided)
    subjects.subject_withdraw("certification")
    EVENT_TYPES.pop(EVENT, None)


def renewed(world, cert, capture) -> Event:
    with capture(execute=True), transaction.atomic():
        event = event_emit(
            event_type=EVENT, obj=cert, actor=world.alice, partner_id=cert.partner_id
        )
    assert event is not None
    return event


def save(world, name, trigger, definition):
    return workflow_save(
        actor=world.admin, name=name, trigger=trigger, enabled=True, definition=definition
    )


def test_validation_and_the_builder_read_the_declaration(world, cert_subject):
    assert subjects.subject_of(EVENT) is cert_subject.subject
    assert definitions.recipients(cert_subject.subject) >= {"channel_manager", "partner_admins"}
    assert definitions.approvers(cert_subject.subject) >= {"channel_manager", "unit_manager"}
    ok = {
        "conditions": {
            "all": [
                {"field": "days_held", "op": ">", "value": 30},
                {"not_happened": "partner.contacted", "days": 60},
            ]
        },
        "actions": [
            {"type": "notify", "to": "channel_manager", "title": "{holder} of {partner}"},
            {"type": "set_field", "field": "name", "value": "Renewed {holder}"},
            {"type": "request_approval", "from": "unit_manager"},
            {"type": "approve"},
        ],
    }
    definitions.validate(EVENT, ok)
    with pytest.raises(ValidationError, match=r"unknown field 'tier\.name' of a certification"):
        definitions.validate(
            EVENT,
            {
                "conditions": {"all": [{"field": "tier.name", "op": "=", "value": "x"}]},
                "actions": [{"type": "approve"}],
            },
        )
    with pytest.raises(ValidationError, match="a name is needed"):
        definitions.validate(
            EVENT, {"actions": [{"type": "set_field", "field": "name", "value": ""}]}
        )
    with pytest.raises(ValidationError, match="does not fit a schedule trigger"):
        definitions.validate(SCHEDULE, {"actions": [{"type": "approve"}]})
    context = builder.context(EVENT, builder.empty_rows(), [])
    assert ("days_held", "Days held") in context["field_choices"]
    assert ("not_happened:partner.contacted", "Has not happened: Partner contacted") in context[
        "field_choices"
    ]
    assert {"approve", "reject", "set_field"} <= {k for k, _ in context["action_kinds"]}
    assert context["object_label"] == "certification"
    assert builder.context(SCHEDULE, builder.empty_rows(), [])["is_schedule"]


def test_an_event_runs_conditions_placeholders_recipients_set_field_and_decision(
    world, cert_subject, django_capture_on_commit_callbacks
):
    workflow = save(
        world,
        "Renewal",
        EVENT,
        {
            "conditions": {"all": [{"field": "days_held", "op": ">", "value": 365}]},
            "actions": [
                {"type": "notify", "to": "channel_manager", "title": "{holder} of {partner}"},
                {"type": "notify", "to": "partner_admins", "title": "{tier} · {certification}"},
                {"type": "set_field", "field": "name", "value": "Renewed by {holder}"},
                {"type": "approve", "reason": "Fine for {holder}"},
            ],
        },
    )
    renewed(world, cert_subject.cert, django_capture_on_commit_callbacks)
    run = WorkflowRun.objects.get(workflow=workflow)
    assert run.status == RunStatus.COMPLETED, run.error
    cam_note = Notification.objects.get(user=world.cam_emea, title__startswith="Hannah")
    assert cam_note.title == "Hannah Holder of Northwind"  # {partner}: through partner_of
    # {tier}: the partner's placeholder; {certification}: the subject's own name.
    alice = Notification.objects.filter(user=world.alice).values_list("title", flat=True)
    assert list(alice) == ["none yet · Cloud Architect (Hannah Holder)"]
    cert_subject.cert.refresh_from_db()
    assert cert_subject.cert.name == "Renewed by Hannah Holder"
    step = run.steps.get(index=2)
    assert step.result == {
        "field": "name",
        "before": "Cloud Architect",
        "after": "Renewed by Hannah Holder",
    }
    assert cert_subject.decided == [("approved", cert_subject.cert.pk, "Fine for Hannah Holder")]
    stats = workflow_analytics(workflow)
    assert stats["runs"] == 1 and stats["by_status"] == {"completed": 1}


def test_conditions_that_fail_start_no_run(world, cert_subject, django_capture_on_commit_callbacks):
    save(
        world,
        "Long-held only",
        EVENT,
        {
            "conditions": {"all": [{"field": "days_held", "op": ">", "value": 9999}]},
            "actions": [{"type": "notify", "to": "actor", "title": "x"}],
        },
    )
    renewed(world, cert_subject.cert, django_capture_on_commit_callbacks)
    assert not WorkflowRun.objects.filter(workflow__name="Long-held only").exists()


def test_approvers_through_the_partner_and_a_rejection_decides_through_the_subject(
    world, cert_subject, django_capture_on_commit_callbacks
):
    save(
        world,
        "Ask the CAM",
        EVENT,
        {"actions": [{"type": "request_approval", "from": "channel_manager", "note": "{holder}"}]},
    )
    renewed(world, cert_subject.cert, django_capture_on_commit_callbacks)
    approval = Approval.objects.get(run__workflow__name="Ask the CAM")
    assert approval.approver == world.cam_emea and approval.summary == "Hannah Holder"
    world.cam_emea.set_password("demo-pass-123")  # the inbox page shows it
    world.cam_emea.save()
    page = login_client("acme.localhost", world.cam_emea.email)
    inbox = page.get("/approvals/").content.decode()
    assert "Hannah Holder" in inbox
    assert f'href="/certifications/{cert_subject.cert.pk}/"' in inbox  # the declared page
    with django_capture_on_commit_callbacks(execute=True):
        approval_decide(
            actor=world.cam_emea, approval_id=approval.pk, decision="rejected", comment="No"
        )
    assert [d[0] for d in cert_subject.decided] == ["rejected"]
    approvals = api_as(world.cam_emea).get("/api/v1/approvals/?all=1").json()["results"]
    assert approvals[0]["object_type"] == "certification"


def test_has_not_happened_looks_at_the_partner_it_concerns(
    world, cert_subject, django_capture_on_commit_callbacks
):
    save(
        world,
        "No contact",
        EVENT,
        {
            "conditions": {"all": [{"not_happened": "partner.contacted", "days": 30}]},
            "actions": [{"type": "notify", "to": "channel_manager", "title": "Call them"}],
        },
    )
    renewed(world, cert_subject.cert, django_capture_on_commit_callbacks)
    assert WorkflowRun.objects.filter(workflow__name="No contact").count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        partner_services.partner_contact_log(
            actor=world.cam_emea, partner=world.northwind, fields={"kind": "call"}
        )
    renewed(world, cert_subject.cert, django_capture_on_commit_callbacks)
    assert WorkflowRun.objects.filter(workflow__name="No contact").count() == 1  # contacted


def test_a_schedule_on_the_subject_runs_once_per_period_and_object(
    world, cert_subject, django_capture_on_commit_callbacks
):
    save(
        world,
        "Weekly check",
        SCHEDULE,
        {
            "schedule": {"every": "week"},
            "conditions": {"all": [{"field": "holder_name", "op": "=", "value": "Hannah Holder"}]},
            "actions": [{"type": "notify", "to": "channel_manager", "title": "{holder}"}],
        },
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert engine.schedules_run() >= 1
        assert engine.schedules_run() == 0  # same week
    run = WorkflowRun.objects.get(workflow__name="Weekly check")
    assert run.object_type == "certification" and run.object_id == str(cert_subject.cert.pk)
    assert run.status == RunStatus.COMPLETED


def test_defaults_dry_run_and_simulation_come_from_the_declaration(
    world, cert_subject, django_capture_on_commit_callbacks
):
    assert defaults_install(actor=world.admin) >= 1
    workflow = save(
        world,
        "Dry",
        EVENT,
        {
            "conditions": {"all": [{"field": "days_held", "op": ">", "value": 100}]},
            "actions": [{"type": "approve"}],
        },
    )
    answer = api_as(world.admin).post(
        f"/api/v1/workflows/{workflow.pk}/dry-run/",
        {"object_id": cert_subject.cert.pk},
        format="json",
    )
    assert answer.status_code == 200 and answer.json()["matched"] is True
    assert answer.json()["checks"][0]["field"] == "days_held"
    missing = api_as(world.admin).post(
        f"/api/v1/workflows/{workflow.pk}/dry-run/", {"object_id": 999999}, format="json"
    )
    assert missing.status_code == 404
    renewed(world, cert_subject.cert, django_capture_on_commit_callbacks)
    today = timezone.localdate()
    result = simulate(
        trigger=EVENT,
        definition=workflow.current.definition,
        start=today - timedelta(days=1),
        end=today,
    )
    assert result.considered >= 1 and result.matched == result.considered
    assert result.outcomes["auto-approved"] == result.matched
