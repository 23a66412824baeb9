"""Rows of the deals app for the suite-wide API tests (tests/test_api_client.py): an
account tree with domains and a reservation, so every list and retrieve has an object."""

from __future__ import annotations

from deals import services


def add_deals_rows(world) -> None:
    """In the scope world (tests/partners/conftest.py): Umbrella Group with an office,
    the office reserved by bob (Northwind Berlin)."""
    world.account = services.account_create(
        actor=world.admin, name="Umbrella Group", country="US", domains=["umbrella.com"]
    )
    world.office = services.account_create(
        actor=world.admin, name="Umbrella Berlin", country="DE", parent=world.account
    )
    world.reservation = services.reservation_create(actor=world.bob, account=world.office)
