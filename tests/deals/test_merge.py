"""Merging two duplicate accounts: the survivor takes the duplicate's domains, offices and
reservations in one audited transaction; what would break a rule is refused and changes
nothing."""

from __future__ import annotations

import pytest

from deals import services
from deals.models import AccountDomain, CustomerAccount, Reservation
from deals.selectors import account_lookup
from prm.errors import Conflict, Forbidden, Invalid
from tests.deals.conftest import api_as, make_account


def test_the_survivor_takes_the_domains_offices_and_reservations(world):
    survivor = make_account(world.admin, "ACME Corporation", "DE", ["acme.com"])
    duplicate = make_account(world.admin, "Acme Corp.", "DE", ["acme.de"])
    office = make_account(world.admin, "Acme Berlin", "DE", ["acme-berlin.de"], parent=duplicate)
    reservation = services.reservation_create(actor=world.bob, account=duplicate)
    merged = services.account_merge(actor=world.admin, survivor=survivor, duplicate=duplicate)
    assert not CustomerAccount.objects.filter(pk=duplicate.pk).exists()
    assert set(merged.domains.values_list("domain", flat=True)) == {"acme.com", "acme.de"}
    office.refresh_from_db()
    assert CustomerAccount.objects.get_parent(office) == merged
    reservation.refresh_from_db()
    assert reservation.account == merged
    assert merged.history.first().history_change_reason == "merged with Acme Corp."
    answer = account_lookup(world.carol, q="", domain="acme.de")
    assert (answer.matches[0].account, answer.status) == (merged, "reserved")


def test_merging_two_reserved_accounts_is_refused_and_changes_nothing(world):
    survivor = make_account(world.admin, "Globex", "US", ["globex.com"])
    duplicate = make_account(world.admin, "Globex Corp", "US", ["globex.us"])
    services.reservation_create(actor=world.bob, account=survivor)
    services.reservation_create(actor=world.carol, account=duplicate)
    with pytest.raises(Conflict, match="both reserved"):
        services.account_merge(actor=world.admin, survivor=survivor, duplicate=duplicate)
    assert CustomerAccount.objects.filter(pk=duplicate.pk).exists()
    assert AccountDomain.objects.get(domain="globex.us").account_id == duplicate.pk


def test_merging_an_office_reserved_by_another_partner_under_a_covering_reservation_is_refused(
    world,
):
    survivor = make_account(world.admin, "Umbrella Group", "US")
    duplicate = make_account(world.admin, "Umbrella Holdings", "US")
    office = make_account(world.admin, "Umbrella Raccoon City", "US", parent=duplicate)
    services.reservation_create(actor=world.bob, account=survivor)
    services.reservation_create(actor=world.carol, account=office)
    with pytest.raises(Conflict, match="different partners"):
        services.account_merge(actor=world.admin, survivor=survivor, duplicate=duplicate)
    office.refresh_from_db()
    assert CustomerAccount.objects.get_parent(office) == duplicate
    assert Reservation.objects.filter(account=office, status="active").exists()


def test_a_vendor_owned_duplicate_makes_the_survivor_vendor_owned(world):
    survivor = make_account(world.admin, "Initech", "US")
    duplicate = make_account(
        world.admin, "Initech Inc", "US", vendor_owned=True, vendor_owner=world.cam_emea
    )
    merged = services.account_merge(actor=world.admin, survivor=survivor, duplicate=duplicate)
    assert merged.vendor_owned and merged.vendor_owner == world.cam_emea


def test_an_account_cannot_merge_with_its_own_office_or_itself(world):
    group = make_account(world.admin, "Hooli", "US")
    office = make_account(world.admin, "Hooli Palo Alto", "US", parent=group)
    with pytest.raises(Invalid):
        services.account_merge(actor=world.admin, survivor=group, duplicate=office)
    with pytest.raises(Invalid):
        services.account_merge(actor=world.admin, survivor=group, duplicate=group)


def test_partner_users_do_not_merge_accounts(world):
    a = make_account(world.bob, "Vandelay", "US")
    b = make_account(world.bob, "Vandelay Industries", "US")
    with pytest.raises(Forbidden):
        services.account_merge(actor=world.bob, survivor=a, duplicate=b)


def test_the_merge_api_answers_the_survivor(world):
    survivor = make_account(world.admin, "Wayne Enterprises", "US", ["wayne.com"])
    duplicate = make_account(world.admin, "Wayne Ent", "US", ["wayne-ent.com"])
    response = api_as(world.cam_emea).post(
        "/api/v1/accounts/merge/", {"survivor": survivor.pk, "duplicate": duplicate.pk}
    )
    assert response.status_code == 200, response.content
    assert response.json()["domains"] == ["wayne-ent.com", "wayne.com"]
    refused = api_as(world.bob).post(
        "/api/v1/accounts/merge/", {"survivor": survivor.pk, "duplicate": 0}
    )
    assert refused.status_code == 403
