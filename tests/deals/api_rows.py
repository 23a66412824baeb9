"""Rows of the deals app for the suite-wide API tests (tests/test_api_client.py): an
account tree with domains and a reservation, and a deal with a conflict, so every list and
retrieve has an object."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from deals import services
from deals.models import Product, ProductLine


def add_deals_rows(world) -> None:
    """In the scope world (tests/partners/conftest.py): Umbrella Group with an office,
    the office reserved by bob (Northwind Berlin); carol's (Tailwind) draft deal on the
    office, its conflict with bob's reservation recorded as on submission."""
    world.account = services.account_create(
        actor=world.admin, name="Umbrella Group", country="US", domains=["umbrella.com"]
    )
    world.office = services.account_create(
        actor=world.admin, name="Umbrella Berlin", country="DE", parent=world.account
    )
    world.reservation = services.reservation_create(actor=world.bob, account=world.office)
    line = ProductLine.objects.create(name="Client test firewalls")
    product = Product.objects.create(
        sku="CT-FW-1", name="Client test firewall", line=line, list_price=100, currency="USD"
    )
    world.deal = services.deal_create(
        actor=world.carol,
        account=world.office,
        name="Umbrella firewalls",
        lines=[services.LineIn(product, 2, Decimal("95.50"))],
        currency="USD",
        expected_close_date=timezone.localdate() + timedelta(days=30),
    )
    world.deal.conflicts.create(
        code="account_reserved_by_other",
        score=1.0,
        reasons=["the same customer account", "reserved by another partner"],
        competing_reservation=world.reservation,
        competing_account=world.office,
        competing_partner=world.reservation.partner,
    )
