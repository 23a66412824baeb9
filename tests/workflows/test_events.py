"""The outbox: events commit with their change, are processed once after commit, and are
re-sent by the sweep when processing did not happen."""

from datetime import timedelta
from unittest import mock

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from partners import services
from prm.outbox import events
from prm.outbox.models import Event
from prm.tenancy.models import Vendor
from prm.tenancy.services import template_ensure
from prm.tenancy.tasks import fan_out
from tests.partners.conftest import api_as
from workflows.models import Notification


def test_an_event_commits_with_its_change_and_is_processed_after_commit(
    world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.partner_transition(
            actor=world.cam_emea, partner=world.northwind, status="active", reason="ready"
        )
    event = Event.objects.get(type="partner.status_changed", object_id=str(world.northwind.pk))
    assert len(callbacks) == 1
    assert event.processed_at is not None and event.attempts == 1
    assert event.payload == {"from": "onboarding", "to": "active", "reason": "ready"}
    titles = set(Notification.objects.filter(event=event).values_list("user__email", "title"))
    assert ("alice@world.example", "Northwind is now Active") in titles  # its partner admin


def test_a_rolled_back_change_leaves_no_event_and_sends_nothing(
    world, django_capture_on_commit_callbacks
):
    before = Event.objects.count()
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):  # the write inside a larger transaction (the request's), which then fails
        services._agreement_publish(actor=world.admin, title="Terms", body="Text")
        raise RuntimeError("the request failed after the change")
    assert Event.objects.count() == before
    assert callbacks == []


def test_processing_twice_changes_nothing_the_second_time(world):
    agreement = services.agreement_publish(actor=world.admin, title="Terms", body="Text")
    event = Event.objects.get(type="agreement.published", object_id=str(agreement.pk))
    assert events.event_process(event_id=str(event.pk)) is True
    notified = Notification.objects.filter(event=event).count()
    assert notified >= 4  # the world's partner users, and the demo's
    assert events.event_process(event_id=str(event.pk)) is False
    assert Notification.objects.filter(event=event).count() == notified


def test_a_failing_handler_rolls_back_its_writes_and_records_the_error(world):
    agreement = services.agreement_publish(actor=world.admin, title="Terms", body="Text")
    event = Event.objects.get(type="agreement.published", object_id=str(agreement.pk))

    def broken(evt):
        Notification.objects.create(user=world.bob, title="half done", event=evt)
        raise ConnectionError("SMTP down")

    with (
        mock.patch.dict(events.HANDLERS, {"agreement.published": [broken]}),
        pytest.raises(ConnectionError),
    ):
        events.event_process(event_id=str(event.pk))
    event.refresh_from_db()
    assert event.processed_at is None and event.attempts == 1
    assert event.last_error == "ConnectionError: SMTP down"
    assert not Notification.objects.filter(title="half done").exists()
    # The sweep sends it again once it is old enough; then it goes through.
    Event.objects.filter(pk=event.pk).update(created_at=timezone.now() - timedelta(minutes=5))
    with mock.patch("prm.outbox.tasks.event_process.delay") as delay:
        assert events.events_redispatch() >= 1
    delay.assert_any_call(str(event.pk))
    assert events.event_process(event_id=str(event.pk)) is True


def test_the_beat_dispatcher_fans_out_to_every_tenant(db):
    template_ensure()  # a template schema exists, so leaving it out is a real choice
    assert {"public", settings.TENANT_BASE_SCHEMA} <= set(
        Vendor.objects.values_list("schema_name", flat=True)
    )
    sent_to = []
    with mock.patch("prm.tenancy.tasks.app.send_task") as send:
        send.side_effect = lambda name: sent_to.append((connection.schema_name, name))
        count = fan_out("outbox.events_redispatch")
    # Each vendor once, sent from inside its schema; never the template or public.
    assert sorted(sent_to) == [
        ("acme", "outbox.events_redispatch"),
        ("globex", "outbox.events_redispatch"),
    ]
    assert count == 2


def test_notifications_api_is_the_callers_own(world, django_capture_on_commit_callbacks):
    services.partner_update(
        actor=world.admin, partner=world.contoso, fields={"channel_manager": world.cam_us}
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.partner_transition(actor=world.admin, partner=world.contoso, status="active")
    carol = api_as(world.carol)
    mine = carol.get("/api/v1/notifications/").json()["results"]
    alice_sees = api_as(world.alice).get("/api/v1/notifications/").json()["results"]
    assert mine == [] and all("Tailwind" not in n["title"] for n in alice_sees)
    cam = api_as(world.cam_us)
    unread = cam.get("/api/v1/notifications/?unread=1").json()["results"]
    assert unread[0]["title"] == "Tailwind is now Active"
    assert cam.post(f"/api/v1/notifications/{unread[0]['id']}/read/").json()["read"] is True
    assert carol.post(f"/api/v1/notifications/{unread[0]['id']}/read/").status_code == 404


def test_the_bell_counts_unread_and_opening_marks_read(world, django_capture_on_commit_callbacks):
    from tests.partners.test_pages import browser_as

    with django_capture_on_commit_callbacks(execute=True):
        services.partner_transition(actor=world.admin, partner=world.northwind, status="active")
    client = browser_as(world.alice)
    assert 'data-testid="unread">1<' in client.get("/").content.decode()
    note = Notification.objects.get(user=world.alice)
    response = client.post(f"/notifications/{note.pk}/open/")
    assert response["Location"] == f"/partners/{world.northwind.pk}/"
    assert 'data-testid="unread"' not in client.get("/").content.decode()
    assert browser_as(world.bob).post(f"/notifications/{note.pk}/open/").status_code == 404


def test_a_broker_outage_does_not_fail_the_change_and_the_sweep_sends_later(
    world, django_capture_on_commit_callbacks
):
    from kombu.exceptions import OperationalError

    with (
        mock.patch(
            "prm.outbox.tasks.event_process.apply_async",
            side_effect=OperationalError("Redis is down"),
        ),
        django_capture_on_commit_callbacks(execute=True),
    ):
        partner = services.partner_transition(
            actor=world.admin, partner=world.northwind, status="active"
        )
    assert partner.status == "active"  # the change stands
    event = Event.objects.get(type="partner.status_changed", object_id=str(world.northwind.pk))
    assert event.processed_at is None  # nothing lost: the row waits for the sweep
    Event.objects.filter(pk=event.pk).update(created_at=timezone.now() - timedelta(minutes=5))
    with mock.patch("prm.outbox.tasks.event_process.delay") as delay:
        events.events_redispatch()
    delay.assert_any_call(str(event.pk))
