"""Which accounts a partner may name in a reservation or a deal: those it sees, and those
the (rate-limited) lookup answered it in the last day. An id merely guessed is the same
404 as a missing one, so ids cannot be walked to read the vendor's confidential accounts
(a vendor-owned account's refusal would name it)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from deals import services
from tests.deals.conftest import api_as
from tests.deals.test_deals import shop

__all__ = ["shop"]  # the fixture, imported for these tests


def test_an_account_never_looked_up_cannot_be_reserved_until_the_lookup_answers_it(world):
    secret = services.account_create(actor=world.admin, name="Wayne Enterprises", country="US")
    bob = api_as(world.bob)
    guessed = bob.post("/api/v1/reservations/", {"account": secret.pk})
    missing = bob.post("/api/v1/reservations/", {"account": 99999999})
    assert guessed.status_code == missing.status_code == 404
    assert guessed.json() == missing.json()
    assert bob.get("/api/v1/accounts/lookup/", {"q": "Wayne Enterprises"}).status_code == 200
    assert bob.post("/api/v1/reservations/", {"account": secret.pk}).status_code == 201


def test_a_vendor_owned_account_never_looked_up_is_not_named_by_its_refusal(world):
    owned = services.account_create(
        actor=world.admin, name="Stark Industries", country="US", vendor_owned=True
    )
    refused = api_as(world.bob).post("/api/v1/reservations/", {"account": owned.pk})
    assert refused.status_code == 404 and "Stark" not in refused.content.decode()


def test_a_deal_may_name_an_account_only_once_looked_up_or_seen(world, shop):
    secret = services.account_create(actor=world.admin, name="Cyberdyne Systems", country="US")
    body = {
        "account": secret.pk,
        "name": "Skynet refresh",
        "currency": "USD",
        "expected_close_date": str(timezone.localdate() + timedelta(days=30)),
        "lines": [{"product": shop.fw.pk, "quantity": 1, "unit_price": "10.00"}],
    }
    carol = api_as(world.carol)
    refused = carol.post("/api/v1/deals/", body, format="json")
    missing = carol.post("/api/v1/deals/", {**body, "account": 99999999}, format="json")
    assert refused.status_code == missing.status_code == 404
    assert refused.json() == missing.json()
    carol.get("/api/v1/accounts/lookup/", {"q": "Cyberdyne"})
    assert carol.post("/api/v1/deals/", body, format="json").status_code == 201
    # Another partner user has not looked it up.
    assert (
        "Cyberdyne"
        not in api_as(world.mia).post("/api/v1/deals/", body, format="json").content.decode()
    )
