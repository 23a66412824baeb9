"""Extending a reservation: the partner asks, the tenant's workflow (by default the
partner's channel manager) approves, and the end moves by the policy's extension days,
within the policy's maximum."""

from __future__ import annotations

from datetime import timedelta

import pytest

from deals import services
from deals.models import ReservationPolicy
from deals.selectors import extensions_asked
from partners import services as partner_services
from prm.errors import Conflict, Forbidden, NotFound
from prm.outbox.models import Event
from tests.deals.conftest import api_as, make_account
from workflows.approvals import approval_decide
from workflows.models import Approval, Workflow
from workflows.services import defaults_install


@pytest.fixture
def reserved(world):
    account = make_account(world.admin, "Globex", "US")
    return services.reservation_create(actor=world.bob, account=account)


def test_asking_for_an_extension_emits_the_event_once(world, reserved):
    services.reservation_extend_request(actor=world.bob, reservation=reserved)
    events = Event.objects.filter(
        type="reservation.extension_requested", object_id=str(reserved.pk)
    )
    assert events.count() == 1 and events.get().payload == {"extension": 1, "days": 30}
    with pytest.raises(Conflict) as again:
        services.reservation_extend_request(actor=world.alice, reservation=reserved)
    assert again.value.error_code == "extension_pending"


def test_another_partner_cannot_ask_and_vendor_staff_do_not_ask(world, reserved):
    with pytest.raises(NotFound):
        services.reservation_extend_request(actor=world.carol, reservation=reserved)
    with pytest.raises(Forbidden):
        services.reservation_extend_request(actor=world.admin, reservation=reserved)


def test_extending_past_the_maximum_is_refused(world, reserved):
    ReservationPolicy.objects.update_or_create(singleton=True, defaults={"max_extensions": 1})
    services._reservation_extend(actor=world.admin, reservation=reserved)
    with pytest.raises(Conflict) as refused:
        services.reservation_extend_request(actor=world.bob, reservation=reserved)
    assert refused.value.error_code == "extension_limit"
    with pytest.raises(Conflict):
        services._reservation_extend(actor=world.admin, reservation=reserved)
    reserved.refresh_from_db()
    assert reserved.extensions == 1


def test_the_default_workflow_asks_the_channel_manager_and_approval_extends(
    world, reserved, django_capture_on_commit_callbacks
):
    defaults_install(actor=world.admin)
    assert Workflow.objects.filter(name="Reservation extensions", enabled=True).exists()
    partner_services.partner_update(
        actor=world.admin, partner=world.berlin, fields={"channel_manager": world.cam_emea}
    )
    end = reserved.expires_at
    with django_capture_on_commit_callbacks(execute=True):
        response = api_as(world.bob).post(f"/api/v1/reservations/{reserved.pk}/extend/")
    assert response.status_code == 202, response.content
    approval = Approval.objects.get(run__object_type="reservation", run__object_id=str(reserved.pk))
    with django_capture_on_commit_callbacks(execute=True):
        approval_decide(actor=world.cam_emea, approval_id=approval.pk, decision="approved")
    reserved.refresh_from_db()
    assert reserved.extensions == 1
    assert reserved.expires_at - end == timedelta(days=30)


def test_a_refused_extension_changes_nothing(world, reserved, django_capture_on_commit_callbacks):
    defaults_install(actor=world.admin)
    partner_services.partner_update(
        actor=world.admin, partner=world.berlin, fields={"channel_manager": world.cam_emea}
    )
    end = reserved.expires_at
    with django_capture_on_commit_callbacks(execute=True):
        services.reservation_extend_request(actor=world.bob, reservation=reserved)
    approval = Approval.objects.get(run__object_type="reservation", run__object_id=str(reserved.pk))
    with django_capture_on_commit_callbacks(execute=True):
        approval_decide(actor=world.cam_emea, approval_id=approval.pk, decision="rejected")
    reserved.refresh_from_db()
    assert (reserved.extensions, reserved.expires_at) == (0, end)
    # The refusal closed the request: the page no longer shows it pending, and the partner
    # may ask again (a new request, a new approval).
    assert extensions_asked([reserved]) == {}
    with django_capture_on_commit_callbacks(execute=True):
        services.reservation_extend_request(actor=world.bob, reservation=reserved)
    assert reserved.pk in extensions_asked([reserved])
    asked = Event.objects.filter(type="reservation.extension_requested", object_id=str(reserved.pk))
    assert asked.count() == 2
