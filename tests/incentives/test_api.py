"""The MDF API (incentives issue, point 9): programs (+ allocation preview and allocation),
funds (+ their ledger entries), the reversal of an entry, and fund requests with their
lifecycle. Money is a decimal string beside its currency; bad input is a 400 with the
problems beside their fields and changes nothing; ids in bodies resolve through the
caller's scope (another's and a missing one: the same 404); a state that does not allow a
move is a 409 ``illegal_transition``, a fund that cannot cover an approval a 409
``insufficient_funds``."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from incentives import ledger
from incentives.models import Fund, LedgerEntry, MdfProgram, MdfRequest, PeriodKind
from partners import services as partner_services
from partners.models import Partner
from prm.errors import Conflict
from prm.money import Money
from prm.tenancy.context import current_tenant
from prm.users.models import User
from tests.deals.conftest import all_rows, api_as
from tests.incentives.test_allocations import SINCE, UNTIL, _partners_with_deals, _won
from workflows.approvals import approval_decide
from workflows.models import Approval, RunStatus
from workflows.services import defaults_install

D = Decimal
PROGRAMS = "/api/v1/mdf/programs/"
FUNDS = "/api/v1/mdf/funds/"
ENTRIES = "/api/v1/mdf/entries/"
REQUESTS = "/api/v1/mdf/requests/"


@pytest.fixture
def world(module_world):
    return module_world


@pytest.fixture
def currency(world):
    return current_tenant().currency


@pytest.fixture
def program(world, currency):
    today = timezone.localdate()
    return MdfProgram.objects.create(
        name="API quarter MDF",
        period_kind=PeriodKind.QUARTER,
        starts_on=today,
        ends_on=today + dt.timedelta(days=90),
        currency=currency,
        budget=D("100000.00"),
    )


@pytest.fixture
def funds(world, program, currency):
    """Bob's partner (Northwind Berlin) and carol's (Tailwind) with 5,000.00 each."""
    made = {}
    for name, partner in (("bob", world.berlin), ("carol", world.contoso)):
        fund = Fund.objects.create(program=program, partner=partner)
        with transaction.atomic():
            ledger.allocate(fund=fund, amount=Money(D("5000"), currency), actor=world.admin)
        made[name] = fund
    return made


def request_body(fund: Fund, **overrides) -> dict:
    start = timezone.localdate() + dt.timedelta(days=20)
    return {
        "fund": fund.pk,
        "activity_type": "event",
        "title": "Security roadshow Munich",
        "description": "Half-day event for 40 IT leads",
        "starts_on": start.isoformat(),
        "ends_on": (start + dt.timedelta(days=1)).isoformat(),
        "requested_amount": "3000.00",
        "partner_contribution": "1000.00",
        "expected_leads": 40,
        "expected_pipeline": "250000.00",
        "campaign_code": "RS-MUC-27",
        **overrides,
    }


def assert_error(response, status: int, code: str, fields: set[str] | None = None) -> dict:
    assert response.status_code == status, response.content
    answer = response.json()
    assert set(answer) == {"code", "detail", "fields"} and answer["code"] == code, answer
    assert answer["detail"]
    if fields is not None:
        assert set(answer["fields"]) == fields, answer["fields"]
        assert all(answer["fields"][name] for name in fields)
    return answer


def figures(fund: Fund) -> tuple[Decimal, Decimal, Decimal, Decimal]:
    fund.refresh_from_db()
    return fund.allocated, fund.committed, fund.payable, fund.paid


# --- programs -----------------------------------------------------------------------------


def test_vendor_staff_list_every_program_with_its_budget_and_partners_theirs_without(
    world, funds, program
):
    other = MdfProgram.objects.create(
        name="API program without funds",
        period_kind=PeriodKind.YEAR,
        starts_on=program.starts_on,
        ends_on=program.ends_on,
        currency=program.currency,
        budget=D("500.00"),
    )
    staff = {r["id"]: r for r in all_rows(api_as(world.cam_emea), PROGRAMS)}
    assert {program.pk, other.pk} <= set(staff)
    assert (staff[program.pk]["budget"], staff[program.pk]["allocated"]) == (
        "100000.00",
        "10000.00",
    )
    assert staff[program.pk]["currency"] == program.currency
    bobs = {r["id"]: r for r in all_rows(api_as(world.bob), PROGRAMS)}
    assert program.pk in bobs and other.pk not in bobs
    assert (bobs[program.pk]["budget"], bobs[program.pk]["allocated"]) == (None, None)
    assert bobs[program.pk]["period_kind_label"] == "Quarter"
    assert api_as(world.bob).get(f"{PROGRAMS}{other.pk}/").status_code == 404


def test_a_vendor_admin_creates_a_program(world, currency):
    response = api_as(world.admin).post(
        PROGRAMS,
        {
            "name": "2031 Q3 MDF",
            "period_kind": "quarter",
            "starts_on": "2031-07-01",
            "ends_on": "2031-09-30",
            "currency": currency,
            "budget": "25000.00",
            "shared_pool": True,
        },
    )
    assert response.status_code == 201, response.content
    made = response.json()
    assert (made["name"], made["budget"], made["allocated"], made["shared_pool"]) == (
        "2031 Q3 MDF",
        "25000.00",
        "0.00",
        True,
    )
    pool = Fund.objects.get(program_id=made["id"], partner=None)
    allocated = api_as(world.admin).post(
        f"{PROGRAMS}{made['id']}/allocate/", {"partner": None, "amount": "2000.00"}
    )
    assert allocated.status_code == 201, allocated.content
    assert allocated.json()["entries"][0]["fund"] == pool.pk
    assert figures(pool)[0] == D("2000.00")
    shown = api_as(world.admin).get(f"{FUNDS}{pool.pk}/").json()
    assert (shown["partner"], shown["available"]) == (None, "2000.00")


def test_a_program_with_bad_fields_is_a_400_beside_each_and_nothing_is_created(world):
    before = MdfProgram.objects.count()
    response = api_as(world.admin).post(
        PROGRAMS,
        {
            "name": " ",
            "period_kind": "quarter",
            "starts_on": "2031-07-01",
            "ends_on": "2031-06-30",
            "currency": "usd",
            "budget": "-1.00",
        },
    )
    assert_error(response, 400, "invalid", {"name", "ends_on", "currency", "budget"})
    response = api_as(world.admin).post(
        PROGRAMS, {"name": "X", "period_kind": "month", "budget": "1.001"}
    )
    assert_error(
        response, 400, "invalid", {"period_kind", "starts_on", "ends_on", "currency", "budget"}
    )
    assert MdfProgram.objects.count() == before


def test_only_vendor_admins_create_programs_and_the_body_is_not_read_before(world):
    for user in (world.cam_emea, world.bob):
        response = api_as(user).post(PROGRAMS, {"name": ""})
        assert_error(response, 403, "permission_denied")


def test_an_allocation_rule_is_previewed_without_writing_and_applied_every_row(world, program):
    first, second = _partners_with_deals(2)
    _won(first, "40000.00", "10000.00")
    _won(second, "12345.67")
    client = api_as(world.admin)
    rule = {"percent": "5", "since": SINCE.isoformat(), "until": UNTIL.isoformat()}
    preview = client.post(f"{PROGRAMS}{program.pk}/allocation-preview/", rule)
    assert preview.status_code == 200, preview.content
    assert preview.json() == {
        "currency": program.currency,
        "total": "3117.28",
        "budget_left": "100000.00",
        "fits": True,
        "rows": [
            {
                "partner": {"id": first.pk, "name": first.display_name},
                "won": "50000.00",
                "amount": "2500.00",
            },
            {
                "partner": {"id": second.pk, "name": second.display_name},
                "won": "12345.67",
                "amount": "617.28",
            },
        ],
    }
    assert not LedgerEntry.objects.filter(fund__program=program).exists()
    applied = client.post(f"{PROGRAMS}{program.pk}/allocate/", rule)
    assert applied.status_code == 201, applied.content
    answer = applied.json()
    assert answer["total"] == "3117.28" and len(answer["entries"]) == 2
    assert {e["kind"] for e in answer["entries"]} == {"allocate"}
    fund = Fund.objects.get(program=program, partner=first)
    assert figures(fund)[0] == D("2500.00")
    # Ten times the rule: more than the budget has left, which the preview says.
    rule["percent"] = "50"
    again = client.post(f"{PROGRAMS}{program.pk}/allocation-preview/", rule).json()
    assert (again["total"], again["budget_left"], again["fits"]) == ("31172.83", "96882.72", True)
    program.budget = D("20000.00")
    program.save()
    again = client.post(f"{PROGRAMS}{program.pk}/allocation-preview/", rule).json()
    assert (again["budget_left"], again["fits"]) == ("16882.72", False)
    assert_error(client.post(f"{PROGRAMS}{program.pk}/allocate/", rule), 409, "budget_exceeded")
    assert LedgerEntry.objects.filter(fund__program=program).count() == 2


def test_a_bad_rule_is_a_400_and_writes_nothing(world, program):
    client = api_as(world.admin)
    url = f"{PROGRAMS}{program.pk}/allocation-preview/"
    assert_error(
        client.post(url, {"percent": "0", "since": "2031-01-01", "until": "2031-03-31"}),
        400,
        "invalid",
        {"percent"},
    )
    assert_error(
        client.post(url, {"percent": "5", "since": "2031-03-31", "until": "2031-01-01"}),
        400,
        "invalid",
        {"until"},
    )
    assert_error(client.post(url, {"percent": "x"}), 400, "invalid", {"percent", "since", "until"})
    allocate = f"{PROGRAMS}{program.pk}/allocate/"
    assert_error(
        client.post(allocate, {"percent": "150", "since": "2031-01-01", "until": "2031-03-31"}),
        400,
        "invalid",
        {"percent"},
    )
    assert_error(client.post(allocate, {"percent": "5"}), 400, "invalid", {"since", "until"})
    assert_error(client.post(allocate, {}), 400, "invalid", {"amount"})
    assert not Fund.objects.filter(program=program).exists()


def test_an_allocation_by_hand_to_a_partner_is_a_ledger_entry(world, program):
    response = api_as(world.admin).post(
        f"{PROGRAMS}{program.pk}/allocate/",
        {"partner": world.munich.pk, "amount": "1500.00", "memo": "Launch support"},
    )
    assert response.status_code == 201, response.content
    [entry] = response.json()["entries"]
    fund = Fund.objects.get(program=program, partner=world.munich)
    assert (entry["fund"], entry["kind"], entry["allocated"], entry["memo"]) == (
        fund.pk,
        "allocate",
        "1500.00",
        "Launch support",
    )
    assert entry["actor"] == {"id": world.admin.pk, "name": world.admin.email}
    assert figures(fund) == (D("1500.00"), 0, 0, 0)


def test_an_allocation_by_hand_that_cannot_be_made_is_refused_and_writes_nothing(
    world, program, globex
):
    client = api_as(world.admin)
    url = f"{PROGRAMS}{program.pk}/allocate/"
    other = "CHF"  # a currency the demo tenant has no exchange rate for
    # Another currency than the program's, without an exchange rate for it.
    refused = client.post(url, {"partner": world.munich.pk, "amount": "10.00", "currency": other})
    assert assert_error(refused, 400, "invalid", {"currency"})["fields"]["currency"][0].startswith(
        f"No exchange rate from {other} to {program.currency} is set"
    )
    assert_error(
        client.post(url, {"partner": world.munich.pk, "amount": "-5"}), 400, "invalid", {"amount"}
    )
    assert_error(
        client.post(url, {"partner": world.munich.pk, "amount": "10", "currency": "XX"}),
        400,
        "invalid",
        {"currency"},
    )
    assert_error(client.post(url, {"amount": "10.00"}), 400, "invalid", {"partner"})
    # No shared pool in this program.
    assert_error(
        client.post(url, {"partner": None, "amount": "10.00"}), 400, "invalid", {"partner"}
    )
    budget = client.post(url, {"partner": world.munich.pk, "amount": "100000.01"})
    assert_error(budget, 409, "budget_exceeded")
    # A missing partner: the same 404 as a missing object.
    assert_error(client.post(url, {"partner": 987654321, "amount": "10.00"}), 404, "not_found")
    assert not Fund.objects.filter(program=program).exists()


def test_a_partner_id_out_of_the_callers_scope_is_the_same_404_as_a_missing_one(
    world, program, django_user_model
):
    # A vendor admin sees every partner; the scope applies to who may allocate at all.
    assert_error(
        api_as(world.cam_emea).post(
            f"{PROGRAMS}{program.pk}/allocate/", {"partner": world.contoso.pk, "amount": "1.00"}
        ),
        403,
        "permission_denied",
    )
    assert_error(
        api_as(world.bob).post(f"{PROGRAMS}{program.pk}/allocation-preview/", {}),
        404,  # bob has no fund in the program: he does not see it
        "not_found",
    )


# --- funds and their ledger ---------------------------------------------------------------


def test_a_fund_shows_its_figures_as_strings_with_its_currency(world, funds, program):
    fund = funds["bob"]
    with transaction.atomic():
        ledger.commit(
            fund=fund,
            amount=Money(D("1200.50"), program.currency),
            actor=world.admin,
            reference="mdf_request:0",
        )
    answer = api_as(world.bob).get(f"{FUNDS}{fund.pk}/").json()
    assert answer == {
        "id": fund.pk,
        "program": {"id": program.pk, "name": program.name},
        "partner": {"id": world.berlin.pk, "name": "Northwind Berlin"},
        "currency": program.currency,
        "allocated": "5000.00",
        "committed": "1200.50",
        "payable": "0.00",
        "paid": "0.00",
        "available": "3799.50",
    }


def test_funds_are_filtered_by_program_and_partner(world, funds, program):
    client = api_as(world.admin)
    by_program = client.get(FUNDS, {"program": program.pk}).json()["results"]
    assert {r["id"] for r in by_program} == {funds["bob"].pk, funds["carol"].pk}
    by_partner = client.get(FUNDS, {"partner": world.contoso.pk}).json()["results"]
    assert [r["id"] for r in by_partner] == [funds["carol"].pk]
    assert_error(client.get(FUNDS, {"program": "x"}), 400, "invalid", {"program"})


def test_a_funds_entries_say_what_moved_who_and_when_newest_first(world, funds, program):
    fund = funds["bob"]
    with transaction.atomic():
        commit = ledger.commit(
            fund=fund,
            amount=Money(D("300"), program.currency),
            actor=world.cam_emea,
            reference="mdf_request:9",
        )
    rows = api_as(world.bob).get(f"{FUNDS}{fund.pk}/entries/").json()["results"]
    assert [r["kind"] for r in rows] == ["commit", "allocate"]
    assert rows[0] == {
        "id": commit.pk,
        "fund": fund.pk,
        "kind": "commit",
        "kind_label": "Committed to an approved request",
        "currency": program.currency,
        "allocated": "0.00",
        "committed": "300.00",
        "payable": "0.00",
        "paid": "0.00",
        "memo": "",
        "reference": "mdf_request:9",
        # A partner reads vendor staff by name, never by address.
        "actor": {"id": world.cam_emea.pk, "name": "The vendor's team"},
        "created_at": rows[0]["created_at"],
        "reverses": None,
        "reversed_by": None,
    }
    staff = api_as(world.admin).get(f"{FUNDS}{fund.pk}/entries/").json()["results"]
    assert staff[0]["actor"] == {"id": world.cam_emea.pk, "name": world.cam_emea.email}
    User.objects.filter(pk=world.cam_emea.pk).update(full_name="Cam Emea")
    rows = api_as(world.bob).get(f"{FUNDS}{fund.pk}/entries/").json()["results"]
    assert rows[0]["actor"] == {"id": world.cam_emea.pk, "name": "Cam Emea"}
    assert api_as(world.carol).get(f"{FUNDS}{fund.pk}/entries/").status_code == 404


def test_an_entry_is_reversed_once_by_admins_and_finance_with_a_reason(world, funds):
    fund = funds["bob"]
    entry = fund.entries.get()
    url = f"{ENTRIES}{entry.pk}/reverse/"
    assert_error(api_as(world.admin).post(url, {"memo": " "}), 400, "invalid", {"memo"})
    assert_error(api_as(world.admin).post(url, {}), 400, "invalid", {"memo"})
    for user in (world.cam_emea, world.bob):
        assert_error(api_as(user).post(url, {"memo": "Mistake"}), 403, "permission_denied")
    assert_error(api_as(world.carol).post(url, {"memo": "Mistake"}), 404, "not_found")
    assert figures(fund)[0] == D("5000")
    finance = User.objects.get(email="finance@acme.example")
    response = api_as(finance).post(url, {"memo": "Allocated to the wrong partner"})
    assert response.status_code == 201, response.content
    reversal = response.json()
    assert (reversal["kind"], reversal["allocated"], reversal["reverses"]) == (
        "reverse",
        "-5000.00",
        entry.pk,
    )
    assert figures(fund) == (0, 0, 0, 0)
    assert api_as(world.admin).get(f"{ENTRIES}{entry.pk}/").json()["reversed_by"] == reversal["id"]
    assert_error(api_as(world.admin).post(url, {"memo": "Again"}), 409, "already_reversed")
    assert_error(
        api_as(world.admin).post(f"{ENTRIES}{reversal['id']}/reverse/", {"memo": "x"}),
        409,
        "conflict",
    )
    assert fund.entries.count() == 2


def test_reversing_an_allocation_already_committed_is_refused_as_insufficient_funds(
    world, funds, program
):
    fund = funds["bob"]
    entry = fund.entries.get()
    with transaction.atomic():
        ledger.commit(
            fund=fund,
            amount=Money(D("1"), program.currency),
            actor=world.admin,
            reference="mdf_request:0",
        )
    refused = api_as(world.admin).post(f"{ENTRIES}{entry.pk}/reverse/", {"memo": "Mistake"})
    assert_error(refused, 409, "insufficient_funds")
    assert fund.entries.count() == 2


# --- fund requests ------------------------------------------------------------------------


def test_a_partner_asks_for_funds_and_the_request_is_submitted(world, funds, program):
    response = api_as(world.bob).post(REQUESTS, request_body(funds["bob"]))
    assert response.status_code == 201, response.content
    made = response.json()
    assert (made["status"], made["status_label"], made["currency"]) == (
        "submitted",
        "Waiting for a decision",
        program.currency,
    )
    assert (made["requested_amount"], made["partner_contribution"]) == ("3000.00", "1000.00")
    assert made["partner"] == {"id": world.berlin.pk, "name": "Northwind Berlin"}
    assert made["requested_by"] == {"id": world.bob.pk, "name": world.bob.email}
    assert made["program"] == {"id": program.pk, "name": program.name}
    assert figures(funds["bob"])[1] == 0  # asking commits nothing


def test_a_draft_is_kept_then_submitted(world, funds):
    client = api_as(world.bob)
    draft = client.post(REQUESTS, request_body(funds["bob"], submit=False)).json()
    assert draft["status"] == "draft"
    submitted = client.post(f"{REQUESTS}{draft['id']}/submit/")
    assert submitted.status_code == 200 and submitted.json()["status"] == "submitted"
    assert_error(client.post(f"{REQUESTS}{draft['id']}/submit/"), 409, "illegal_transition")


def test_a_request_with_bad_fields_is_a_400_beside_each_and_nothing_is_created(world, funds):
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    bad = request_body(
        funds["bob"],
        activity_type="party",
        title=" ",
        starts_on=yesterday.isoformat(),
        ends_on="2020-13-01",
        requested_amount="12.345",
        expected_leads=-1,
    )
    refused = api_as(world.bob).post(REQUESTS, bad)
    assert_error(
        refused, 400, "invalid", {"activity_type", "ends_on", "requested_amount", "expected_leads"}
    )
    # What the serializer accepts, the service checks, beside the same fields.
    refused = api_as(world.bob).post(
        REQUESTS,
        request_body(
            funds["bob"],
            title=" ",
            starts_on=yesterday.isoformat(),
            requested_amount="0",
            partner_contribution="-1",
        ),
    )
    answer = assert_error(
        refused, 400, "invalid", {"title", "starts_on", "requested_amount", "partner_contribution"}
    )
    assert "cannot start in the past" in answer["fields"]["starts_on"][0]
    # The last day a date holds: its claim's due date could not be counted (no 500).
    refused = api_as(world.bob).post(REQUESTS, request_body(funds["bob"], ends_on="9999-12-31"))
    assert "ten years" in assert_error(refused, 400, "invalid", {"ends_on"})["fields"]["ends_on"][0]
    other = "CHF"  # a currency the demo tenant has no exchange rate for
    refused = api_as(world.bob).post(REQUESTS, request_body(funds["bob"], currency=other))
    assert_error(refused, 400, "invalid", {"currency"})
    assert_error(api_as(world.bob).post(REQUESTS, {}), 400, "invalid")
    assert not MdfRequest.objects.filter(fund=funds["bob"]).exists()


def test_another_partners_fund_or_a_missing_one_is_the_same_404_whatever_the_body(world, funds):
    client = api_as(world.bob)
    for fund_id in (funds["carol"].pk, 987654321):
        refused = client.post(REQUESTS, {**request_body(funds["carol"], title=""), "fund": fund_id})
        assert_error(refused, 404, "not_found")
    assert not MdfRequest.objects.filter(fund__in=funds.values()).exists()


def test_vendor_staff_do_not_ask_for_funds(world, funds):
    refused = api_as(world.cam_emea).post(REQUESTS, request_body(funds["bob"]))
    assert_error(refused, 403, "permission_denied")


def test_an_approval_for_less_commits_it_and_answers_the_claims_due_date(world, funds):
    made = api_as(world.bob).post(REQUESTS, request_body(funds["bob"])).json()
    response = api_as(world.cam_emea).post(
        f"{REQUESTS}{made['id']}/approve/", {"amount": "2500.00", "reason": "Venue only"}
    )
    assert response.status_code == 200, response.content
    decided = response.json()
    assert (decided["status"], decided["approved_amount"], decided["decision_note"]) == (
        "approved",
        "2500.00",
        "Venue only",
    )
    assert decided["decided_by"] == {"id": world.cam_emea.pk, "name": world.cam_emea.email}
    ends = dt.date.fromisoformat(made["ends_on"])
    assert decided["claim_due_on"] == (ends + dt.timedelta(days=60)).isoformat()
    assert decided["required_proofs"] == ["invoice", "photos", "attendees"]
    assert figures(funds["bob"])[1] == D("2500.00")
    again = api_as(world.cam_emea).post(f"{REQUESTS}{made['id']}/approve/", {})
    assert_error(again, 409, "illegal_transition")
    assert figures(funds["bob"])[1] == D("2500.00")


def test_an_approval_the_fund_cannot_cover_or_a_bad_amount_changes_nothing(world, funds):
    made = (
        api_as(world.bob)
        .post(REQUESTS, request_body(funds["bob"], requested_amount="6000.00"))
        .json()
    )
    url = f"{REQUESTS}{made['id']}/approve/"
    client = api_as(world.cam_emea)
    answer = assert_error(client.post(url, {}), 409, "insufficient_funds")
    assert "available" in answer["detail"]
    assert_error(client.post(url, {"amount": "6000.01"}), 400, "invalid", {"amount"})
    assert_error(client.post(url, {"amount": "abc"}), 400, "invalid", {"amount"})
    assert_error(api_as(world.bob).post(url, {}), 403, "permission_denied")
    request = MdfRequest.objects.get(pk=made["id"])
    assert (request.status, request.approved_amount) == ("submitted", None)
    assert funds["bob"].entries.count() == 1


def test_a_rejection_needs_a_reason_and_moves_no_money(world, funds):
    made = api_as(world.bob).post(REQUESTS, request_body(funds["bob"])).json()
    url = f"{REQUESTS}{made['id']}/reject/"
    assert_error(api_as(world.cam_emea).post(url, {}), 400, "invalid", {"reason"})
    assert_error(api_as(world.bob).post(url, {"reason": "No"}), 403, "permission_denied")
    response = api_as(world.cam_emea).post(url, {"reason": "Outside this quarter's plan"})
    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["decision_note"]) == (
        "rejected",
        "Outside this quarter's plan",
    )
    assert_error(api_as(world.cam_emea).post(url, {"reason": "Twice"}), 409, "illegal_transition")
    assert figures(funds["bob"])[1] == 0


def test_cancelling_an_approved_request_gives_its_amount_back(world, funds):
    made = api_as(world.bob).post(REQUESTS, request_body(funds["bob"])).json()
    api_as(world.cam_emea).post(f"{REQUESTS}{made['id']}/approve/", {})
    assert figures(funds["bob"])[1] == D("3000")
    response = api_as(world.bob).post(f"{REQUESTS}{made['id']}/cancel/", {"reason": "Venue shut"})
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    assert figures(funds["bob"])[1] == 0
    assert ledger.ledger_totals(funds["bob"])["committed"] == 0
    again = api_as(world.bob).post(f"{REQUESTS}{made['id']}/cancel/", {})
    assert_error(again, 409, "illegal_transition")


def test_deciding_a_request_through_the_api_closes_the_approval_the_workflow_still_asks(
    world, funds, django_capture_on_commit_callbacks
):
    defaults_install(actor=world.admin)
    partner_services.partner_update(
        actor=world.admin, partner=world.berlin, fields={"channel_manager": world.cam_emea}
    )
    asked = {}
    for name in ("approved", "rejected", "cancelled"):
        with django_capture_on_commit_callbacks(execute=True):
            made = api_as(world.bob).post(REQUESTS, request_body(funds["bob"])).json()
        asked[name] = Approval.objects.get(
            run__object_type="mdfrequest", run__object_id=str(made["id"])
        )
        assert asked[name].approver == world.cam_emea and asked[name].decided_at is None
    api_as(world.admin).post(f"{REQUESTS}{asked['approved'].run.object_id}/approve/", {})
    api_as(world.admin).post(
        f"{REQUESTS}{asked['rejected'].run.object_id}/reject/", {"reason": "Not this quarter"}
    )
    api_as(world.bob).post(f"{REQUESTS}{asked['cancelled'].run.object_id}/cancel/", {})
    for approval in asked.values():
        approval.refresh_from_db()
        assert approval.superseded and approval.run.status == RunStatus.COMPLETED
    # The channel manager's late decision changes nothing.
    with pytest.raises(Conflict) as late:
        approval_decide(actor=world.cam_emea, approval_id=asked["approved"].pk, decision="approved")
    assert late.value.error_code == "already_decided"
    assert figures(funds["bob"])[1] == D("3000.00")


def test_requests_are_filtered_by_status_fund_and_partner(world, funds):
    bobs = api_as(world.bob).post(REQUESTS, request_body(funds["bob"])).json()
    draft = api_as(world.bob).post(REQUESTS, request_body(funds["bob"], submit=False)).json()
    carols = api_as(world.carol).post(REQUESTS, request_body(funds["carol"])).json()
    client = api_as(world.admin)

    def ids(**query):
        page = client.get(REQUESTS, {**query, "page_size": 200}).json()
        assert page["next"] is None
        return {r["id"] for r in page["results"]}

    mine = {bobs["id"], draft["id"], carols["id"]}
    assert ids(status="draft") & mine == {draft["id"]}
    assert ids(fund=funds["carol"].pk) == {carols["id"]}
    assert ids(partner=world.berlin.pk) == {bobs["id"], draft["id"]}
    assert ids(partner=world.berlin.pk, status="submitted") == {bobs["id"]}
    assert_error(client.get(REQUESTS, {"status": "won"}), 400, "invalid", {"status"})
    # A partner's filter never widens its scope.
    assert api_as(world.carol).get(REQUESTS, {"partner": world.berlin.pk}).json()["count"] == 0


def test_nothing_is_answered_to_someone_not_signed_in(world, funds):
    from rest_framework.test import APIClient

    from tests.conftest import ACME_HOST

    client = APIClient(HTTP_HOST=ACME_HOST)
    for url in (PROGRAMS, FUNDS, REQUESTS, f"{FUNDS}{funds['bob'].pk}/entries/"):
        assert_error(client.get(url), 401, "not_authenticated")
    assert_error(client.post(REQUESTS, request_body(funds["bob"])), 401, "not_authenticated")


def test_a_demo_partner_sees_only_their_own_companys_funds(acme):
    bob = User.objects.get(email="bob@northwind.example")
    mine = bob.partner_membership.partner
    rows = all_rows(api_as(bob), FUNDS)
    assert rows and {r["partner"]["id"] for r in rows} <= set(
        Partner.objects.filter(path__startswith=mine.path[: mine.steplen]).values_list(
            "pk", flat=True
        )
    )


def test_the_lists_cost_the_same_queries_whatever_their_length(world, funds, program):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def cost(client, url):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    bob, admin = api_as(world.bob), api_as(world.admin)
    api_as(world.bob).post(REQUESTS, request_body(funds["bob"]))
    urls = [REQUESTS, FUNDS, PROGRAMS, ENTRIES, f"{FUNDS}{funds['bob'].pk}/entries/"]
    before = {url: (cost(bob, url), cost(admin, url)) for url in urls}
    for _ in range(3):
        made = api_as(world.bob).post(REQUESTS, request_body(funds["bob"])).json()
        api_as(world.cam_emea).post(f"{REQUESTS}{made['id']}/approve/", {"amount": "100.00"})
    second = MdfProgram.objects.create(
        name="API second program",
        period_kind=PeriodKind.YEAR,
        starts_on=program.starts_on,
        ends_on=program.ends_on,
        currency=program.currency,
        budget=D("100.00"),
    )
    Fund.objects.create(program=second, partner=world.berlin)
    after = {url: (cost(bob, url), cost(admin, url)) for url in urls}
    assert after == before
