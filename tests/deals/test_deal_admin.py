"""Issue 13, the vendor side of deal registration: the deal list with its saved views,
filters, CSV and anti-hoarding figure (point 11), the approvals inbox's conflict facts, the
deal policy page with its back-test (point 6) and the rejection reasons (point 8)."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from deals import services
from deals.backtest import backtest
from deals.models import (
    ConflictCode,
    Deal,
    DealPolicy,
    DealStatus,
    ProductOverlap,
    RejectionReason,
    ReservationPolicy,
)
from deals.services import LineIn
from prm.errors import Conflict, Forbidden, Invalid
from tests.conftest import ACME_HOST
from tests.deals.conftest import make_account
from tests.deals.test_deals import draft, shop, submitted
from workflows.models import Approval, Workflow, WorkflowRun, WorkflowVersion

__all__ = ["shop"]  # the fixture, imported for the tests of this module

S = DealStatus
LIST = "/deal-registrations/"


def browser_as(user) -> Client:
    client = Client(HTTP_HOST=ACME_HOST)
    client.force_login(user)
    return client


def names(response) -> list[str]:
    return [d.name for d in response.context["deals"]]


def ask(deal: Deal, approver, *, asked_ago: int = 1, due_in: int | None = 48, **kw) -> Approval:
    """An approval of ``deal`` asked of ``approver`` ``asked_ago`` hours ago, due
    ``due_in`` hours from now (negative: overdue)."""
    workflow, _ = Workflow.objects.get_or_create(
        name="Test deal approvals", trigger="deal.submitted"
    )
    version = workflow.versions.first() or WorkflowVersion.objects.create(
        workflow=workflow, number=1, definition={"actions": []}
    )
    run = WorkflowRun.objects.create(
        workflow=workflow, version=version, object_type="deal", object_id=str(deal.pk)
    )
    now = timezone.now()
    return Approval.objects.create(
        run=run,
        step=0,
        approver=approver,
        summary=f"Approve {deal.name}?",
        requested_at=now - timedelta(hours=asked_ago),
        due_at=now + timedelta(hours=due_in) if due_in is not None else None,
        **kw,
    )


@pytest.fixture
def deals(world, shop):
    """Northwind's registrations (Berlin: bob, Munich: mia), in cam_emea's territory: an
    early one, a later competing one (a conflict), one on another customer, a draft."""
    d = type("Deals", (), {})()
    d.first = submitted(world, shop, name="Initech firewalls")
    d.competing = submitted(world, shop, user=world.mia, name="Initech firewalls, Munich")
    vandelay = make_account(world.admin, "Vandelay Industries", "US", region="West")
    d.backup = submitted(
        world,
        shop,
        user=world.mia,
        account=vandelay,
        name="Vandelay backup",
        lines=[LineIn(shop.backup, 10, Decimal(90))],
        expected_close_date=timezone.localdate() + timedelta(days=200),
    )
    d.draft = draft(world, shop, name="Initech draft")
    return d


def test_the_deal_list_shows_the_territorys_deals_newest_registration_first(world, deals):
    page = browser_as(world.cam_emea).get(LIST)
    assert page.status_code == 200
    ours = [n for n in names(page) if n.startswith(("Initech", "Vandelay"))]
    assert ours == [
        "Vandelay backup",
        "Initech firewalls, Munich",
        "Initech firewalls",
        "Initech draft",
    ]
    assert f'href="/deals/{deals.first.pk}/"' in page.content.decode()


def test_a_channel_manager_of_another_territory_sees_none_of_the_deals(world, deals):
    page = browser_as(world.cam_us).get(LIST)
    assert page.status_code == 200
    ours = {deals.first.pk, deals.competing.pk, deals.backup.pk, deals.draft.pk}
    assert not ours & {d.pk for d in page.context["deals"]}
    exported = browser_as(world.cam_us).get(LIST + "export.csv").content.decode()
    assert "Initech firewalls" not in exported


def test_partner_users_have_no_vendor_deal_list(world, deals):
    assert browser_as(world.bob).get(LIST).status_code == 404
    assert browser_as(world.bob).get(LIST + "export.csv").status_code == 404


def test_waiting_for_me_lists_my_undecided_approvals_oldest_first(world, deals):
    ask(deals.backup, world.cam_emea, asked_ago=2)
    ask(deals.competing, world.cam_emea, asked_ago=30)
    ask(deals.first, world.admin, asked_ago=50)  # asked of someone else
    decided = ask(deals.draft, world.cam_emea, asked_ago=60)
    Approval.objects.filter(pk=decided.pk).update(decided_at=timezone.now(), decision="approved")
    page = browser_as(world.cam_emea).get(LIST, {"view": "waiting"})
    assert names(page) == ["Initech firewalls, Munich", "Vandelay backup"]
    tab = next(t for t in page.context["tabs"] if t["key"] == "waiting")
    assert tab["active"] and tab["count"] == 2


def test_sla_breached_lists_undecided_approvals_past_their_due_time(world, deals):
    ask(deals.backup, world.cam_emea, due_in=-1)
    ask(deals.competing, world.admin, due_in=-20)
    ask(deals.first, world.cam_emea, due_in=5)  # not due yet
    superseded = ask(deals.draft, world.cam_emea, due_in=-40)
    Approval.objects.filter(pk=superseded.pk).update(superseded=True)
    page = browser_as(world.cam_emea).get(LIST, {"view": "sla"})
    assert names(page) == ["Initech firewalls, Munich", "Vandelay backup"]


def test_the_conflicts_view_lists_undecided_deals_with_a_conflict(world, deals):
    assert deals.competing.conflict_count == 1
    page = browser_as(world.cam_emea).get(LIST, {"view": "conflicts"})
    assert [d.pk for d in page.context["deals"] if d.name.startswith("Initech")] == [
        deals.competing.pk
    ]
    services.deal_reject(actor=world.cam_emea, deal=deals.competing, reason_code="duplicate")
    page = browser_as(world.cam_emea).get(LIST, {"view": "conflicts"})
    assert deals.competing.pk not in {d.pk for d in page.context["deals"]}


def test_expiring_lists_approved_deals_whose_protection_ends_within_14_days(world, deals):
    now = timezone.now()
    for deal in (deals.first, deals.backup):
        services.deal_approve(actor=world.cam_emea, deal=deal)
    Deal.objects.filter(pk=deals.first.pk).update(protected_until=now + timedelta(days=5))
    Deal.objects.filter(pk=deals.backup.pk).update(protected_until=now + timedelta(days=30))
    page = browser_as(world.cam_emea).get(LIST, {"view": "expiring"})
    ours = [d.pk for d in page.context["deals"] if d.pk in (deals.first.pk, deals.backup.pk)]
    assert ours == [deals.first.pk]


def test_an_empty_saved_view_says_what_appears_there(world, deals):
    page = browser_as(world.cam_us).get(LIST, {"view": "waiting"})
    assert "Nothing waits for your decision." in page.content.decode()


def test_the_filters_narrow_the_list(world, shop, deals):
    client = browser_as(world.cam_emea)

    def ours(**query) -> set[str]:
        page = client.get(LIST, query)
        assert page.status_code == 200
        return {n for n in names(page) if n.startswith(("Initech", "Vandelay"))}

    assert ours(status="draft") == {"Initech draft"}
    assert ours(partner=world.munich.pk) == {"Initech firewalls, Munich", "Vandelay backup"}
    assert ours(product_line=shop.backup.line_id) == {"Vandelay backup"}
    assert ours(region="region:West") == {"Vandelay backup"}
    assert ours(region="country:DE") == {
        "Initech firewalls",
        "Initech firewalls, Munich",
        "Initech draft",
    }
    today = timezone.localdate()
    later = today + timedelta(days=100)
    assert ours(close_from=later.isoformat()) == {"Vandelay backup"}
    assert ours(close_to=later.isoformat()) == {
        "Initech firewalls",
        "Initech firewalls, Munich",
        "Initech draft",
    }
    yesterday = (today - timedelta(days=1)).isoformat()
    assert ours(registered_to=yesterday) == set()  # the draft is not registered either
    assert ours(registered_from=today.isoformat(), partner=world.berlin.pk) == {"Initech firewalls"}


def test_a_bad_filter_value_is_shown_beside_its_filter_and_filters_nothing(world, deals):
    query = {"close_from": "yesterday", "status": "draft", "registered_to": "13/13/2026"}
    page = browser_as(world.cam_emea).get(LIST, query)
    assert page.status_code == 200
    form = page.context["form"]
    assert "close_from" in form.errors and "registered_to" in form.errors
    assert "Initech draft" in names(page)
    assert 'value="yesterday"' in page.content.decode()  # kept, to correct it


def test_a_date_range_that_ends_before_it_starts_is_refused_beside_its_end(world, deals):
    query = {"close_from": "2026-05-01", "close_to": "2026-01-01"}
    page = browser_as(world.cam_emea).get(LIST, query)
    assert page.context["form"].errors["close_to"] == ["Choose a date after the first one."]


def test_the_csv_holds_the_filtered_view(world, deals):
    response = browser_as(world.cam_emea).get(LIST + "export.csv", {"partner": world.munich.pk})
    assert response["Content-Type"] == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert {r["Opportunity"] for r in rows} == {"Initech firewalls, Munich", "Vandelay backup"}
    row = next(r for r in rows if r["Opportunity"] == "Vandelay backup")
    assert row["Partner"] == "Northwind Munich"
    assert row["Amount"] == "900.00" and row["Currency"] == "USD"
    assert row["Status"] == "Submitted" and row["Region"] == "West"
    conflicted = next(r for r in rows if r["Opportunity"] == "Initech firewalls, Munich")
    assert conflicted["Conflicts"] == "1" and conflicted["Highest conflict score"] == "1.00"
    waiting = browser_as(world.cam_emea).get(LIST + "export.csv", {"view": "conflicts"})
    names_in_csv = {r["Opportunity"] for r in csv.DictReader(io.StringIO(waiting.content.decode()))}
    assert "Vandelay backup" not in names_in_csv and "Initech firewalls, Munich" in names_in_csv


def test_registrations_that_expired_without_progress_are_counted_per_partner(world, deals):
    for deal in (deals.first, deals.backup):
        services.deal_approve(actor=world.cam_emea, deal=deal)
    past = timezone.now() - timedelta(days=1)
    Deal.objects.filter(pk=deals.backup.pk).update(status=S.EXPIRED, protected_until=past)
    page = browser_as(world.cam_emea).get(LIST)
    figures = {h.partner: (h.expired, h.approved, h.share) for h in page.context["hoarding"]}
    assert figures["Northwind Munich"] == (1, 1, 100)
    assert "Northwind Berlin" not in figures  # approved, still protected


def test_the_nav_shows_deals_to_vendor_staff_only(world):
    assert 'href="/deal-registrations/"' in browser_as(world.cam_emea).get("/").content.decode()
    assert 'href="/deal-registrations/"' not in browser_as(world.bob).get("/").content.decode()


def test_the_approvals_inbox_shows_a_deals_conflicts_and_their_reasons(world, deals):
    ask(deals.competing, world.cam_emea)
    ask(deals.backup, world.cam_emea)
    page = browser_as(world.cam_emea).get("/approvals/").content.decode()
    assert "1 conflict, highest score 1.00" in page
    assert ConflictCode.SAME_ACCOUNT.label in page
    assert "No conflict found when it was submitted." in page


# The back-test (point 6).


@pytest.fixture
def twins(world, shop):
    """Bob registers Initech Systems; later Mia registers Initech GmbH, a possible duplicate
    with the same product line, and Carol the same customer with other products."""
    twin = make_account(world.admin, "Initech Systems", "DE")
    t = type("Twins", (), {})()
    t.first = submitted(world, shop, account=twin, name="Systems firewalls")
    t.later = submitted(world, shop, user=world.mia, name="GmbH firewalls")
    t.other = submitted(
        world,
        shop,
        user=world.carol,
        name="GmbH backup",
        lines=[LineIn(shop.backup, 1, Decimal(1))],
    )
    t.ours = Deal.objects.filter(pk__in=[t.first.pk, t.later.pk, t.other.pk])
    return t


def proposed(**fields):
    return services.deal_policy_proposed(fields=fields)


def test_stricter_name_thresholds_flag_fewer_past_registrations(world, twins):
    assert twins.later.conflict_codes == [ConflictCode.POSSIBLE_DUPLICATE]
    policy, matching = proposed(name_similarity=0.99, core_similarity=0.99, possible_min_score=0.99)
    result = backtest(policy=policy, matching=matching, among=twins.ours)
    assert result.checked == 3
    # The earliest registration is not flagged by the later ones: only those active then count.
    assert (result.flagged_now, result.flagged_then, result.difference) == (1, 0, -1)
    assert [c.deal for c in result.no_longer_flagged] == [twins.later]
    assert (
        "Possibly the same customer (Initech Systems, Northwind Berlin"
        in (result.no_longer_flagged[0].conflicts[0])
    )
    assert not result.newly_flagged
    # Nothing is saved.
    assert ReservationPolicy.current().name_similarity == ReservationPolicy().name_similarity


def test_a_wider_product_rule_flags_more_past_registrations(world, twins):
    policy, matching = proposed(product_overlap=ProductOverlap.ANY)
    wider = backtest(policy=policy, matching=matching, among=twins.ours)
    assert (wider.flagged_now, wider.flagged_then, wider.difference) == (1, 2, 1)
    assert [c.deal for c in wider.newly_flagged] == [twins.other]
    assert wider.newly_flagged[0].conflicts[0].startswith(ConflictCode.SAME_ACCOUNT.label)


def test_a_narrower_product_rule_flags_fewer_past_registrations(world, shop):
    submitted(world, shop, name="Small firewalls")
    bigger = submitted(
        world, shop, user=world.mia, name="Big firewall", lines=[LineIn(shop.fw_big, 1, Decimal(1))]
    )
    assert bigger.conflict_count == 1  # the same product line
    policy, matching = proposed(product_overlap=ProductOverlap.PRODUCT)
    among = Deal.objects.filter(name__in=["Small firewalls", "Big firewall"])
    narrower = backtest(policy=policy, matching=matching, among=among)
    assert (narrower.flagged_now, narrower.flagged_then) == (1, 0)
    assert [c.deal for c in narrower.no_longer_flagged] == [bigger]


def test_the_back_test_checks_the_latest_registrations_within_its_cap(world, twins):
    policy, matching = proposed()
    capped = backtest(policy=policy, matching=matching, among=twins.ours, limit=1)
    assert (capped.checked, capped.more, capped.out_of_time) == (1, True, False)
    assert capped.flagged_now == 0  # the newest: Carol's, a warning only
    hurried = backtest(policy=policy, matching=matching, among=twins.ours, budget=-1)
    assert (hurried.checked, hurried.more, hurried.out_of_time) == (0, True, True)


def test_the_back_test_counts_the_registrations_active_at_the_time(world, shop):
    """A registration that was withdrawn before a later one was registered no longer
    competes with it; one that was still undecided then does, whatever it is now."""
    early = submitted(world, shop, name="Early")
    services.deal_withdraw(actor=world.bob, deal=early)
    later = submitted(world, shop, user=world.mia, name="Later")
    assert later.conflict_count == 0
    policy, matching = proposed()
    result = backtest(policy=policy, matching=matching, among=Deal.objects.filter(pk=later.pk))
    assert (result.flagged_now, result.flagged_then) == (0, 0)


def test_the_policy_page_tries_settings_without_saving_them(world, twins):
    client = browser_as(world.admin)
    page = client.get("/settings/deals/")
    assert page.status_code == 200
    form = dict(page.context["form"].initial)
    form["reminder_days"] = "14, 3"
    form.update(name_similarity=0.99, core_similarity=0.99, possible_min_score=0.99)
    form["evidence_above"] = ""
    tried = client.post("/settings/deals/", {**form, "action": "try"})
    assert tried.status_code == 200
    result = tried.context["result"]
    assert result.flagged_then < result.flagged_now
    assert twins.later in [c.deal for c in result.no_longer_flagged]
    body = tried.content.decode()
    assert "fewer" in body and "GmbH firewalls" in body
    assert ReservationPolicy.current().name_similarity != 0.99


def test_saving_the_policy_changes_both_policies_with_an_audit_row(world):
    client = browser_as(world.admin)
    form = dict(client.get("/settings/deals/").context["form"].initial)
    form.update(
        reminder_days="21, 7",
        protection_days=120,
        name_similarity=0.5,
        product_overlap="product",
        evidence_above="100000",
        action="save",
    )
    saved = client.post("/settings/deals/", form)
    assert saved.status_code == 302
    policy, tree = DealPolicy.current(), ReservationPolicy.current()
    assert (policy.protection_days, policy.reminder_days, policy.product_overlap) == (
        120,
        [21, 7],
        "product",
    )
    assert policy.evidence_above == Decimal(100000) and tree.name_similarity == 0.5
    assert policy.history.latest().history_user == world.admin
    assert tree.history.latest().history_user == world.admin


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("name_similarity", "0.2", "Choose a similarity between 0.3 and 1."),
        ("protection_days", "0", "Choose between 1 and 3650 days."),
        ("sla_hours", "0", "Choose between 1 and 8760 hours."),
        ("auto_approve_below", "-5", "Ensure this value is greater than or equal to 0."),
        ("reminder_days", "3, x", "Write whole numbers of days, separated by commas."),
        (
            "second_approval_above",
            "10000000000000000",
            "Ensure that there are no more than 14 digits in total.",
        ),
    ],
)
def test_bad_settings_are_refused_beside_their_field_and_change_nothing(
    world, field, value, message
):
    client = browser_as(world.admin)
    form = dict(client.get("/settings/deals/").context["form"].initial)
    form.update(reminder_days="14, 3", evidence_above="")
    form[field] = value
    for action in ("try", "save"):
        refused = client.post("/settings/deals/", {**form, "action": action})
        assert refused.status_code == 400
        assert refused.context["form"].errors[field] == [message]
    assert DealPolicy.current().protection_days == DealPolicy().protection_days


def test_the_deal_policy_service_checks_its_fields_and_its_actor(world):
    with pytest.raises(Invalid) as refused:
        services.deal_policy_update(
            actor=world.admin, fields={"extension_days": 0, "min_amount": Decimal(-1)}
        )
    assert set(refused.value.message_dict) == {"extension_days", "min_amount"}
    with pytest.raises(Invalid) as refused:
        services.deal_policy_update(
            actor=world.admin, fields={"auto_approve_below": Decimal("1000000000000")}
        )
    assert refused.value.message_dict == {
        "auto_approve_below": ["Choose an amount below 1,000,000,000,000."]
    }
    with pytest.raises(Forbidden):
        services.deal_policy_update(actor=world.cam_emea, fields={"protection_days": 30})
    assert browser_as(world.cam_emea).get("/settings/deals/").status_code == 404


# The rejection reasons (point 8).

REASONS = "/settings/deals/reasons/"


def labels() -> list[str]:
    return list(
        RejectionReason.objects.order_by("position", "label").values_list("label", flat=True)
    )


def test_a_vendor_admin_adds_renames_and_orders_the_reasons(world):
    client = browser_as(world.admin)
    assert client.post(REASONS, {"label": "Budget not confirmed"}).status_code == 302
    added = RejectionReason.objects.get(label="Budget not confirmed")
    assert labels()[-1] == "Budget not confirmed" and added.active and added.code
    client.post(f"{REASONS}{added.pk}/", {"action": "up"})
    assert labels()[-2] == "Budget not confirmed"
    client.post(f"{REASONS}{added.pk}/", {"action": "rename", "label": "No confirmed budget"})
    added.refresh_from_db()
    assert added.label == "No confirmed budget"
    first = RejectionReason.objects.order_by("position", "label").first()
    client.post(f"{REASONS}{first.pk}/", {"action": "down"})
    assert labels()[1] == first.label


def test_a_reason_in_use_is_deactivated_never_deleted(world, shop):
    deal = submitted(world, shop)
    services.deal_reject(actor=world.cam_emea, deal=deal, reason_code="incomplete")
    reason = RejectionReason.objects.get(code="incomplete")
    client = browser_as(world.admin)
    assert client.post(f"{REASONS}{reason.pk}/", {"action": "deactivate"}).status_code == 302
    reason.refresh_from_db()
    deal.refresh_from_db()
    assert not reason.active and deal.rejection_reason == reason
    page = client.get(REASONS).content.decode()
    assert "Not offered" in page and "In use" in page
    other = submitted(world, shop, user=world.mia, account=make_account(world.admin, "Hooli", "US"))
    with pytest.raises(Invalid):
        services.deal_reject(actor=world.cam_emea, deal=other, reason_code="incomplete")
    client.post(f"{REASONS}{reason.pk}/", {"action": "activate"})
    reason.refresh_from_db()
    assert reason.active


def test_bad_reason_names_are_refused_beside_the_field(world):
    client = browser_as(world.admin)
    before = labels()
    empty = client.post(REASONS, {"label": "  "})
    assert empty.status_code == 400 and empty.context["form"].errors["label"]
    taken = client.post(REASONS, {"label": before[0].upper()})
    assert taken.status_code == 400
    assert taken.context["form"].errors["label"] == ["There is a reason of this name already."]
    assert labels() == before


def test_the_last_active_reason_stays_active(world):
    reasons = list(RejectionReason.objects.filter(active=True))
    for reason in reasons[1:]:
        services.rejection_reason_update(actor=world.admin, reason=reason, active=False)
    with pytest.raises(Conflict):
        services.rejection_reason_update(actor=world.admin, reason=reasons[0], active=False)


def test_only_vendor_admins_change_the_reasons(world):
    assert browser_as(world.cam_emea).get(REASONS).status_code == 404
    with pytest.raises(Forbidden):
        services.rejection_reason_create(actor=world.cam_emea, label="Mine")


def test_the_deal_list_comes_in_pages_of_fifty_that_keep_the_filters(world):
    """The demo tenant has about 2,000 deals: a page shows 50 and a pager that keeps the
    view and the filters."""
    from django.contrib.auth import get_user_model

    admin = get_user_model().objects.get(email="admin@acme.example")
    client = browser_as(admin)
    first = client.get("/deal-registrations/", {"status": "won"})
    assert first.status_code == 200
    assert len(first.context["deals"]) == 50 and first.context["page"].number == 1
    page = first.content.decode()
    assert 'data-testid="pager"' in page and "status=won&amp;page=2" in page
    second = client.get("/deal-registrations/", {"status": "won", "page": 2})
    ids = {d.pk for d in first.context["deals"]}
    assert ids.isdisjoint(d.pk for d in second.context["deals"])
    assert all(d.status == "won" for d in second.context["deals"])
    assert client.get("/deal-registrations/", {"page": "9999"}).status_code == 200
    assert client.get("/deal-registrations/", {"page": "x"}).status_code == 200
