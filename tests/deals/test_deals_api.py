"""Issue 13, point 12: the deals API. Create (and submit in one call), change a draft, the
lifecycle's actions, the conflicts (the competing partner named to vendor staff only), the
rejection reasons, the list's filters; every bad input the API can express gets its status
and a clear message and changes nothing; out of scope is the same 404 as missing."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from deals import services
from deals.models import Deal, DealDispute, DealLine, DealPolicy, DealStatus, Product
from partners import services as partner_services
from partners.models import MembershipRole, Tier
from prm.outbox.models import Event
from prm.users.models import Role
from prm.users.services import user_create
from tests.deals import test_deals
from tests.deals.conftest import api_as, make_account
from tests.deals.test_deals import close_date, draft, submitted

S = DealStatus
shop = test_deals.shop  # the fixture: a catalogue, active partners who accepted the terms
URL = "/api/v1/deals/"


def body(shop, **changes) -> dict:
    given = {
        "account": shop.account.pk,
        "name": "Firewall refresh",
        "currency": "USD",
        "expected_close_date": close_date().isoformat(),
        "lines": [{"product": shop.fw.pk, "quantity": 3, "unit_price": "950.00"}],
        "description": "Three firewalls for the Berlin office.",
    }
    given.update(changes)
    return {k: v for k, v in given.items() if v is not None}


def post(user, url: str, data: dict | None = None):
    return api_as(user).post(url, data or {}, format="json")


def counts() -> tuple[int, int, int]:
    return Deal.objects.count(), DealLine.objects.count(), Event.objects.count()


def test_a_partner_user_creates_and_submits_a_deal_in_one_call(world, shop):
    response = post(world.bob, URL, body(shop, submit=True))
    assert response.status_code == 201, response.content
    deal = response.json()
    assert deal["status"] == "submitted" and deal["status_label"] == "Submitted"
    assert deal["amount"] == "2850.00" and deal["currency"] == "USD"
    assert deal["lines"] == [
        {
            "id": deal["lines"][0]["id"],
            "product": {"id": shop.fw.pk, "sku": "T-FW-100", "name": "Firewall 100"},
            "quantity": 3,
            "unit_price": "950.00",
            "amount": "2850.00",
        }
    ]
    assert deal["registered_at"] is not None and deal["submissions"] == 1
    assert deal["account"] == {"id": shop.account.pk, "name": "Initech GmbH"}
    assert deal["partner"] == {"id": world.berlin.pk, "name": "Northwind Berlin"}
    assert deal["submitter"] == {"id": world.bob.pk, "name": "bob@world.example"}
    assert (deal["queued"], deal["queued_until"], deal["conflict_count"]) == (False, None, 0)
    assert Event.objects.filter(type="deal.submitted", object_id=str(deal["id"])).count() == 1
    detail = api_as(world.bob).get(f"{URL}{deal['id']}/")
    assert detail.status_code == 200 and detail.json() == deal


def test_a_draft_on_a_new_customer_then_submitted_through_its_action(world, shop):
    new = {"name": "Hooli Inc.", "country": "US", "domains": ["https://www.hooli.com"]}
    response = post(world.bob, URL, body(shop, account=None, new_account=new))
    assert response.status_code == 201, response.content
    deal = response.json()
    assert deal["status"] == "draft" and deal["registered_at"] is None
    assert deal["account"]["name"] == "Hooli Inc."
    submitted_ = post(world.bob, f"{URL}{deal['id']}/submit/")
    assert submitted_.status_code == 200, submitted_.content
    assert submitted_.json()["status"] == "submitted"


def test_a_new_customer_that_exists_already_is_named_and_nothing_is_created(world, shop):
    before = counts()
    new = {"name": "Initech", "domains": ["initech.de"]}
    response = post(world.bob, URL, body(shop, account=None, new_account=new, submit=True))
    assert response.status_code == 400
    assert "Initech GmbH is already a customer account" in response.json()["fields"]["account"][0]
    assert counts() == before


def _not_eligible(shop):
    Product.objects.filter(pk=shop.fw.pk).update(min_tier=Tier.objects.get(name="Platinum"))
    return {}


def _inactive(shop):
    Product.objects.filter(pk=shop.fw.pk).update(active=False)
    return {}


def _vendor_owned(shop):
    owned = make_account(shop.admin, "Umbrella Corp", "US", vendor_owned=True)
    return {"account": owned.pk}


def _line(**changes):
    def change(shop):
        line = {"product": shop.fw.pk, "quantity": 3, "unit_price": "950.00", **changes}
        return {"lines": [line]}

    return change


BAD = {
    "zero quantity": (
        _line(quantity=0),
        400,
        "lines",
        "Line 1: the quantity must be a whole number of at least 1.",
    ),
    "negative quantity": (
        _line(quantity=-2),
        400,
        "lines",
        "Line 1: the quantity must be a whole number of at least 1.",
    ),
    "a quantity that is no number": (
        _line(quantity="three"),
        400,
        "lines",
        "Line 1: the quantity: A valid integer is required.",
    ),
    "a negative price": (
        _line(unit_price="-1.00"),
        400,
        "lines",
        "Line 1: the unit price cannot be negative.",
    ),
    "a price too large to record": (
        _line(quantity=2_000_000, unit_price="999999999.00"),
        400,
        "lines",
        "Line 1: 2000000 times 999999999.00 is more than the portal can record.",
    ),
    "no lines": (lambda shop: {"lines": []}, 400, "lines", "Add at least one product."),
    "an unknown product": (_line(product=987654321), 404, None, "Not found."),
    "an inactive product": (_inactive, 400, "lines", "Line 1: Firewall 100 is no longer sold."),
    "a product the partner is not eligible for": (
        _not_eligible,
        400,
        "lines",
        "Northwind Berlin must be Platinum or above to register Firewall 100 (it is Gold).",
    ),
    "a currency that is not the products'": (
        lambda shop: {"currency": "EUR"},
        400,
        "currency",
        "Firewall 100 is priced in USD: register the deal in USD.",
    ),
    "an unknown currency": (
        lambda shop: {"currency": "XYZ"},
        400,
        "currency",
        "Give a currency code such as USD or EUR.",
    ),
    "a close date in the past": (
        lambda shop: {"expected_close_date": close_date(-1).isoformat()},
        400,
        "expected_close_date",
        "The expected close date must be in the future.",
    ),
    "a vendor-owned customer": (
        _vendor_owned,
        409,
        None,
        "Umbrella Corp cannot be registered: the vendor sells to Umbrella Corp directly.",
    ),
    "an unknown customer": (lambda shop: {"account": 987654321}, 404, None, "Not found."),
    "no customer": (
        lambda shop: {"account": None},
        400,
        "account",
        "Choose the customer, or give the new customer's name.",
    ),
}


@pytest.mark.parametrize("case", BAD.keys())
def test_bad_input_gets_its_status_and_a_clear_message_and_creates_nothing(world, shop, case):
    change, status, field, message = BAD[case]
    shop.admin = world.admin
    data = body(shop, submit=True)
    data.update(change(shop))
    data = {k: v for k, v in data.items() if v is not None}
    before = counts()
    response = post(world.bob, URL, data)
    assert response.status_code == status, response.content
    answer = response.json()
    if field is None:
        assert answer["detail"] == message
    else:
        assert answer["code"] == "invalid"
        assert message in answer["fields"][field], answer
    assert counts() == before


def test_vendor_staff_do_not_register_deals(world, shop):
    before = counts()
    response = post(world.admin, URL, body(shop))
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert counts() == before


def test_submitting_twice_approving_a_draft_and_editing_an_approved_deal_are_409(world, shop):
    deal = submitted(world, shop)
    again = post(world.bob, f"{URL}{deal.pk}/submit/")
    assert again.status_code == 409 and again.json()["code"] == "illegal_transition"
    assert Event.objects.filter(type="deal.submitted", object_id=str(deal.pk)).count() == 1
    other = draft(world, shop, user=world.mia, name="Backup", lines=None)
    approved = post(world.cam_emea, f"{URL}{other.pk}/approve/", {"note": "ok"})
    assert approved.status_code == 409 and approved.json()["code"] == "illegal_transition"
    other.refresh_from_db()
    assert other.status == S.DRAFT and other.decided_at is None
    services.deal_approve(actor=world.cam_emea, deal=deal)
    edited = api_as(world.bob).patch(f"{URL}{deal.pk}/", {"name": "Changed"}, format="json")
    assert edited.status_code == 409 and edited.json()["code"] == "illegal_transition"
    assert "approved cannot be changed" in edited.json()["detail"]
    deal.refresh_from_db()
    assert (deal.status, deal.name) == (S.APPROVED, "Firewall refresh")


def test_a_draft_is_changed_with_new_lines_and_its_amount_follows(world, shop):
    deal = draft(world, shop)
    response = api_as(world.bob).patch(
        f"{URL}{deal.pk}/",
        {
            "name": "Firewall and backup",
            "lines": [
                {"product": shop.fw.pk, "quantity": 1, "unit_price": "1000.00"},
                {"product": shop.backup.pk, "quantity": 2, "unit_price": "99.99"},
            ],
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["amount"] == "1199.98"
    assert response.json()["name"] == "Firewall and backup"
    bad = api_as(world.bob).patch(
        f"{URL}{deal.pk}/",
        {"lines": [{"product": shop.fw.pk, "quantity": 0, "unit_price": "1"}]},
        format="json",
    )
    assert bad.status_code == 400
    deal.refresh_from_db()
    assert deal.amount == Decimal("1199.98") and deal.lines.count() == 2


def test_the_whole_lifecycle_through_the_actions(world, shop):
    deal = submitted(world, shop)
    url = f"{URL}{deal.pk}/"
    empty = post(world.cam_emea, f"{url}request-info/", {"note": " "})
    assert empty.status_code == 400 and "note" in empty.json()["fields"]
    asked = post(world.cam_emea, f"{url}request-info/", {"note": "Which data centre?"})
    assert asked.status_code == 200, asked.content
    assert asked.json()["status_label"] == "Information requested"
    assert asked.json()["decision_note"] == "Which data centre?"
    patched = api_as(world.bob).patch(url, {"description": "Frankfurt"}, format="json")
    assert patched.status_code == 200, patched.content
    assert post(world.bob, f"{url}submit/").json()["status"] == "submitted"
    assert post(world.bob, f"{url}approve/").status_code == 403  # partners do not decide
    approved = post(world.cam_emea, f"{url}approve/", {"note": "Clean"})
    assert approved.status_code == 200, approved.content
    assert approved.json()["status"] == "approved"
    assert approved.json()["protected_until"] is not None
    assert approved.json()["protection_days_left"] in (89, 90)
    extended = post(world.bob, f"{url}extend/")
    assert extended.status_code == 200, extended.content
    pending = post(world.bob, f"{url}extend/")
    assert pending.status_code == 409 and pending.json()["code"] == "extension_pending"
    future = post(world.bob, f"{url}won/", {"closed_on": close_date(3).isoformat()})
    assert future.status_code == 400 and "closed_on" in future.json()["fields"]
    won = post(
        world.bob,
        f"{url}won/",
        {"closed_on": timezone.localdate().isoformat(), "final_amount": "2700.00"},
    )
    assert won.status_code == 200, won.content
    assert (won.json()["status"], won.json()["final_amount"]) == ("won", "2700.00")
    assert won.json()["protection_days_left"] is None
    assert post(world.bob, f"{url}reopen/", {"reason": "oops"}).status_code == 403
    reopened = post(world.admin, f"{url}reopen/", {"reason": "Booked by mistake"})
    assert reopened.status_code == 200 and reopened.json()["status"] == "approved"
    no_reason = post(world.bob, f"{url}lost/", {"reason": ""})
    assert no_reason.status_code == 400 and "reason" in no_reason.json()["fields"]
    lost = post(world.bob, f"{url}lost/", {"reason": "Budget cut"})
    assert lost.status_code == 200 and lost.json()["lost_reason"] == "Budget cut"


def test_a_rejection_takes_a_code_of_the_tenants_reasons(world, shop):
    reasons = api_as(world.bob).get("/api/v1/rejection-reasons/")
    assert reasons.status_code == 200
    codes = [r["code"] for r in reasons.json()]
    assert {"duplicate", "incomplete", "other"} <= set(codes)
    deal = submitted(world, shop)
    unknown = post(world.cam_emea, f"{URL}{deal.pk}/reject/", {"reason_code": "because"})
    assert unknown.status_code == 400
    assert unknown.json()["fields"]["reason_code"][0].startswith("Choose one of the reasons:")
    deal.refresh_from_db()
    assert deal.status == S.SUBMITTED
    rejected = post(
        world.cam_emea, f"{URL}{deal.pk}/reject/", {"reason_code": "incomplete", "note": "No PO"}
    )
    assert rejected.status_code == 200, rejected.content
    assert rejected.json()["rejection_reason"] == {
        "code": "incomplete",
        "label": "Incomplete registration",
    }
    assert rejected.json()["decision_note"] == "No PO"


def test_a_shared_deal_and_a_withdrawn_one(world, shop):
    deal = submitted(world, shop)
    assert api_as(world.mia).get(f"{URL}{deal.pk}/").status_code == 404
    to_carol = post(world.bob, f"{URL}{deal.pk}/share/", {"user": world.carol.pk})
    assert to_carol.status_code == 404  # another partner's user: no such colleague
    shared = post(world.bob, f"{URL}{deal.pk}/share/", {"user": world.mia.pk})
    assert shared.status_code == 200, shared.content
    assert api_as(world.mia).get(f"{URL}{deal.pk}/").status_code == 200
    withdrawn = post(world.bob, f"{URL}{deal.pk}/withdraw/")
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"


def test_a_draft_is_withdrawn(world, shop):
    """The lifecycle allows draft -> withdrawn; the database's constraint
    ``deal_registered_once_submitted`` (a withdrawn deal must have been registered) refuses
    it today: a 500 until the model or the service is mended."""
    deal = draft(world, shop)
    withdrawn = post(world.bob, f"{URL}{deal.pk}/withdraw/")
    assert withdrawn.status_code == 200, withdrawn.content
    assert withdrawn.json()["status"] == "withdrawn"


def test_a_partner_never_sees_another_partners_deal_nor_names_it(world, shop):
    deal = submitted(world, shop)
    carol = api_as(world.carol)
    assert carol.get(f"{URL}{deal.pk}/").status_code == 404
    assert carol.get(f"{URL}{deal.pk}/conflicts/").status_code == 404
    assert deal.pk not in {r["id"] for r in carol.get(URL).json()["results"]}
    before = counts()
    for action, data in [
        ("submit", {}),
        ("withdraw", {}),
        ("won", {"closed_on": timezone.localdate().isoformat()}),
        ("lost", {"reason": "x"}),
        ("extend", {}),
        ("share", {"user": world.carol.pk}),
    ]:
        response = post(world.carol, f"{URL}{deal.pk}/{action}/", data)
        assert response.status_code == 404, (action, response.content)
    patched = carol.patch(f"{URL}{deal.pk}/", {"name": "Mine"}, format="json")
    assert patched.status_code == 404
    # cam_us (The Americas) does not see Northwind's deals either.
    assert post(world.cam_us, f"{URL}{deal.pk}/approve/").status_code == 404
    assert counts() == before


def test_partner_managers_see_their_units_deals_and_channel_managers_their_territorys(world, shop):
    bobs = submitted(world, shop)
    mias = draft(world, shop, user=world.mia, name="Munich's")
    carols = draft(world, shop, user=world.carol, name="Tailwind's")

    def ids(user) -> set[int]:
        return {r["id"] for r in api_as(user).get(URL, {"page_size": 200}).json()["results"]}

    manager = user_create(email="pm@world.example", role=Role.PARTNER_MANAGER, send_welcome=False)
    partner_services.partner_membership_set(
        actor=world.admin, partner=world.northwind, user=manager, role=MembershipRole.MANAGER
    )
    mine = {bobs.pk, mias.pk, carols.pk}
    assert ids(manager) & mine == {bobs.pk, mias.pk}  # Northwind's manager: its units'
    assert ids(world.alice) & mine == {bobs.pk, mias.pk}
    assert ids(world.cam_emea) & mine == {bobs.pk, mias.pk}
    assert ids(world.cam_us) & mine == {carols.pk}
    assert ids(world.bob) & mine == {bobs.pk}
    assert ids(world.admin) & mine == mine


def test_the_competing_partner_is_named_to_vendor_staff_only(world, shop):
    first = submitted(world, shop)
    services.deal_approve(actor=world.cam_emea, deal=first)
    first.refresh_from_db()
    response = post(world.carol, URL, body(shop, submit=True))
    assert response.status_code == 201, response.content
    deal = response.json()
    assert deal["queued"] is True and deal["conflict_count"] == 1
    queued_until = deal["queued_until"].replace("Z", "+00:00")
    assert queued_until == first.protected_until.isoformat()
    conflicts = api_as(world.carol).get(f"{URL}{deal['id']}/conflicts/")
    assert conflicts.status_code == 200
    [conflict] = conflicts.json()
    assert conflict["code"] == "same_account_overlapping_products"
    assert conflict["code_label"] == "Same customer, overlapping products"
    assert conflict["score"] == 1.0 and conflict["warning"] is False
    assert conflict["reasons"][0] == "the same customer account"
    assert conflict["competing_deal"] == first.pk
    assert conflict["competing_partner"] is None
    for text in (response.content, conflicts.content):
        assert b"Northwind" not in text
    for vendor in (world.admin, world.cam_us):
        seen = api_as(vendor).get(f"{URL}{deal['id']}/conflicts/").json()
        assert seen[0]["competing_partner"] == {"id": world.berlin.pk, "name": "Northwind Berlin"}


def test_the_list_filters_by_status_partner_account_product_line_and_dates(world, shop):
    bobs = submitted(world, shop)
    other_account = make_account(world.admin, "Hooli Inc.", "US", ["hooli.com"])
    mias = draft(
        world,
        shop,
        user=world.mia,
        account=other_account,
        lines=[services.LineIn(shop.backup, 2, Decimal(50))],
        expected_close_date=close_date(200),
    )
    admin = api_as(world.admin)

    def ids(**query) -> set[int]:
        response = admin.get(URL, {**query, "page_size": 200})
        assert response.status_code == 200, response.content
        return {r["id"] for r in response.json()["results"]} & {bobs.pk, mias.pk}

    today = timezone.localdate()
    assert ids(status="submitted") == {bobs.pk}
    assert ids(status=["draft", "submitted"]) == {bobs.pk, mias.pk}
    assert ids(partner=world.northwind.pk) == {bobs.pk, mias.pk}  # the partner and its units
    assert ids(partner=world.munich.pk) == {mias.pk}
    assert ids(partner=world.contoso.pk) == set()
    assert ids(account=other_account.pk) == {mias.pk}
    assert ids(product_line=shop.backup.line_id) == {mias.pk}
    assert ids(registered_after=today.isoformat()) == {bobs.pk}
    assert ids(registered_before=(today - timedelta(days=1)).isoformat()) == set()
    assert ids(close_after=close_date(100).isoformat()) == {mias.pk}
    assert ids(close_before=close_date(100).isoformat()) == {bobs.pk}
    assert ids(q="hooli") == {mias.pk}
    assert ids(partner="abc") == set()
    assert admin.get(URL, {"q": "\x00"}).status_code == 400
    bad = admin.get(URL, {"status": "nonsense"})
    assert bad.status_code == 400 and "status" in bad.json()["fields"]
    bad_date = admin.get(URL, {"registered_after": "yesterday"})
    assert bad_date.status_code == 400


def test_amounts_are_decimal_strings_never_floats(world, shop):
    deal = draft(world, shop, lines=[services.LineIn(shop.fw, 3, Decimal("0.10"))])
    raw = api_as(world.bob).get(f"{URL}{deal.pk}/").content
    assert json.loads(raw)["amount"] == "0.30"
    assert b'"unit_price":"0.10"' in raw.replace(b" ", b"")


def test_the_policy_minimum_is_a_field_error_on_create_and_submit(world, shop):
    DealPolicy.objects.update_or_create(singleton=True, defaults={"min_amount": Decimal(10000)})
    before = counts()
    response = post(world.bob, URL, body(shop, submit=True))
    assert response.status_code == 400
    assert response.json()["fields"]["lines"] == [
        "The smallest deal the program registers is USD\xa010,000; this one is USD\xa02,850."
    ]
    assert counts() == before


def test_a_rejection_for_a_conflict_is_disputed_once_through_the_api(world, shop):
    first = submitted(world, shop)
    later = submitted(world, shop, user=world.carol, name="Tailwind firewall")
    services.deal_reject(actor=world.admin, deal=later, reason_code="duplicate", note="Late")
    url = f"{URL}{later.pk}/dispute/"
    assert post(world.bob, url, {"statement": "Mine"}).status_code == 404  # not Northwind's
    empty = post(world.carol, url, {"statement": " "})
    assert empty.status_code == 400 and "statement" in empty.json()["fields"]
    disputed = post(world.carol, url, {"statement": "We met the customer in March."})
    assert disputed.status_code == 200, disputed.content
    assert disputed.json()["status"] == "rejected"
    assert disputed.json()["dispute"]["status"] == "open"
    assert disputed.json()["dispute"]["statement"] == "We met the customer in March."
    again = post(world.carol, url, {"statement": "Again"})
    assert again.status_code == 409 and again.json()["code"] == "already_disputed"
    assert DealDispute.objects.filter(deal=later).count() == 1
    # Northwind's approved-or-pending deal has nothing to dispute.
    not_rejected = post(world.bob, f"{URL}{first.pk}/dispute/", {"statement": "Why not"})
    assert not_rejected.status_code == 409 and not_rejected.json()["code"] == "illegal_transition"
    assert api_as(world.bob).get(f"{URL}{first.pk}/").json()["dispute"] is None


def test_the_list_reads_a_fixed_number_of_queries_whatever_its_length(world, shop):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert api_as(world.admin).get(URL, {"page_size": 200}).status_code == 200
        return len(captured)

    draft(world, shop)
    queries()  # the tenant's domain is looked up once and cached
    few = queries()
    for n in range(5):
        draft(world, shop, user=world.mia, name=f"Munich {n}")
    assert queries() == few
