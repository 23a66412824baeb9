"""The MDF portal pages (incentives issue, point 8): the partner's funds, a new fund request
and the request page; the vendor's programs, a new program, a program's page with its
allocations by hand and by a rule (preview first, then a confirmed second step), a fund's
ledger with its reversals, the fund requests list and the staff's decision, which goes
through the workflow's approval when one waits. Each page for each persona that may see
it; out of scope is a 404; bad input is refused beside its field and changes nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone

from deals.models import Deal, DealStatus
from incentives import ledger
from incentives.models import Fund, LedgerEntry, MdfProgram, MdfRequest, PeriodKind, RequestStatus
from incentives.requests import mdf_request_approve, mdf_request_create
from partners import services as partner_services
from partners.models import Partner, PartnerStatus
from prm.money import Money
from prm.tenancy.context import current_tenant
from prm.users.models import Role
from prm.users.services import user_create
from tests.conftest import ACME_HOST
from workflows.models import Approval, RunStatus
from workflows.services import defaults_install

D = Decimal
S = RequestStatus


@pytest.fixture
def world(module_world):
    return module_world


def browser_as(user) -> Client:
    client = Client(HTTP_HOST=ACME_HOST)
    client.force_login(user)
    return client


def cash(value: str) -> Money:
    return Money(D(value), current_tenant().currency)


@pytest.fixture
def program(world):
    today = timezone.localdate()
    return MdfProgram.objects.create(
        name="Pages test MDF",
        period_kind=PeriodKind.QUARTER,
        starts_on=today,
        ends_on=today + dt.timedelta(days=90),
        currency=current_tenant().currency,
        budget=D("100000"),
    )


@pytest.fixture
def funds(world, program):
    """Bob's partner (Northwind Berlin) and carol's (Tailwind) with 5,000 each."""
    made = {}
    for name, partner in (("bob", world.berlin), ("carol", world.contoso)):
        fund = Fund.objects.create(program=program, partner=partner)
        with transaction.atomic():
            ledger.allocate(fund=fund, amount=cash("5000"), actor=world.admin, memo="Starter")
        made[name] = fund
    return made


def fields(fund: Fund, **overrides) -> dict:
    start = timezone.localdate() + dt.timedelta(days=20)
    return {
        "fund": fund.pk,
        "activity_type": "webinar",
        "title": "Zero-trust webinar",
        "starts_on": start.isoformat(),
        "ends_on": (start + dt.timedelta(days=1)).isoformat(),
        "requested_amount": "3000",
        "partner_contribution": "1000",
        "expected_leads": "40",
        "expected_pipeline": "250000",
        "campaign_code": "ZT-27",
        "description": "Two sessions",
        **overrides,
    }


def request_of(world, fund: Fund, submit: bool = True, **overrides) -> MdfRequest:
    start = timezone.localdate() + dt.timedelta(days=20)
    values = {
        "activity_type": "event",
        "title": "Security roadshow Munich",
        "starts_on": start,
        "ends_on": start + dt.timedelta(days=1),
        "requested_amount": D("3000.00"),
        "partner_contribution": D("1000.00"),
        **overrides,
    }
    owner = world.bob if fund.partner == world.berlin else world.carol
    return mdf_request_create(actor=owner, fund=fund, submit=submit, **values)


def text(response) -> str:
    return response.content.decode()


# --- the partner's pages --------------------------------------------------------------------


def test_a_partner_sees_their_funds_figures_and_requests_and_nothing_of_another_partner(
    world, funds
):
    mine = request_of(world, funds["bob"])
    theirs = request_of(world, funds["carol"], title="Tailwind only roadshow")
    mdf_request_approve(actor=world.cam_emea, request=mine, amount=D("2000.00"))
    page = browser_as(world.bob).get("/funds/")
    assert page.status_code == 200
    body = text(page)
    assert "Pages test MDF" in body and "My funds" in body
    assert "USD\xa05,000" in body  # allocated
    assert "USD\xa02,000" in body  # committed (promised)
    assert "USD\xa03,000" in body  # available
    assert mine.title in body and "Approved" in body
    assert theirs.title not in body
    assert "Ask for funds" in body


def test_a_partner_admin_sees_the_funds_of_their_companys_branches_by_name(world, funds):
    request = request_of(world, funds["bob"])
    body = text(browser_as(world.alice).get("/funds/"))
    assert "Northwind Berlin" in body and request.title in body
    assert "Tailwind" not in body
    assert browser_as(world.alice).get(f"/funds/requests/{request.pk}/").status_code == 200


def test_a_partner_without_a_fund_is_told_what_to_do(world):
    page = browser_as(world.mia).get("/funds/")
    assert page.status_code == 200
    assert "No market development funds yet" in text(page)
    new = browser_as(world.mia).get("/funds/requests/new/")
    assert new.status_code == 200 and "No fund to ask from" in text(new)


def test_a_partner_submits_a_request_and_lands_on_its_page(world, funds):
    client = browser_as(world.bob)
    form = client.get(f"/funds/requests/new/?fund={funds['bob'].pk}")
    assert form.status_code == 200 and 'name="requested_amount"' in text(form)
    response = client.post("/funds/requests/new/", {**fields(funds["bob"]), "action": "submit"})
    request = MdfRequest.objects.get(fund=funds["bob"], title="Zero-trust webinar")
    assert response.status_code == 302 and response["Location"] == f"/funds/requests/{request.pk}/"
    assert (request.status, request.requested_amount, request.expected_leads) == (
        S.SUBMITTED,
        D("3000"),
        40,
    )
    page = client.get(response["Location"])
    body = text(page)
    assert "Waiting for a decision" in body and "Waiting for the channel team" in body
    assert 'data-testid="request-timeline"' in body and "Submitted" in body


def test_a_partner_with_several_funds_asks_from_any_of_them(world, funds, program):
    """The chosen fund was looked up by popping it from the form's data once per fund: the
    second fund of a partner gave a 500."""
    later = MdfProgram.objects.create(
        name="Pages test MDF, next quarter",
        period_kind=PeriodKind.QUARTER,
        starts_on=program.ends_on,
        ends_on=program.ends_on + dt.timedelta(days=90),
        currency=program.currency,
        budget=D("100000"),
    )
    second = Fund.objects.create(program=later, partner=world.berlin)
    with transaction.atomic():
        ledger.allocate(fund=second, amount=cash("1000"), actor=world.admin)
    chosen = max(funds["bob"], second, key=lambda f: f.pk)
    response = browser_as(world.bob).post(
        "/funds/requests/new/", {**fields(chosen, requested_amount="500"), "action": "submit"}
    )
    assert response.status_code == 302
    assert MdfRequest.objects.filter(fund=chosen, title="Zero-trust webinar").exists()


def test_a_draft_is_saved_and_submitted_later_from_its_page(world, funds):
    client = browser_as(world.bob)
    client.post("/funds/requests/new/", {**fields(funds["bob"]), "action": "draft"})
    request = MdfRequest.objects.get(fund=funds["bob"], title="Zero-trust webinar")
    assert request.status == S.DRAFT
    assert 'data-testid="submit"' in text(client.get(f"/funds/requests/{request.pk}/"))
    client.post(f"/funds/requests/{request.pk}/submit/")
    request.refresh_from_db()
    assert request.status == S.SUBMITTED


def test_bad_input_on_a_new_request_is_refused_beside_each_field_and_saves_nothing(world, funds):
    past = (timezone.localdate() - dt.timedelta(days=2)).isoformat()
    bad = fields(
        funds["bob"],
        title="",
        starts_on=past,
        ends_on=(timezone.localdate() - dt.timedelta(days=5)).isoformat(),
        requested_amount="0",
        partner_contribution="12.345",
        expected_leads="many",
    )
    response = browser_as(world.bob).post("/funds/requests/new/", {**bad, "action": "submit"})
    assert response.status_code == 400
    body = text(response)
    assert "Name the activity." in body
    assert "Enter the amount in whole cents." in body
    assert "Enter a whole number." in body
    assert not MdfRequest.objects.filter(fund=funds["bob"]).exists()
    # The form's own checks pass; the service's rules land beside their fields too.
    bad = fields(funds["bob"], starts_on=past, requested_amount="0")
    response = browser_as(world.bob).post("/funds/requests/new/", {**bad, "action": "submit"})
    body = text(response)
    assert response.status_code == 400
    assert "cannot start in the past" in body and "Enter an amount above zero." in body
    assert 'value="Zero-trust webinar"' in body  # nothing typed is lost
    assert not MdfRequest.objects.filter(fund=funds["bob"]).exists()


def test_a_partner_cannot_ask_from_another_partners_fund(world, funds):
    response = browser_as(world.bob).post(
        "/funds/requests/new/", {**fields(funds["carol"]), "action": "submit"}
    )
    assert response.status_code == 400
    assert not MdfRequest.objects.filter(fund=funds["carol"]).exists()


def test_another_partners_request_is_a_404_on_every_page_and_action(world, funds):
    request = request_of(world, funds["bob"])
    carol = browser_as(world.carol)
    assert carol.get(f"/funds/requests/{request.pk}/").status_code == 404
    assert carol.post(f"/funds/requests/{request.pk}/cancel/").status_code == 404
    assert carol.get("/funds/requests/999999/").status_code == 404
    request.refresh_from_db()
    assert request.status == S.SUBMITTED


def test_the_request_page_shows_the_decision_its_note_the_amount_due_date_and_proofs(world, funds):
    request = request_of(world, funds["bob"])
    mdf_request_approve(
        actor=world.cam_emea, request=request, amount=D("2500.00"), reason="Keep it lean"
    )
    request.refresh_from_db()
    body = text(browser_as(world.bob).get(f"/funds/requests/{request.pk}/"))
    assert "Approved: USD\xa02,500 of the USD\xa03,000 asked." in body
    assert "“Keep it lean”" in body
    assert "Invoice" in body and "Photos of the activity" in body and "Attendee list" in body
    assert 'data-testid="claim-due"' in body
    assert "Approved amount set to USD\xa02,500" in body  # the history's amounts as money
    assert "cam.emea@world.example" not in body  # vendor staff without their address


def test_cancelling_an_approved_request_gives_its_amount_back(world, funds):
    request = request_of(world, funds["bob"])
    mdf_request_approve(actor=world.cam_emea, request=request)
    response = browser_as(world.bob).post(
        f"/funds/requests/{request.pk}/cancel/", {"cancel-reason": "Venue cancelled"}
    )
    assert response.status_code == 302
    request.refresh_from_db()
    funds["bob"].refresh_from_db()
    assert request.status == S.CANCELLED and funds["bob"].available == D("5000")


# --- the vendor's pages ---------------------------------------------------------------------


def test_the_channel_team_cancels_an_approval_but_rejects_what_waits(world, funds):
    waiting = request_of(world, funds["bob"])
    approved = request_of(world, funds["bob"], title="Approved roadshow")
    mdf_request_approve(actor=world.cam_emea, request=approved)
    cam = browser_as(world.cam_emea)
    page = text(cam.get(f"/funds/requests/{waiting.pk}/"))
    assert 'data-testid="cancel-form"' not in page
    refused = cam.post(f"/funds/requests/{waiting.pk}/cancel/", {}, follow=True)
    assert "approve or reject it" in text(refused)
    waiting.refresh_from_db()
    assert waiting.status == S.SUBMITTED
    assert 'data-testid="cancel-form"' in text(cam.get(f"/funds/requests/{approved.pk}/"))
    cam.post(f"/funds/requests/{approved.pk}/cancel/", {"cancel-reason": "Event called off"})
    approved.refresh_from_db()
    assert approved.status == S.CANCELLED
    assert Fund.objects.get(pk=funds["bob"].pk).available == D("5000")


def test_vendor_staff_see_the_programs_with_their_totals_and_partners_do_not(world, program, funds):
    request = request_of(world, funds["bob"])
    mdf_request_approve(actor=world.cam_emea, request=request)
    body = text(browser_as(world.admin).get("/funds/"))
    assert "MDF programs" in body and "Pages test MDF" in body
    assert "USD\xa0100,000" in body and "New program" in body
    cam = text(browser_as(world.cam_emea).get("/funds/"))
    assert "Pages test MDF" in cam and "New program" not in cam
    assert "The figures of the partners you look after" in cam
    bob = browser_as(world.bob)
    assert bob.get(f"/funds/programs/{program.pk}/").status_code == 404
    assert bob.get(f"/funds/{funds['bob'].pk}/").status_code == 404
    assert bob.get("/funds/requests/").status_code == 404
    assert bob.get("/funds/programs/new/").status_code == 404


def test_a_vendor_admin_sets_up_a_program_and_bad_fields_are_refused_beside_them(world):
    client = browser_as(world.admin)
    assert client.get("/funds/programs/new/").status_code == 200
    bad = {
        "name": "",
        "period_kind": "quarter",
        "starts_on": "2031-04-01",
        "ends_on": "2031-03-01",
        "currency": "usd",
        "budget": "-5",
    }
    response = client.post("/funds/programs/new/", bad)
    assert response.status_code == 400
    body = text(response)
    assert "Name the program" in body
    assert not MdfProgram.objects.filter(starts_on=dt.date(2031, 4, 1)).exists()
    response = client.post("/funds/programs/new/", {**bad, "name": "2031 Q2 MDF", "budget": "5"})
    assert response.status_code == 400 and "The program ends after it starts." in text(response)
    good = {**bad, "name": "2031 Q2 MDF", "ends_on": "2031-06-30", "budget": "50000"}
    response = client.post("/funds/programs/new/", good)
    created = MdfProgram.objects.get(name="2031 Q2 MDF")
    assert response["Location"] == f"/funds/programs/{created.pk}/"
    assert (created.currency, created.budget) == ("USD", D("50000"))
    assert browser_as(world.cam_emea).get("/funds/programs/new/").status_code == 404


def test_the_program_page_lists_funds_per_partner_and_allocates_by_hand(world, program, funds):
    client = browser_as(world.admin)
    page = text(client.get(f"/funds/programs/{program.pk}/"))
    assert "Northwind Berlin" in page and "Tailwind" in page
    assert "USD\xa090,000" in page  # left to allocate
    response = client.post(
        f"/funds/programs/{program.pk}/allocate/",
        {"partner": world.munich.pk, "amount": "1500", "memo": "Launch"},
    )
    assert response.status_code == 302
    fund = Fund.objects.get(program=program, partner=world.munich)
    assert fund.allocated == D("1500") and fund.entries.get().memo == "Launch"
    # A channel manager sees their partners' funds, and no allocation forms.
    cam = text(browser_as(world.cam_emea).get(f"/funds/programs/{program.pk}/"))
    assert "Northwind Berlin" in cam and "Tailwind" not in cam and "Allocate by hand" not in cam
    assert (
        browser_as(world.cam_emea)
        .post(f"/funds/programs/{program.pk}/allocate/", {"partner": world.munich.pk})
        .status_code
        == 404
    )


def test_an_allocation_over_the_budget_or_badly_typed_is_refused_and_changes_nothing(
    world, program, funds
):
    client = browser_as(world.admin)
    response = client.post(
        f"/funds/programs/{program.pk}/allocate/",
        {"partner": world.munich.pk, "amount": "95000"},
    )
    assert response.status_code == 400 and "of its budget left to allocate" in text(response)
    response = client.post(
        f"/funds/programs/{program.pk}/allocate/", {"partner": world.munich.pk, "amount": "ten"}
    )
    assert response.status_code == 400 and "Enter an amount such as 2500" in text(response)
    assert not Fund.objects.filter(program=program, partner=world.munich).exists()


def _won(partner: Partner, amount: str) -> None:
    """A demo deal of ``partner`` made won in 2031 (a period nothing else has)."""
    Partner.objects.filter(pk=partner.pk).update(status=PartnerStatus.ACTIVE)
    deal = Deal.objects.filter(partner=partner).order_by("pk").first()
    assert deal is not None
    Deal.objects.filter(pk=deal.pk).update(
        status=DealStatus.WON,
        closed_on=dt.date(2031, 2, 1),
        final_amount=D(amount),
        currency=current_tenant().currency,
    )


def test_a_rule_is_previewed_first_and_allocated_only_on_the_confirmed_second_step(world, program):
    partner = Partner.objects.get(pk=Deal.objects.values_list("partner", flat=True).first())
    _won(partner, "40000")
    client = browser_as(world.admin)
    rule = {"percent": "5", "since": "2031-01-01", "until": "2031-03-31"}
    preview = client.get(f"/funds/programs/{program.pk}/", rule)
    body = text(preview)
    assert preview.status_code == 200 and 'data-testid="rule-preview"' in body
    assert partner.display_name in body and "USD\xa040,000" in body and "USD\xa02,000" in body
    assert not Fund.objects.filter(program=program).exists()  # a preview writes nothing
    # The figures changed meanwhile: shown again to confirm, nothing allocated.
    stale = client.post(f"/funds/programs/{program.pk}/rule/", {**rule, "total": "1999.00"})
    assert stale.status_code == 409 and 'data-testid="preview-changed"' in text(stale)
    assert not Fund.objects.filter(program=program).exists()
    applied = client.post(f"/funds/programs/{program.pk}/rule/", {**rule, "total": "2000.00"})
    assert applied.status_code == 302
    fund = Fund.objects.get(program=program, partner=partner)
    assert fund.allocated == D("2000.00")
    assert fund.entries.get().memo == "5% of won revenue 2031-01-01 to 2031-03-31"


def test_a_bad_rule_is_refused_beside_its_field(world, program):
    client = browser_as(world.admin)
    response = client.get(
        f"/funds/programs/{program.pk}/",
        {"percent": "150", "since": "2031-01-01", "until": "2030-03-31"},
    )
    assert response.status_code == 400
    assert "Enter a percentage above 0 and at most 100." in text(response)
    assert not Fund.objects.filter(program=program).exists()


def test_the_fund_page_shows_its_ledger_and_an_entry_is_reversed_with_a_reason(
    world, program, funds
):
    client = browser_as(world.admin)
    fund = funds["bob"]
    body = text(client.get(f"/funds/{fund.pk}/"))
    assert "Allocated +USD\xa05,000" in body and "“Starter”" in body
    assert "Reverse this entry" in body
    entry = fund.entries.get()
    refused = client.post(f"/funds/entries/{entry.pk}/reverse/", {f"r{entry.pk}-memo": ""})
    assert refused.status_code == 400 and "Say why the entry is reversed." in text(refused)
    assert fund.entries.count() == 1
    done = client.post(
        f"/funds/entries/{entry.pk}/reverse/", {f"r{entry.pk}-memo": "Wrong partner"}
    )
    assert done.status_code == 302
    fund.refresh_from_db()
    assert fund.allocated == 0
    reversal = LedgerEntry.objects.get(reverses=entry)
    assert reversal.memo == "Wrong partner"
    body = text(client.get(f"/funds/{fund.pk}/"))
    assert "Reversed on" in body and "Allocated \N{MINUS SIGN}USD\xa05,000" in body
    # A channel manager reads the ledger of their partner's fund but corrects nothing.
    cam = browser_as(world.cam_emea)
    assert cam.get(f"/funds/{fund.pk}/").status_code == 200
    assert cam.get(f"/funds/{funds['carol'].pk}/").status_code == 404
    assert cam.post(f"/funds/entries/{reversal.pk}/reverse/", {}).status_code == 404


def test_finance_sees_every_fund_and_corrects_the_ledger_but_sets_up_nothing(world, program, funds):
    finance = user_create(
        email="finance@world.example", role=Role.FINANCE_APPROVER, send_welcome=False
    )
    client = browser_as(finance)
    page = text(client.get(f"/funds/programs/{program.pk}/"))
    assert "Northwind Berlin" in page and "Tailwind" in page and "Allocate by hand" not in page
    assert "Reverse this entry" in text(client.get(f"/funds/{funds['carol'].pk}/"))
    assert client.get("/funds/programs/new/").status_code == 404
    entry = funds["carol"].entries.get()
    response = client.post(f"/funds/entries/{entry.pk}/reverse/", {f"r{entry.pk}-memo": "Typo"})
    assert response.status_code == 302 and LedgerEntry.objects.filter(reverses=entry).exists()


def test_a_programs_shared_pool_is_allocated_by_hand_too(world):
    client = browser_as(world.admin)
    client.post(
        "/funds/programs/new/",
        {
            "name": "Pooled 2031",
            "period_kind": "year",
            "starts_on": "2031-01-01",
            "ends_on": "2031-12-31",
            "currency": "USD",
            "budget": "1000",
            "shared_pool": "on",
        },
    )
    pooled = MdfProgram.objects.get(name="Pooled 2031")
    assert "Shared pool (first come, first served)" in text(
        client.get(f"/funds/programs/{pooled.pk}/")
    )
    client.post(f"/funds/programs/{pooled.pk}/allocate/", {"partner": "0", "amount": "400"})
    pool = Fund.objects.get(program=pooled, partner__isnull=True)
    assert pool.allocated == D("400")


def test_the_staff_list_of_fund_requests_filters_by_status_and_program(world, funds):
    waiting = request_of(world, funds["bob"], title="Waiting webinar")
    decided = request_of(world, funds["bob"], title="Decided roadshow")
    mdf_request_approve(actor=world.cam_emea, request=decided)
    client = browser_as(world.admin)
    program = funds["bob"].program_id
    body = text(client.get("/funds/requests/", {"status": "submitted", "program": program}))
    assert waiting.title in body and decided.title not in body
    body = text(client.get("/funds/requests/", {"status": "approved", "program": program}))
    assert decided.title in body and waiting.title not in body
    cam = text(browser_as(world.cam_emea).get("/funds/requests/", {"program": program}))
    assert waiting.title in cam
    draft = request_of(world, funds["bob"], title="Draft roadshow", submit=False)
    assert draft.title not in text(client.get("/funds/requests/", {"program": program}))
    carols = request_of(world, funds["carol"], title="Tailwind webinar")
    assert carols.title not in text(browser_as(world.cam_emea).get("/funds/requests/"))


# --- deciding: through the workflow's approval when one waits ----------------------------


@pytest.fixture
def asked(world, funds, django_capture_on_commit_callbacks):
    """Bob's request, waiting in the default fund request workflow for cam_emea."""
    defaults_install(actor=world.admin)
    partner_services.partner_update(
        actor=world.admin, partner=world.berlin, fields={"channel_manager": world.cam_emea}
    )
    with django_capture_on_commit_callbacks(execute=True):
        request = request_of(world, funds["bob"])
    approval = Approval.objects.get(run__object_type="mdfrequest", run__object_id=str(request.pk))
    assert approval.approver == world.cam_emea
    return request, approval


def test_the_approver_approves_on_the_request_page_through_the_workflow(
    world, asked, django_capture_on_commit_callbacks
):
    request, approval = asked
    client = browser_as(world.cam_emea)
    page = text(client.get(f"/funds/requests/{request.pk}/"))
    assert 'data-testid="approve-form"' in page and "The workflow asks you to decide it" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/funds/requests/{request.pk}/approve/",
            {"approve-amount": "3000.00", "approve-note": "Go"},
        )
    assert response.status_code == 302
    approval.refresh_from_db()
    assert (approval.decision, approval.comment) == ("approved", "Go")
    request.refresh_from_db()
    assert (request.status, request.approved_amount) == (S.APPROVED, D("3000"))
    assert approval.run.steps.exists()  # the engine's run decided it


def test_the_last_approver_may_approve_less_and_the_workflow_is_answered(world, asked):
    request, approval = asked
    response = browser_as(world.cam_emea).post(
        f"/funds/requests/{request.pk}/approve/",
        {"approve-amount": "1200.00", "approve-note": "Half the venue"},
    )
    assert response.status_code == 302
    request.refresh_from_db()
    assert (request.status, request.approved_amount) == (S.APPROVED, D("1200"))
    approval.refresh_from_db()
    assert approval.decision == "approved" and approval.decided_at is not None
    assert approval.run.status == RunStatus.COMPLETED
    funds = Fund.objects.get(pk=request.fund_id)
    assert funds.committed == D("1200")


def test_an_approval_above_the_request_or_the_funds_balance_is_refused_and_changes_nothing(
    world, asked
):
    request, approval = asked
    client = browser_as(world.cam_emea)
    above = client.post(f"/funds/requests/{request.pk}/approve/", {"approve-amount": "3000.01"})
    assert above.status_code == 400 and "at most the USD\xa03,000 requested" in text(above)
    big = request_of(world, Fund.objects.get(pk=request.fund_id), requested_amount=D("6000"))
    direct = client.post(f"/funds/requests/{big.pk}/approve/", {"approve-amount": "6000"})
    assert direct.status_code == 400 and "not enough" in text(direct)
    Fund.objects.filter(pk=request.fund_id).update(allocated=D("2000"))  # less than asked
    short = client.post(f"/funds/requests/{request.pk}/approve/", {"approve-amount": "3000"})
    assert short.status_code == 400 and "less than the USD\xa03,000 asked" in text(short)
    for r in (request, big):
        r.refresh_from_db()
        assert r.status == S.SUBMITTED and r.approved_amount is None
    approval.refresh_from_db()
    assert approval.decided_at is None
    assert Fund.objects.get(pk=request.fund_id).committed == 0


def test_nobody_approves_past_the_approval_the_workflow_asks_of_someone_else(world, asked):
    request, approval = asked
    client = browser_as(world.admin)
    body = text(client.get(f"/funds/requests/{request.pk}/"))
    assert 'data-testid="approve-form"' not in body and "cam.emea@world.example" in body
    for action in ("approve", "reject"):
        response = client.post(
            f"/funds/requests/{request.pk}/{action}/",
            {"approve-amount": "", "reject-note": "No"},
            follow=True,
        )
        assert "The workflow asks cam.emea@world.example to decide" in text(response)
    request.refresh_from_db()
    approval.refresh_from_db()
    assert request.status == S.SUBMITTED and approval.decided_at is None


def test_a_rejection_needs_its_note_and_answers_the_workflow(world, asked):
    request, approval = asked
    client = browser_as(world.cam_emea)
    refused = client.post(f"/funds/requests/{request.pk}/reject/", {"reject-note": ""})
    assert refused.status_code == 400 and "Tell the partner why it is rejected." in text(refused)
    request.refresh_from_db()
    assert request.status == S.SUBMITTED
    done = client.post(f"/funds/requests/{request.pk}/reject/", {"reject-note": "Not this quarter"})
    assert done.status_code == 302
    request.refresh_from_db()
    approval.refresh_from_db()
    assert (request.status, request.decision_note) == (S.REJECTED, "Not this quarter")
    assert approval.decision == "rejected" and approval.run.status == RunStatus.COMPLETED


def test_a_partners_cancellation_takes_the_request_out_of_the_approvers_inbox(world, asked):
    request, approval = asked
    browser_as(world.bob).post(f"/funds/requests/{request.pk}/cancel/", {})
    approval.refresh_from_db()
    assert approval.superseded and approval.run.status == RunStatus.COMPLETED
    inbox = text(browser_as(world.cam_emea).get("/approvals/"))
    assert f"/funds/requests/{request.pk}/" not in inbox or "Cancelled" in inbox


def test_the_approvals_inbox_links_a_waiting_request_to_its_page(world, asked):
    request, _ = asked
    inbox = text(browser_as(world.cam_emea).get("/approvals/"))
    assert f"/funds/requests/{request.pk}/" in inbox


def test_the_navigation_has_funds_for_partners_and_vendor_staff(world):
    for user in (world.bob, world.alice, world.admin, world.cam_emea):
        body = text(browser_as(user).get("/"))
        assert 'href="/funds/"' in body, user
    assert 'href="/funds/requests/"' in text(browser_as(world.cam_emea).get("/"))
