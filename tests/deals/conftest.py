"""The deals tests' world: the partners' scope world (tests/partners/conftest.py) plus
helpers that add customer accounts through the services."""

from __future__ import annotations

import pytest

from deals import scope, services
from deals.models import CustomerAccount
from prm.users.models import PARTNER_ROLES, User
from tests.partners.conftest import _module_world, api_as, build_world, module_world

__all__ = ["_module_world", "api_as", "build_world", "make_account", "module_world"]


@pytest.fixture
def world(module_world):
    """The scope world, built once per module; each test's writes are rolled back."""
    return module_world


def make_account(
    actor, name: str, country: str = "", domains=(), parent: CustomerAccount | None = None, **kw
) -> CustomerAccount:
    """A customer account, which the world's partner users have looked up (what a partner
    does before naming an account in a reservation or a deal: deals.scope.accounts_nameable_by;
    tests of naming an account never looked up create it with services.account_create)."""
    account = services.account_create(
        actor=actor, name=name, country=country, domains=list(domains), parent=parent, **kw
    )
    for user in User.objects.filter(email__endswith="@world.example", role__in=PARTNER_ROLES):
        scope.accounts_looked_up(user, [account.pk])
    return account


def all_rows(client, url: str) -> list[dict]:
    """Every row of a paginated list (the demo tenant has hundreds of accounts)."""
    rows: list[dict] = []
    page = client.get(url, {"page_size": 200}).json()
    rows += page["results"]
    while page["next"]:
        page = client.get(page["next"]).json()
        rows += page["results"]
    return rows


def flush_reminders() -> None:
    """Send the reminders the demo reservations are due, so a test counts only its own."""
    services.reservations_remind()
