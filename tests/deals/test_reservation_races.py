"""Reservations under real concurrency (threads, each on its own database connection,
committing for real, as tests/workflows/test_races.py does): of 50 partners reserving one
account at once exactly one wins and 49 get Conflict ``account_reserved``; partners
reserving a parent and its children at once end in a state a serial order could have
produced, under each multi-office policy."""

from __future__ import annotations

import itertools

import pytest
from django_tenants.utils import schema_context

from deals import services
from deals.models import CustomerAccount, Reservation, ReservationPolicy, ReservationStatus
from partners.models import Partner, PartnerMembership, PartnerType
from prm.errors import Conflict
from prm.users.models import Role, User
from prm.users.services import user_create
from tests.workflows.test_races import race

PREFIX = "Race account"
pytestmark = pytest.mark.worker  # commits, like the real-process tests


def clean_up() -> None:
    accounts = CustomerAccount.objects.filter(name__startswith=PREFIX)
    Reservation.objects.filter(account__in=accounts).delete()
    Reservation.history.filter(account_id__in=accounts.values("pk")).delete()
    for account in accounts.order_by("-depth"):
        account.delete()
    PartnerMembership.objects.filter(user__email__startswith="race-res-").delete()
    User.objects.filter(email__startswith="race-res-").delete()
    Partner.objects.filter(display_name__startswith=PREFIX).delete()
    ReservationPolicy.objects.all().delete()


@pytest.fixture
def committed(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), schema_context("acme"):
        clean_up()
        yield User.objects.get(email="admin@acme.example")
        clean_up()


def partner_users(count: int) -> list[User]:
    """One partner user in each of ``count`` new partners (committed)."""
    users = []
    for i in range(count):
        partner = Partner.objects.add_root(
            instance=Partner(
                display_name=f"{PREFIX} partner {i}", partner_type=PartnerType.RESELLER
            )
        )
        user = user_create(
            email=f"race-res-{i}@acme.example", role=Role.PARTNER_USER, send_welcome=False
        )
        PartnerMembership.objects.create(partner=partner, user=user, role="member")
        users.append(user)
    return users


def attempt(user_id: int, account_id: int):
    user = User.objects.get(pk=user_id)
    account = CustomerAccount.objects.get(pk=account_id)
    return services.reservation_create(actor=user, account=account)


def test_fifty_partners_reserving_one_account_at_once_give_one_reservation_and_49_conflicts(
    committed,
):
    account = services.account_create(actor=committed, name=f"{PREFIX} Globex", country="US")
    users = partner_users(50)
    results = race(50, lambda i: attempt(users[i].pk, account.pk))
    wins = [r for r in results if isinstance(r, Reservation)]
    conflicts = [r for r in results if isinstance(r, Conflict)]
    assert len(wins) == 1, results
    assert len(conflicts) == 49, [r for r in results if not isinstance(r, Reservation | Conflict)]
    assert {c.error_code for c in conflicts} == {"account_reserved"}
    assert Reservation.objects.filter(account=account).count() == 1


def _blocked(target, partner, state, parent_of, policy) -> bool:
    """Would the rules refuse ``partner`` reserving ``target`` given the reservations in
    ``state`` ({account_id: partner_id})? Each racer is its own partner."""
    if target in state:
        return True
    parent = parent_of.get(target)
    if policy.parent_covers_children and parent in state and state[parent] != partner:
        return True
    if policy.child_blocks_parent:
        children = [c for c, p in parent_of.items() if p == target]
        if any(state.get(c) not in (None, partner) for c in children):
            return True
    return False


@pytest.mark.parametrize(
    ("covers", "blocks"), list(itertools.product([True, False], repeat=2)), ids=str
)
def test_partners_reserving_a_parent_and_its_children_at_once_end_in_a_serial_outcome(
    committed, covers, blocks
):
    ReservationPolicy.objects.update_or_create(
        singleton=True, defaults={"parent_covers_children": covers, "child_blocks_parent": blocks}
    )
    policy = ReservationPolicy.current()
    parent = services.account_create(actor=committed, name=f"{PREFIX} Umbrella Group")
    children = [
        services.account_create(actor=committed, name=f"{PREFIX} Umbrella {city}", parent=parent)
        for city in ("Berlin", "Paris")
    ]
    targets = [parent, *children]
    parent_of = {c.pk: parent.pk for c in children}
    users = partner_users(12)
    partner_of = {u.pk: u.partner_membership.partner_id for u in users}
    results = race(12, lambda i: attempt(users[i].pk, targets[i % 3].pk))
    unexpected = [r for r in results if not isinstance(r, Reservation | Conflict)]
    assert unexpected == []
    wins = sorted((r for r in results if isinstance(r, Reservation)), key=lambda r: r.starts_at)
    assert wins, results
    # The winners, in the order they committed, were each allowed by those before them...
    state: dict[int, int] = {}
    for win in wins:
        assert not _blocked(win.account_id, win.partner_id, state, parent_of, policy)
        state[win.account_id] = win.partner_id
    # ...and every loser is refused by the final state.
    for i, result in enumerate(results):
        if isinstance(result, Conflict):
            target, partner = targets[i % 3].pk, partner_of[users[i].pk]
            assert _blocked(target, partner, state, parent_of, policy), (i, state)
    active = Reservation.objects.filter(account__in=targets, status=ReservationStatus.ACTIVE)
    assert active.count() == len(wins)
