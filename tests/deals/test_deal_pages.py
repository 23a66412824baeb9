"""Issue 13, point 11 (the partner side and the deal page): new deal (find or add the
customer, product lines, eligibility problems beside their fields before submitting), my
deals (saved views, filters, CSV) and the deal page as each persona sees it."""

from __future__ import annotations

import csv
import io
from datetime import datetime, time, timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from deals import services
from deals.models import CustomerAccount, Deal, DealStatus
from deals.services import LineIn
from prm.outbox.models import Event
from tests.conftest import ACME_HOST
from tests.deals.test_deals import close_date, draft, shop, submitted
from workflows.models import Approval
from workflows.subjects import object_url

__all__ = ["shop"]  # the fixture, used by the tests below

S = DealStatus


def browser_as(user) -> Client:
    client = Client(HTTP_HOST=ACME_HOST)
    client.force_login(user)
    return client


def body(response) -> str:
    return response.content.decode()


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


def new_deal_post(shop, **over) -> dict:
    data = {
        "account": str(shop.account.pk),
        "customer_q": "",
        "name": "Firewall refresh",
        "currency": "USD",
        "expected_close_date": close_date().isoformat(),
        "description": "Two sites",
        "campaign_code": "",
        "line_product": [str(shop.fw.pk), str(shop.backup.pk)],
        "line_quantity": ["3", "2"],
        "line_price": ["950", "99.50"],
        "action": "draft",
    }
    data.update(over)
    return data


def test_the_new_deal_page_offers_the_active_products_with_their_list_prices(world, shop):
    page = body(browser_as(world.bob).get("/deals/new/"))
    assert "Register a deal" in page and 'data-testid="customer-search"' in page
    assert f'value="{shop.fw.pk}" data-price="1000.00"' in page
    assert "Firewall 100 · USD\N{NO-BREAK SPACE}1,000" in page
    assert "data-line-totals" in page and "data-no-enter-submit" in page


def test_a_partner_user_saves_a_draft_and_lands_on_its_page(world, shop):
    client = browser_as(world.bob)
    response = client.post("/deals/new/", new_deal_post(shop), follow=True)
    deal = Deal.objects.get(name="Firewall refresh", submitter=world.bob)
    assert response.redirect_chain[-1][0] == f"/deals/{deal.pk}/"
    assert (deal.status, deal.amount, deal.account) == (S.DRAFT, Decimal("3049.00"), shop.account)
    page = body(response)
    assert "is saved as a draft" in page and "Not submitted yet" in page
    assert "USD\N{NO-BREAK SPACE}3,049" in page and 'data-testid="submit"' in page


def test_adding_a_line_keeps_what_was_typed_and_prefills_the_list_price(world, shop):
    data = new_deal_post(shop, action="add_line")
    data["line_product"] = [str(shop.fw.pk)]
    data["line_quantity"] = ["4"]
    data["line_price"] = [""]
    fragment = body(browser_as(world.bob).post("/deals/new/", data, HTTP_HX_REQUEST="true"))
    assert "<html" not in fragment and fragment.count('data-testid="deal-line"') == 2
    assert 'value="1000.00"' in fragment and 'value="4"' in fragment
    assert "USD\N{NO-BREAK SPACE}4,000" in fragment
    assert Deal.objects.filter(submitter=world.bob).count() == 0


def test_bad_lines_are_shown_beside_the_lines_and_nothing_is_saved(world, shop):
    data = new_deal_post(shop, line_quantity=["0", "2"], line_price=["950", "abc"])
    page = body(browser_as(world.bob).post("/deals/new/", data))
    assert "Line 1: The quantity must be a whole number of at least 1." in page
    assert "Line 2: Give the unit price as an amount" in page
    assert 'value="abc"' in page  # nothing typed is lost
    assert not Deal.objects.filter(submitter=world.bob).exists()


def test_submit_with_a_close_date_beyond_the_horizon_shows_the_error_beside_the_field(world, shop):
    far = (timezone.localdate() + timedelta(days=400)).isoformat()
    data = new_deal_post(shop, expected_close_date=far, action="submit")
    page = body(browser_as(world.bob).post("/deals/new/", data))
    field = page.index('id="id_expected_close_date"')
    error = page.index("Register deals that close within 365 days")
    assert field < error < page.index("Campaign code")
    assert not Deal.objects.filter(submitter=world.bob).exists()


def test_the_eligibility_check_answers_before_submitting_out_of_band(world, shop):
    shop.fw.required_certification = "Certified Firewall Engineer"
    shop.fw.save()
    data = new_deal_post(shop)
    fragment = body(browser_as(world.bob).post("/deals/new/check/", data, HTTP_HX_REQUEST="true"))
    assert 'id="elig-lines" data-testid="eligibility-lines" hx-swap-oob="true"' in fragment
    assert "needs a Certified Firewall Engineer to register Firewall 100" in fragment


def test_submitting_registers_the_deal_with_its_timestamp(world, shop):
    client = browser_as(world.bob)
    response = client.post("/deals/new/", new_deal_post(shop, action="submit"), follow=True)
    deal = Deal.objects.get(submitter=world.bob)
    assert response.redirect_chain[-1][0] == f"/deals/{deal.pk}/"
    assert deal.status == S.SUBMITTED and deal.registered_at is not None
    page = body(response)
    assert "is registered (" in page and "Waiting for the channel team" in page
    assert Event.objects.filter(type="deal.submitted", object_id=str(deal.pk)).exists()


def test_the_customer_search_shows_the_standing_as_you_type(world, shop):
    client = browser_as(world.bob)
    fragment = body(
        client.get("/deals/new/customers/", {"customer_q": "Initech"}, HTTP_HX_REQUEST="true")
    )
    assert "<html" not in fragment and "Initech GmbH" in fragment
    assert "Open: no partner holds this customer." in fragment
    assert 'value="new"' in fragment and "add “Initech” as a new customer" in fragment
    assert 'data-testid="duplicate-warning"' not in fragment or "Certain match" in fragment
    services.reservation_create(actor=world.carol, account=shop.account)
    fragment = body(
        client.get(
            "/deals/new/customers/",
            {"customer_q": "Initech GmbH", "new_country": "DE"},
            HTTP_HX_REQUEST="true",
        )
    )
    assert "Another partner has reserved this customer" in fragment
    assert "Tailwind" not in fragment and 'data-testid="duplicate-warning"' in fragment


def test_a_new_customer_is_added_with_the_deal(world, shop):
    data = new_deal_post(
        shop, account="new", customer_q="Brand New Robotics", new_country="FR", new_domains=""
    )
    response = browser_as(world.bob).post("/deals/new/", data)
    assert response.status_code == 302
    deal = Deal.objects.get(submitter=world.bob)
    assert deal.account.name == "Brand New Robotics" and deal.account.country.code == "FR"


def test_a_new_customer_that_exists_for_certain_is_refused_beside_the_customer(world, shop):
    data = new_deal_post(
        shop, account="new", customer_q="Initech GmbH", new_country="DE", new_domains="initech.de"
    )
    page = body(browser_as(world.bob).post("/deals/new/", data))
    assert 'data-testid="account-error">Initech GmbH is already a customer account' in page
    assert CustomerAccount.objects.filter(name="Initech GmbH").count() == 1
    assert not Deal.objects.filter(submitter=world.bob).exists()


def test_no_customer_chosen_is_an_error_beside_the_customer(world, shop):
    page = body(browser_as(world.bob).post("/deals/new/", new_deal_post(shop, account="")))
    assert 'data-testid="account-error">Choose the customer, or add it as a new one.' in page


def _states(world, shop) -> dict[str, Deal]:
    """One of bob's deals in each view: a draft, a submitted, an approved, an approved one
    that expires soon, a rejected one."""
    other = services.account_create(actor=world.admin, name="Umbrella AG", country="DE")
    third = services.account_create(actor=world.admin, name="Stark Industries", country="US")
    fourth = services.account_create(actor=world.admin, name="Wayne Enterprises", country="US")
    deals = {
        "draft": draft(world, shop, name="Draft one"),
        "submitted": submitted(world, shop, name="Submitted one", account=other),
        "approved": submitted(world, shop, name="Approved one", account=third),
        "expiring": submitted(world, shop, name="Expiring one", account=fourth),
    }
    services.deal_approve(actor=world.admin, deal=deals["approved"], note="fine")
    services.deal_approve(actor=world.admin, deal=deals["expiring"], note="fine")
    # Noon, five calendar days on (days left are calendar days: "now + 5 days 1 hour" read
    # 6 after 23:00).
    noon = datetime.combine(timezone.localdate() + timedelta(days=5), time(12))
    Deal.objects.filter(pk=deals["expiring"].pk).update(protected_until=timezone.make_aware(noon))
    services.deal_reject(
        actor=world.admin, deal=deals["submitted"], reason_code="incomplete", note="no contact"
    )
    deals["rejected"] = deals.pop("submitted")
    return deals


@pytest.mark.parametrize(
    "view, shown",
    [
        ("open", ["Draft one"]),
        ("approved", ["Approved one", "Expiring one"]),
        ("rejected", ["Submitted one"]),
        ("expiring", ["Expiring one"]),
        ("all", ["Draft one", "Submitted one", "Approved one", "Expiring one"]),
    ],
)
def test_my_deals_saved_views_show_their_deals(world, shop, view, shown):
    _states(world, shop)
    page = body(browser_as(world.bob).get("/deals/", {"view": view}))
    everything = ["Draft one", "Submitted one", "Approved one", "Expiring one"]
    assert [n for n in everything if f">{n}</a>" in page] == shown
    if view == "expiring":
        assert 'data-testid="days-left">5 days<' in page


def test_my_deals_filter_and_export_the_same_rows(world, shop):
    _states(world, shop)
    client = browser_as(world.bob)
    page = body(client.get("/deals/", {"view": "all", "q": "umbrella"}))
    assert ">Submitted one</a>" in page and ">Draft one</a>" not in page
    fragment = body(
        client.get("/deals/", {"view": "all", "status": "draft"}, HTTP_HX_REQUEST="true")
    )
    assert (
        "<html" not in fragment and ">Draft one</a>" in fragment and "Approved one" not in fragment
    )
    export = client.get("/deals/mine.csv", {"view": "approved"})
    assert export["Content-Disposition"] == 'attachment; filename="deals.csv"'
    rows = list(csv.DictReader(io.StringIO(export.content.decode())))
    assert sorted(r["Opportunity"] for r in rows) == ["Approved one", "Expiring one"]
    assert {r["Status"] for r in rows} == {"Approved"} and rows[0]["Currency"] == "USD"


def test_my_deals_empty_state_says_what_to_do_and_the_menu_has_deals(world, shop):
    page = body(browser_as(world.bob).get("/deals/"))
    assert 'data-testid="deals-empty"' in page and 'href="/deals/new/"' in page
    assert 'href="/deals/" class="nav-link' in page and "</i>Deals\n" in page


def test_a_partner_manager_sees_the_deals_of_the_unit(world, shop):
    _states(world, shop)
    page = body(browser_as(world.alice).get("/deals/", {"view": "all"}))
    assert ">Approved one</a>" in page and ">Draft one</a>" in page
    assert "Northwind Berlin" in page  # whose deal it is, on a unit's list


def test_another_partner_and_a_stranger_get_404_on_the_deal_and_its_actions(world, shop):
    deal = submitted(world, shop)
    carol = browser_as(world.carol)
    assert carol.get(f"/deals/{deal.pk}/").status_code == 404
    assert carol.post(f"/deals/{deal.pk}/withdraw/").status_code == 404
    assert carol.get(f"/deals/{deal.pk}/edit/").status_code == 404
    assert browser_as(world.mia).get(f"/deals/{deal.pk}/").status_code == 404
    deal.refresh_from_db()
    assert deal.status == S.SUBMITTED
    assert browser_as(world.bob).get(f"/deals/{deal.pk}/").status_code == 200


def test_the_deal_page_shows_the_timeline_with_who_and_why(world, shop):
    deal = submitted(world, shop)
    services.deal_request_info(actor=world.admin, deal=deal, note="Who is the buyer?")
    page = body(browser_as(world.bob).get(f"/deals/{deal.pk}/"))
    assert "The channel team asks for more information" in page and "Who is the buyer?" in page
    timeline = page[page.index('data-testid="deal-timeline"') :]
    assert "Information requested" in timeline and "“Who is the buyer?”" in timeline
    assert "Submitted by bob@world.example" in timeline or "Submitted by" in timeline
    assert "va@world.example" not in timeline  # vendor staff by name, never by address
    assert f'href="/deals/{deal.pk}/edit/"' in page


def test_the_competitor_is_named_to_vendor_staff_and_never_to_the_partner(world, shop):
    first = submitted(world, shop)
    services.deal_approve(actor=world.admin, deal=first, note="fine")
    later = submitted(world, shop, user=world.carol, name="Tailwind firewall")
    partner_page = body(browser_as(world.carol).get(f"/deals/{later.pk}/"))
    assert 'data-testid="conflict"' in partner_page
    assert "Queued behind an earlier registration, protected until" in partner_page
    conflicts = partner_page[partner_page.index('data-testid="deal-conflicts"') :]
    assert "Northwind" not in conflicts and "Firewall refresh" not in conflicts
    assert "Northwind" not in partner_page
    vendor_page = body(browser_as(world.admin).get(f"/deals/{later.pk}/"))
    competing = vendor_page[vendor_page.index('data-testid="competing"') :]
    assert "Northwind Berlin" in competing and f'href="/deals/{first.pk}/"' in competing
    assert "3 \N{MULTIPLICATION SIGN} Firewall 100" in competing


def test_a_vendor_decider_rejects_with_a_reason_and_an_empty_question_is_refused(world, shop):
    deal = submitted(world, shop)
    client = browser_as(world.admin)
    page = body(client.post(f"/deals/{deal.pk}/request-info/", {"info-note": ""}))
    assert "Say what information the partner should add." in page
    deal.refresh_from_db()
    assert deal.status == S.SUBMITTED
    response = client.post(
        f"/deals/{deal.pk}/reject/", {"reject-reason_code": "incomplete", "reject-note": "x"}
    )
    assert response.status_code == 302
    deal.refresh_from_db()
    assert deal.status == S.REJECTED and deal.rejection_reason.code == "incomplete"
    page = body(browser_as(world.bob).get(f"/deals/{deal.pk}/"))
    assert "Rejected: Incomplete registration" in page


def test_a_vendor_decider_approves_on_the_page_and_the_partner_sees_the_protection(world, shop):
    deal = submitted(world, shop)
    response = browser_as(world.admin).post(f"/deals/{deal.pk}/approve/", {"approve-note": "ok"})
    assert response.status_code == 302
    page = body(browser_as(world.bob).get(f"/deals/{deal.pk}/"))
    assert "Protected until" in page and "90 days left" in page
    assert 'data-testid="won-form"' in page and 'data-testid="extend"' in page


def test_partner_actions_withdraw_won_and_lost(world, shop):
    client = browser_as(world.bob)
    deal = submitted(world, shop)
    assert client.post(f"/deals/{deal.pk}/withdraw/").status_code == 302
    deal.refresh_from_db()
    assert deal.status == S.WITHDRAWN
    other = services.account_create(actor=world.admin, name="Umbrella AG", country="DE")
    won = submitted(world, shop, account=other, name="Won one")
    services.deal_approve(actor=world.admin, deal=won)
    future = (timezone.localdate() + timedelta(days=3)).isoformat()
    page = body(client.post(f"/deals/{won.pk}/won/", {"won-closed_on": future}))
    assert "The close date cannot be in the future." in page
    today = timezone.localdate().isoformat()
    client.post(f"/deals/{won.pk}/won/", {"won-closed_on": today, "won-final_amount": "2500"})
    won.refresh_from_db()
    assert won.status == S.WON and won.final_amount == Decimal("2500")
    page = body(browser_as(world.admin).get(f"/deals/{won.pk}/"))
    assert 'data-testid="reopen-form"' in page


def test_a_partner_edits_a_draft_and_submits_it(world, shop):
    deal = draft(world, shop)
    client = browser_as(world.bob)
    page = body(client.get(f"/deals/{deal.pk}/edit/"))
    assert 'value="Firewall refresh"' in page and 'value="950.00"' in page
    data = new_deal_post(shop, name="Firewall refresh, both sites", action="submit")
    response = client.post(f"/deals/{deal.pk}/edit/", data)
    assert response.status_code == 302
    deal.refresh_from_db()
    assert deal.name == "Firewall refresh, both sites" and deal.status == S.SUBMITTED
    assert deal.amount == Decimal("3049.00")
    moved_on = client.get(f"/deals/{deal.pk}/edit/", follow=True)  # no longer editable
    assert moved_on.redirect_chain[-1][0] == f"/deals/{deal.pk}/"
    assert "A deal that is submitted cannot be changed." in body(moved_on)


def test_sharing_with_a_colleague_lets_them_see_the_deal(world, shop):
    deal = submitted(world, shop)
    mia = browser_as(world.mia)
    assert mia.get(f"/deals/{deal.pk}/").status_code == 404
    response = browser_as(world.bob).post(
        f"/deals/{deal.pk}/share/", {"share-colleague": world.mia.pk}
    )
    assert response.status_code == 302
    assert mia.get(f"/deals/{deal.pk}/").status_code == 200


def test_the_deal_subject_links_to_the_deal_page(world, shop):
    deal = draft(world, shop)
    assert object_url("deal", str(deal.pk)) == f"/deals/{deal.pk}/"


def test_answering_an_information_request_submits_the_deal_again(world, shop):
    deal = submitted(world, shop)
    services.deal_request_info(actor=world.admin, deal=deal, note="Which sites?")
    client = browser_as(world.bob)
    page = body(client.get(f"/deals/{deal.pk}/edit/"))
    assert 'data-testid="info-question"' in page and "Which sites?" in page
    assert "Submit again" in page
    data = new_deal_post(shop, description="Berlin and Hamburg", action="submit")
    assert client.post(f"/deals/{deal.pk}/edit/", data).status_code == 302
    deal.refresh_from_db()
    assert (deal.status, deal.description, deal.submissions) == (
        S.SUBMITTED,
        "Berlin and Hamburg",
        2,
    )


def test_an_extension_request_and_a_reopening_through_the_page(world, shop):
    deal = submitted(world, shop)
    services.deal_approve(actor=world.admin, deal=deal)
    bob = browser_as(world.bob)
    assert bob.post(f"/deals/{deal.pk}/extend/").status_code == 302
    assert Event.objects.filter(type="deal.extension_requested", object_id=str(deal.pk)).exists()
    again = bob.post(f"/deals/{deal.pk}/extend/", follow=True)
    assert "An extension has been asked for already." in body(again)
    services.deal_lost(actor=world.bob, deal=deal, reason="Price")
    admin = browser_as(world.admin)
    page = body(admin.post(f"/deals/{deal.pk}/reopen/", {"reopen-reason": ""}))
    assert "Say why the deal is reopened." in page
    assert (
        admin.post(f"/deals/{deal.pk}/reopen/", {"reopen-reason": "Customer came back"}).status_code
        == 302
    )
    deal.refresh_from_db()
    assert deal.status == S.APPROVED
    assert bob.post(f"/deals/{deal.pk}/reopen/", {"reopen-reason": "x"}).status_code == 404


def test_vendor_staff_have_no_partner_actions_and_partners_no_decisions(world, shop):
    deal = submitted(world, shop)
    vendor = body(browser_as(world.admin).get(f"/deals/{deal.pk}/"))
    assert 'data-testid="approve-form"' in vendor and 'data-testid="withdraw"' not in vendor
    partner = body(browser_as(world.bob).get(f"/deals/{deal.pk}/"))
    assert 'data-testid="approve-form"' not in partner and 'data-testid="withdraw"' in partner
    assert browser_as(world.bob).post(f"/deals/{deal.pk}/approve/").status_code == 404
    assert browser_as(world.admin).get("/deals/").status_code == 404


def test_a_reservation_offers_a_deal_on_its_customer_chosen_already(world, shop):
    services.reservation_create(actor=world.bob, account=shop.account)
    client = browser_as(world.bob)
    page = body(client.get("/reservations/"))
    link = f'href="/deals/new/?account={shop.account.pk}"'
    assert link in page
    page = body(client.get(f"/deals/new/?account={shop.account.pk}"))
    assert (
        f'name="account" value="{shop.account.pk}" id="customer-{shop.account.pk}" checked' in page
    )
    assert browser_as(world.bob).get("/deals/new/?account=999999").status_code == 404


@pytest.fixture
def routed(world, shop, django_capture_on_commit_callbacks):
    """bob's deal above the automatic-approval amount, asked of his channel manager by the
    default workflows."""
    from partners import services as partner_services
    from workflows.services import defaults_install

    defaults_install(actor=world.admin)
    partner_services.partner_update(
        actor=world.admin, partner=world.berlin, fields={"channel_manager": world.cam_emea}
    )
    with django_capture_on_commit_callbacks(execute=True):
        deal = submitted(world, shop, lines=[LineIn(shop.fw_big, 6, Decimal(9000))])
    approval = Approval.objects.get(run__object_type="deal", run__object_id=str(deal.pk))
    assert approval.approver == world.cam_emea
    return deal, approval


def test_the_waiting_partner_sees_the_sla_of_the_approval(world, routed):
    deal, _ = routed
    page = body(browser_as(world.bob).get(f"/deals/{deal.pk}/"))
    assert "Waiting for the channel team: the decision is due by" in page
    assert "(in 47 h" in page or "(in 48 h" in page


def test_approving_on_the_page_decides_the_approval_the_workflow_asked(
    world, routed, django_capture_on_commit_callbacks
):
    deal, approval = routed
    with django_capture_on_commit_callbacks(execute=True):
        response = browser_as(world.cam_emea).post(
            f"/deals/{deal.pk}/approve/", {"approve-note": "Good fit"}
        )
    assert response.status_code == 302
    deal.refresh_from_db()
    approval.refresh_from_db()
    assert deal.status == S.APPROVED and deal.decided_by == world.cam_emea
    assert approval.decision == "approved" and approval.comment == "Good fit"
    page = body(browser_as(world.bob).get(f"/deals/{deal.pk}/"))
    assert "approved it when asked for approval: “Good fit”" in page


def test_rejecting_on_the_page_keeps_the_reason_and_closes_the_approval(
    world, routed, django_capture_on_commit_callbacks
):
    deal, approval = routed
    with django_capture_on_commit_callbacks(execute=True):
        response = browser_as(world.cam_emea).post(
            f"/deals/{deal.pk}/reject/",
            {"reject-reason_code": "direct_sales", "reject-note": "Our team works it"},
        )
    assert response.status_code == 302
    deal.refresh_from_db()
    approval.refresh_from_db()
    assert deal.status == S.REJECTED and deal.rejection_reason.code == "direct_sales"
    assert approval.decision == "rejected" and approval.run.status == "completed"


def test_submitting_an_ineligible_draft_from_its_page_shows_the_problems_beside_the_fields(
    world, shop
):
    deal = draft(world, shop)
    Deal.objects.filter(pk=deal.pk).update(
        expected_close_date=timezone.localdate() - timedelta(days=1)
    )
    page = body(browser_as(world.bob).post(f"/deals/{deal.pk}/submit/"))
    field = page.index('id="id_expected_close_date"')
    assert field < page.index("The expected close date must be in the future.")
    assert "The deal is saved as a draft" not in page and 'action="/deals/' in page
    deal.refresh_from_db()
    assert deal.status == S.DRAFT


PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def test_a_partner_adds_evidence_on_the_page_and_a_wrong_file_is_refused_beside_it(world, shop):
    deal = draft(world, shop)
    client = browser_as(world.bob)
    page = body(client.get(f"/deals/{deal.pk}/"))
    assert 'data-testid="file-form"' in page and 'enctype="multipart/form-data"' in page
    text = SimpleUploadedFile("notes.txt", b"just words", content_type="text/plain")
    page = body(client.post(f"/deals/{deal.pk}/files/", {"doc-kind": "loi", "doc-upload": text}))
    assert "notes.txt is not a file we take here" in page
    assert deal.documents.count() == 0
    pdf = SimpleUploadedFile("intent.pdf", PDF, content_type="application/pdf")
    response = client.post(f"/deals/{deal.pk}/files/", {"doc-kind": "loi", "doc-upload": pdf})
    assert response.status_code == 302
    document = deal.documents.get()
    page = body(client.get(f"/deals/{deal.pk}/"))
    assert f'href="/deals/{deal.pk}/files/{document.pk}/">intent.pdf</a>' in page
    assert "Letter of intent" in page


@pytest.fixture
def contested(world, shop):
    """Northwind registered first; Tailwind's later registration (of Europe too) was
    rejected for it."""
    from partners import services as partner_services

    partner_services.partner_update(
        actor=world.admin,
        partner=world.contoso,
        fields={"channel_manager": world.cam_emea, "territory": world.emea},
    )
    first = submitted(world, shop)
    later = submitted(world, shop, user=world.carol, name="Tailwind firewall")
    services.deal_reject(actor=world.cam_emea, deal=later, reason_code="duplicate", note="Late")
    return first, later


def test_a_rejected_partner_disputes_once_and_the_competitor_adds_its_side(world, shop, contested):
    first, later = contested
    carol = browser_as(world.carol)
    page = body(carol.get(f"/deals/{later.pk}/"))
    assert 'data-testid="dispute-form"' in page
    page = body(carol.post(f"/deals/{later.pk}/dispute/", {"dispute-statement": ""}))
    assert "Explain what happened and why the decision is wrong." in page
    minutes = SimpleUploadedFile("minutes.pdf", PDF, content_type="application/pdf")
    response = carol.post(
        f"/deals/{later.pk}/dispute/",
        {"dispute-statement": "We met the customer in March.", "dispute-attachments": minutes},
    )
    assert response.status_code == 302
    page = body(carol.get(f"/deals/{later.pk}/"))
    assert 'data-testid="deal-dispute"' in page and "We met the customer in March." in page
    assert 'data-testid="dispute-form"' not in page  # once
    bob = browser_as(world.bob)
    page = body(bob.get(f"/deals/{first.pk}/"))
    assert 'data-testid="respond-form"' in page and "Tailwind" not in page
    response = bob.post(
        f"/deals/{first.pk}/dispute-response/", {"respond-statement": "Our PO is from February."}
    )
    assert response.status_code == 302
    assert "Our PO is from February." not in body(carol.get(f"/deals/{later.pk}/"))
    vendor = body(browser_as(world.admin).get(f"/deals/{later.pk}/"))
    assert "Our PO is from February." in vendor and "The side of Northwind Berlin" in vendor
    assert browser_as(world.mia).post(f"/deals/{first.pk}/dispute-response/").status_code == 404
