"""The scope matrix of MDF programs, funds, ledger entries and fund requests: every persona
x every object x list, detail and an action. Out of scope is the same 404 as missing; a
partner never sees another partner's fund, entry or request; the stranger (a partner user
of no partner) and the other tenant see nothing.

World (tests/partners/conftest.py): the program "Matrix MDF" with a shared pool and funds
for Northwind Berlin (bob's), Northwind Munich (mia's) and Tailwind (carol's); the program
"Matrix Americas" with Tailwind's fund only. Fund requests, waiting for a decision: bob's,
mia's and carol's, each on their own partner's fund of Matrix MDF."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from incentives import requests, services
from incentives.models import PeriodKind
from prm.money import Money
from prm.tenancy.context import current_tenant
from prm.users.models import Role, User
from prm.users.services import user_create
from tests.conftest import GLOBEX_HOST
from tests.deals.conftest import all_rows, api_as

PERSONAS = ["admin", "finance", "cam_emea", "cam_us", "alice", "bob", "mia", "carol", "stranger"]
VENDOR_STAFF = {"admin", "finance", "cam_emea", "cam_us"}
PROGRAMS = ["main", "americas"]
SEES_PROGRAMS = {
    **{persona: set(PROGRAMS) for persona in VENDOR_STAFF},  # vendor staff: every program
    "alice": {"main"},  # partners: the programs they have a fund in
    "bob": {"main"},
    "mia": {"main"},
    "carol": {"main", "americas"},
    "stranger": set(),
}
FUNDS = ["berlin", "munich", "contoso", "pool", "contoso_americas"]
SEES_FUNDS = {
    "admin": set(FUNDS),  # admins and finance: every fund, shared pools too
    "finance": set(FUNDS),
    "cam_emea": {"berlin", "munich"},  # Northwind's territory is under Europe
    "cam_us": {"contoso", "contoso_americas"},
    "alice": {"berlin", "munich"},  # partner admin: her partner's subtree
    "bob": {"berlin"},
    "mia": {"munich"},
    "carol": {"contoso", "contoso_americas"},
    "stranger": set(),
}
REQUESTS = ["bobs", "mias", "carols"]
REQUEST_FUND = {"bobs": "berlin", "mias": "munich", "carols": "contoso"}
SEES_REQUESTS = {
    persona: {r for r in REQUESTS if REQUEST_FUND[r] in SEES_FUNDS[persona]} for persona in PERSONAS
}
ADMINS_AND_FINANCE = {"admin", "finance"}  # mdf.reverse
DECIDERS = {"admin", "cam_emea", "cam_us"}  # mdf.decide


@pytest.fixture(scope="module")
def _mdf_world(_module_world, django_db_blocker):
    from django.db import connection

    from tests.conftest import _activate

    w = _module_world
    with django_db_blocker.unblock():
        _activate("acme")
        w.finance = User.objects.get(email="finance@acme.example")
        w.stranger = user_create(
            email="stranger@world.example", role=Role.PARTNER_USER, send_welcome=False
        )
        currency = current_tenant().currency
        today = timezone.localdate()

        def program(name, pool=False):
            return services.program_create(
                actor=w.admin,
                name=name,
                period_kind=PeriodKind.QUARTER,
                starts_on=today,
                ends_on=today + dt.timedelta(days=90),
                currency=currency,
                budget=Decimal("100000.00"),
                shared_pool=pool,
            )

        w.programs = {
            "main": program("Matrix MDF", pool=True),
            "americas": program("Matrix Americas"),
        }

        def allocate(program, partner):
            entry = services.fund_allocate(
                actor=w.admin,
                program=w.programs[program],
                partner=partner,
                amount=Money(Decimal("5000.00"), currency),
            )
            return entry.fund

        w.funds = {
            "berlin": allocate("main", w.berlin),
            "munich": allocate("main", w.munich),
            "contoso": allocate("main", w.contoso),
            "pool": allocate("main", None),
            "contoso_americas": allocate("americas", w.contoso),
        }
        w.entries = {name: fund.entries.get() for name, fund in w.funds.items()}
        start = today + dt.timedelta(days=10)

        def ask(user, fund, title):
            return requests.mdf_request_create(
                actor=user,
                fund=w.funds[fund],
                activity_type="webinar",
                title=title,
                starts_on=start,
                ends_on=start,
                requested_amount=Decimal("1000.00"),
            )

        w.requests = {
            "bobs": ask(w.bob, "berlin", "Matrix webinar Berlin"),
            "mias": ask(w.mia, "munich", "Matrix webinar Munich"),
            "carols": ask(w.carol, "contoso", "Matrix webinar Tailwind"),
        }
        connection.set_schema_to_public()
    return w


@pytest.fixture
def world(_mdf_world, module_world):
    return module_world


def _names(rows: list[dict], objects: dict) -> set[str]:
    ids = {row["id"] for row in rows}
    return {name for name, obj in objects.items() if obj.pk in ids}


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_lists_show_exactly_the_programs_funds_entries_and_requests_in_scope(world, persona):
    client = api_as(getattr(world, persona))
    assert (
        _names(all_rows(client, "/api/v1/mdf/programs/"), world.programs)
        == (SEES_PROGRAMS[persona])
    )
    assert _names(all_rows(client, "/api/v1/mdf/funds/"), world.funds) == SEES_FUNDS[persona]
    assert _names(all_rows(client, "/api/v1/mdf/entries/"), world.entries) == (SEES_FUNDS[persona])
    assert (
        _names(all_rows(client, "/api/v1/mdf/requests/"), world.requests)
        == (SEES_REQUESTS[persona])
    )


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("name", PROGRAMS)
def test_a_program_out_of_scope_is_404_to_read_and_to_allocate(world, persona, name):
    client = api_as(getattr(world, persona))
    url = f"/api/v1/mdf/programs/{world.programs[name].pk}/"
    visible = name in SEES_PROGRAMS[persona]
    assert client.get(url).status_code == (200 if visible else 404)
    # An empty body: invalid for an admin, who may allocate; refused before it is read for
    # everyone else who sees the program.
    previewed = client.post(f"{url}allocation-preview/", {}, format="json")
    allocated = client.post(f"{url}allocate/", {}, format="json")
    expected = (400 if persona == "admin" else 403) if visible else 404
    assert (previewed.status_code, allocated.status_code) == (expected, expected), previewed.content


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("name", FUNDS)
def test_a_fund_and_its_entries_out_of_scope_are_404_to_read_and_to_reverse(world, persona, name):
    client = api_as(getattr(world, persona))
    visible = name in SEES_FUNDS[persona]
    fund = world.funds[name]
    assert client.get(f"/api/v1/mdf/funds/{fund.pk}/").status_code == (200 if visible else 404)
    entries = client.get(f"/api/v1/mdf/funds/{fund.pk}/entries/")
    assert entries.status_code == (200 if visible else 404)
    url = f"/api/v1/mdf/entries/{world.entries[name].pk}/"
    assert client.get(url).status_code == (200 if visible else 404)
    # A blank memo: invalid for admins and finance, refused for the others who see it.
    reversed_ = client.post(f"{url}reverse/", {"memo": ""}, format="json")
    expected = (400 if persona in ADMINS_AND_FINANCE else 403) if visible else 404
    assert reversed_.status_code == expected, reversed_.content
    assert fund.entries.count() == 1


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("name", REQUESTS)
def test_a_request_out_of_scope_is_404_to_read_and_to_act_on(world, persona, name):
    client = api_as(getattr(world, persona))
    request = world.requests[name]
    url = f"/api/v1/mdf/requests/{request.pk}/"
    visible = name in SEES_REQUESTS[persona]
    assert client.get(url).status_code == (200 if visible else 404)
    # No reason: invalid for the channel team, refused for the others who see it.
    rejected = client.post(f"{url}reject/", {}, format="json")
    expected = (400 if persona in DECIDERS else 403) if visible else 404
    assert rejected.status_code == expected, rejected.content
    submitted = client.post(f"{url}submit/", {}, format="json")
    # Waiting already: a 409 for a partner who sees it, a 403 for vendor staff.
    expected = (403 if persona in VENDOR_STAFF else 409) if visible else 404
    assert submitted.status_code == expected, submitted.content
    request.refresh_from_db()
    assert request.status == "submitted"


@pytest.mark.parametrize("persona", ["bob", "mia", "carol", "stranger"])
def test_a_partner_asks_only_from_its_own_funds(world, persona):
    """Another partner's fund (or the shared pool) is the same 404 as a missing fund."""
    client = api_as(getattr(world, persona))
    start = (timezone.localdate() + dt.timedelta(days=10)).isoformat()
    for name in FUNDS:
        body = {
            "fund": world.funds[name].pk,
            "activity_type": "webinar",
            "title": "Matrix ask",
            "starts_on": start,
            "ends_on": start,
            "requested_amount": "10.00",
            "submit": False,
        }
        response = client.post("/api/v1/mdf/requests/", body, format="json")
        assert response.status_code == (201 if name in SEES_FUNDS[persona] else 404), (
            name,
            response.content,
        )


def test_another_tenant_sees_nothing_of_acme(world, globex):
    admin = User.objects.get(email="admin@globex.example")
    client = api_as(admin, GLOBEX_HOST)
    programs = {p.name for p in world.programs.values()}
    assert not programs & {r["name"] for r in all_rows(client, "/api/v1/mdf/programs/")}
    assert not programs & {r["program"]["name"] for r in all_rows(client, "/api/v1/mdf/funds/")}
    titles = {r.title for r in world.requests.values()}
    assert not titles & {r["title"] for r in all_rows(client, "/api/v1/mdf/requests/")}
    for fund in world.funds.values():
        response = client.get(f"/api/v1/mdf/funds/{fund.pk}/")
        assert response.status_code == 404 or response.json()["program"]["name"] not in programs
    for request in world.requests.values():
        response = client.get(f"/api/v1/mdf/requests/{request.pk}/")
        assert response.status_code == 404 or response.json()["title"] not in titles
