"""Reservation and account services: the rules (vendor-owned, multi-office policy, limits),
the database's last word, release, and the expiry sweep with its reminders. Each refusal
changes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.db.models import F

from deals import services
from deals.models import CustomerAccount, Reservation, ReservationPolicy, ReservationStatus
from prm.errors import Conflict, Forbidden, IllegalTransition, Invalid, NotFound
from prm.outbox.models import Event
from tests.deals.conftest import flush_reminders, make_account


def policy(**fields) -> None:
    ReservationPolicy.objects.update_or_create(singleton=True, defaults=fields)


def events(kind: str, reservation: Reservation) -> int:
    return Event.objects.filter(type=kind, object_id=str(reservation.pk)).count()


def test_a_partner_user_reserves_an_open_account_for_the_policy_period(world):
    account = make_account(world.admin, "Globex", "US")
    reservation = services.reservation_create(actor=world.bob, account=account)
    reservation.refresh_from_db()
    assert reservation.status == ReservationStatus.ACTIVE
    assert reservation.partner == world.berlin and reservation.reserved_by == world.bob
    assert reservation.expires_at - reservation.starts_at == timedelta(days=90)
    assert events("reservation.created", reservation) == 1


def test_the_period_is_the_tenants_policy(world):
    policy(period_days=30)
    reservation = services.reservation_create(
        actor=world.bob, account=make_account(world.admin, "Globex", "US")
    )
    assert reservation.expires_at - reservation.starts_at == timedelta(days=30)


def test_the_start_is_the_database_servers_clock(world):
    from deals.selectors import server_now

    before = server_now()
    reservation = services.reservation_create(
        actor=world.bob, account=make_account(world.admin, "Globex", "US")
    )
    assert before <= reservation.starts_at <= server_now()


def test_a_reserved_account_is_refused_to_another_partner_without_naming_the_holder(world):
    account = make_account(world.admin, "Globex", "US")
    services.reservation_create(actor=world.bob, account=account)
    with pytest.raises(Conflict) as refused:
        services.reservation_create(actor=world.carol, account=account)
    assert refused.value.error_code == "account_reserved"
    assert "Northwind" not in refused.value.detail
    assert Reservation.objects.filter(account=account).count() == 1


def test_reserving_ones_own_reserved_account_again_is_refused(world):
    account = make_account(world.admin, "Globex", "US")
    services.reservation_create(actor=world.bob, account=account)
    with pytest.raises(Conflict, match="already reserved Globex"):
        services.reservation_create(actor=world.bob, account=account)


def test_a_vendor_owned_account_cannot_be_reserved(world):
    account = make_account(world.admin, "Initech", "US", vendor_owned=True)
    with pytest.raises(Conflict) as refused:
        services.reservation_create(actor=world.bob, account=account)
    assert refused.value.error_code == "account_vendor_owned"
    assert not Reservation.objects.filter(account=account).exists()


def test_a_child_of_a_vendor_owned_account_cannot_be_reserved_when_parents_cover_children(world):
    group = make_account(world.admin, "Initech Group", "US", vendor_owned=True)
    office = make_account(world.admin, "Initech Austin", "US", parent=group)
    with pytest.raises(Conflict, match="belongs to Initech Group"):
        services.reservation_create(actor=world.bob, account=office)
    policy(parent_covers_children=False)
    assert services.reservation_create(actor=world.bob, account=office).pk


def test_a_reserved_parent_covers_its_children_unless_the_policy_says_otherwise(world):
    group = make_account(world.admin, "Umbrella Group", "US")
    office = make_account(world.admin, "Umbrella Raccoon City", "US", parent=group)
    services.reservation_create(actor=world.bob, account=group)
    with pytest.raises(Conflict) as refused:
        services.reservation_create(actor=world.carol, account=office)
    assert refused.value.error_code == "account_reserved"
    with pytest.raises(Conflict, match="covered by your reservation of Umbrella Group"):
        services.reservation_create(actor=world.bob, account=office)
    policy(parent_covers_children=False)
    assert services.reservation_create(actor=world.carol, account=office).pk


def test_a_reserved_child_blocks_another_partner_from_the_parent_unless_the_policy_says_otherwise(
    world,
):
    group = make_account(world.admin, "Umbrella Group", "US")
    office = make_account(world.admin, "Umbrella Raccoon City", "US", parent=group)
    services.reservation_create(actor=world.bob, account=office)
    with pytest.raises(Conflict):
        services.reservation_create(actor=world.carol, account=group)
    policy(child_blocks_parent=False)
    assert services.reservation_create(actor=world.carol, account=group).pk


def test_a_partner_may_reserve_the_parent_of_its_own_reserved_child(world):
    group = make_account(world.admin, "Umbrella Group", "US")
    office = make_account(world.admin, "Umbrella Raccoon City", "US", parent=group)
    services.reservation_create(actor=world.bob, account=office)
    assert services.reservation_create(actor=world.bob, account=group).pk


def test_the_most_active_reservations_per_partner_is_the_policys(world):
    policy(max_active_per_partner=1)
    services.reservation_create(actor=world.bob, account=make_account(world.admin, "A One", "US"))
    second = make_account(world.admin, "B Two", "US")
    with pytest.raises(Conflict) as refused:
        services.reservation_create(actor=world.bob, account=second)
    assert refused.value.error_code == "reservation_limit"
    assert not Reservation.objects.filter(account=second).exists()


def test_vendor_staff_do_not_reserve_accounts(world):
    account = make_account(world.admin, "Globex", "US")
    with pytest.raises(Forbidden):
        services.reservation_create(actor=world.cam_emea, account=account)


def test_the_database_allows_one_active_reservation_per_account(world):
    account = make_account(world.admin, "Globex", "US")
    first = services.reservation_create(actor=world.bob, account=account)
    with pytest.raises(IntegrityError), transaction.atomic():
        Reservation.objects.create(
            account=account,
            partner=world.contoso,
            starts_at=first.starts_at,
            expires_at=first.expires_at,
        )


def test_a_partner_releases_its_reservation_and_the_account_is_open_again(world):
    account = make_account(world.admin, "Globex", "US")
    reservation = services.reservation_create(actor=world.bob, account=account)
    released = services.reservation_release(actor=world.bob, reservation=reservation)
    assert released.status == ReservationStatus.RELEASED and released.ended_by == world.bob
    assert events("reservation.released", reservation) == 1
    assert services.reservation_create(actor=world.carol, account=account).pk


def test_releasing_another_partners_reservation_is_a_404_and_changes_nothing(world):
    reservation = services.reservation_create(
        actor=world.bob, account=make_account(world.admin, "Globex", "US")
    )
    with pytest.raises(NotFound):
        services.reservation_release(actor=world.carol, reservation=reservation)
    reservation.refresh_from_db()
    assert reservation.status == ReservationStatus.ACTIVE


def test_releasing_twice_is_refused(world):
    reservation = services.reservation_create(
        actor=world.bob, account=make_account(world.admin, "Globex", "US")
    )
    services.reservation_release(actor=world.bob, reservation=reservation)
    with pytest.raises(IllegalTransition):
        services.reservation_release(actor=world.alice, reservation=reservation)


def _age(reservation: Reservation, days: int) -> None:
    Reservation.objects.filter(pk=reservation.pk).update(
        starts_at=F("starts_at") - timedelta(days=days),
        expires_at=F("expires_at") - timedelta(days=days),
    )


def test_the_sweep_expires_reservations_past_their_end(world):
    account = make_account(world.admin, "Globex", "US")
    old = services.reservation_create(actor=world.bob, account=account)
    current = services.reservation_create(
        actor=world.bob, account=make_account(world.admin, "Initrode", "US")
    )
    _age(old, 91)
    assert services.reservations_expire() == 1
    old.refresh_from_db()
    current.refresh_from_db()
    assert (old.status, current.status) == (ReservationStatus.EXPIRED, ReservationStatus.ACTIVE)
    assert events("reservation.expired", old) == 1
    assert services.reservation_create(actor=world.carol, account=account).pk


def test_reminders_go_out_once_on_the_policys_days(world):
    flush_reminders()
    reservation = services.reservation_create(
        actor=world.bob, account=make_account(world.admin, "Globex", "US")
    )
    assert services.reservations_remind() == 0
    _age(reservation, 80)  # 10 days left: the 14-day reminder
    assert services.reservations_remind() == 1
    assert services.reservations_remind() == 0
    _age(reservation, 8)  # 2 days left: the 3-day reminder
    assert services.reservations_remind() == 1
    assert events("reservation.expiring", reservation) == 2


def test_a_free_email_domain_is_refused_as_an_accounts_domain(world):
    with pytest.raises(Invalid) as refused:
        make_account(world.admin, "Smith Consulting", "US", ["smith@gmail.com"])
    assert "free e-mail provider" in str(refused.value)
    assert not CustomerAccount.objects.filter(name="Smith Consulting").exists()


def test_a_domain_belongs_to_one_account(world):
    make_account(world.admin, "Acme", "US", ["acme.com"])
    with pytest.raises(Conflict) as refused:
        make_account(world.admin, "Acme Two", "US", ["https://www.ACME.com/"])
    assert refused.value.error_code == "domain_taken"
    assert "acme.com already belongs" in refused.value.detail


def test_only_the_vendors_decision_makers_mark_an_account_vendor_owned(world):
    with pytest.raises(Forbidden):
        make_account(world.bob, "Globex", "US", vendor_owned=True)


def test_a_reserved_account_cannot_be_marked_vendor_owned(world):
    account = make_account(world.admin, "Globex", "US")
    services.reservation_create(actor=world.bob, account=account)
    with pytest.raises(Conflict):
        services.account_update(actor=world.admin, account=account, fields={"vendor_owned": True})
    account.refresh_from_db()
    assert not account.vendor_owned


def test_the_sweep_tasks_call_the_services(world):
    from deals import tasks

    flush_reminders()
    reservation = services.reservation_create(
        actor=world.bob, account=make_account(world.admin, "Globex", "US")
    )
    _age(reservation, 85)
    assert tasks.reservations_remind.apply().get() == 1
    _age(reservation, 6)
    assert tasks.reservations_expire.apply().get() == 1


def test_a_vendor_admin_changes_the_policy(world):
    changed = services.reservation_policy_update(
        actor=world.admin,
        fields={"period_days": 60, "reminder_days": [3, 14, 7], "max_active_per_partner": 5},
    )
    assert (changed.period_days, changed.reminder_days) == (60, [14, 7, 3])
    assert ReservationPolicy.current().max_active_per_partner == 5


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"period_days": 0}, "period_days"),
        ({"reminder_days": [90]}, "reminder_days"),
        ({"reminder_days": [3, 3]}, "reminder_days"),
        ({"max_active_per_partner": 0}, "max_active_per_partner"),
        ({"extension_days": 0}, "extension_days"),
        ({"possible_min_score": 0.1}, "possible_min_score"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_a_bad_policy_is_refused_beside_its_field_and_changes_nothing(world, fields, field):
    with pytest.raises(Invalid) as refused:
        services.reservation_policy_update(actor=world.admin, fields=fields)
    assert field in refused.value.message_dict
    assert ReservationPolicy.current().period_days == 90


def test_only_vendor_admins_change_the_policy(world):
    with pytest.raises(Forbidden):
        services.reservation_policy_update(actor=world.cam_emea, fields={"period_days": 30})
