"""A tenant's default workflows: onboarding and certification reminders, editable."""

from datetime import date, timedelta

from partners import services as partner_services
from partners.models import Certification, Partner, PartnerType, Tier
from partners.reminders import certifications_expiring
from prm.outbox.models import Event
from tests.partners.conftest import api_as
from workflows import services
from workflows.models import Notification, RunStatus, Workflow, WorkflowRun


def test_every_tenant_starts_with_the_defaults_enabled(world):
    names = set(Workflow.objects.filter(enabled=True).values_list("name", flat=True))
    assert {"Partner onboarding", "Certification renewal reminders"} <= names
    assert services.defaults_install(actor=world.admin) == 0  # idempotent


def test_enrolling_a_partner_runs_the_onboarding_sequence(
    world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        partner = partner_services.partner_create(
            actor=world.admin,
            fields={
                "display_name": "Fresh Co",
                "partner_type": PartnerType.MSP,
                "territory": world.dach,
                "channel_manager": world.cam_emea,
            },
        )
    run = WorkflowRun.objects.get(workflow__name="Partner onboarding", object_id=str(partner.pk))
    assert run.status == RunStatus.WAITING  # the 72-hour wait before the intro reminder
    assert Notification.objects.filter(user=world.cam_emea, title="New partner: Fresh Co").exists()


def test_certification_reminders_come_once_per_threshold(world, django_capture_on_commit_callbacks):
    today = date.today()
    cert = Certification.objects.create(
        partner=world.northwind,
        holder_name="Ana",
        name="Cloud Pro",
        issued_on=today - timedelta(days=300),
        expires_on=today + timedelta(days=20),
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert certifications_expiring(today) >= 1  # the demo's are due too
        assert certifications_expiring(today) == 0  # each reminder once
    ours = Event.objects.filter(type="certification.expiring", payload__certification=cert.pk)
    assert [(e.payload["days"], e.payload["left"]) for e in ours] == [(30, 20)]
    reminders = Notification.objects.filter(
        user=world.alice, title="Cloud Pro of Ana expires in 20 days"
    )
    assert reminders.count() == 1
    certifications_expiring(today + timedelta(days=14))  # 6 days left: the 7-day one
    assert ours.all().count() == 2  # a fresh query: `ours` was evaluated above


def test_admins_edit_a_default_like_any_workflow(world):
    workflow = Workflow.objects.get(name="Certification renewal reminders")
    response = api_as(world.admin).patch(
        f"/api/v1/workflows/{workflow.pk}/", {"enabled": False}, format="json"
    )
    assert response.json()["enabled"] is False


def test_a_notify_action_with_email_sends_one_copy(world, django_capture_on_commit_callbacks):
    from django.core import mail

    from tests.workflows.test_engine import activate
    from workflows.notifications import notification_email
    from workflows.services import workflow_save

    workflow_save(
        actor=world.admin,
        name="Mail the CAM",
        trigger="partner.status_changed",
        enabled=True,
        definition={
            "actions": [
                {
                    "type": "notify",
                    "to": "channel_manager",
                    "email": True,
                    "title": "{partner} is {status}",
                    "body": "Have a look.",
                }
            ]
        },
    )
    activate(world, django_capture_on_commit_callbacks)
    sent = [m for m in mail.outbox if m.subject == "Northwind is active"]
    assert [m.to for m in sent] == [["cam.emea@world.example"]]
    assert "/partners/" not in sent[0].body and "Have a look." in sent[0].body
    note = Notification.objects.get(title="Northwind is active")
    assert note.emailed_at is not None
    assert notification_email(notification_id=note.pk) is False  # a redelivery sends nothing


def test_whoever_joins_a_partner_is_welcomed_with_the_tier_and_discount(
    world, django_capture_on_commit_callbacks
):
    gold = Tier.objects.get(name="Gold")
    Partner.objects.filter(pk=world.northwind.pk).update(tier=gold, channel_manager=world.cam_emea)
    _, token = partner_services.invitation_create(
        actor=world.alice,
        email="new.rep@world.example",
        role="partner_user",
        partner=world.northwind,
    )
    with django_capture_on_commit_callbacks(execute=True):
        user = partner_services.invitation_accept(
            token=token, full_name="New Rep", password="Sales-2026-ok"
        )
    welcome = Notification.objects.get(user=user)
    assert welcome.title == "Welcome to the program, Northwind"
    assert f"Tier: Gold, with a {gold.discount_percent:g}% discount" in welcome.body
    assert Notification.objects.filter(
        user=world.cam_emea, title="Northwind: a new colleague joined"
    ).exists()


def test_a_new_partner_gives_its_channel_manager_one_notification(
    world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        partner = partner_services.partner_create(
            actor=world.admin,
            fields={
                "display_name": "Single Co",
                "partner_type": PartnerType.MSP,
                "territory": world.dach,
                "channel_manager": world.cam_emea,
            },
        )
    told = Notification.objects.filter(user=world.cam_emea, title__contains=str(partner))
    assert list(told.values_list("title", flat=True)) == ["New partner: Single Co"]
