"""Deal registration's services: a draft and its lines, the lifecycle (every illegal move
is a 409 that changes nothing), eligibility on submit, the conflict check with its
evidence, the first-come-first-served policy with its queue, won / lost / reopen, the
protection's expiry, extensions and sharing."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from deals import scope, services
from deals.conflicts import deal_conflicts
from deals.models import (
    ConflictCode,
    ConflictRule,
    Deal,
    DealPolicy,
    DealStatus,
    Product,
    ProductLine,
    ReservationPolicy,
)
from deals.services import LineIn
from partners.models import Certification, Partner, PartnerStatus, Tier
from partners.selectors import agreement_current
from partners.services import agreement_accept
from prm.errors import Conflict, Forbidden, IllegalTransition, Invalid, NotFound
from prm.outbox.models import Event
from tests.deals.conftest import make_account

S = DealStatus


@pytest.fixture
def shop(world):
    """A catalogue, active partners (Northwind Gold, Tailwind Silver) whose users accepted
    the current agreement."""
    firewalls = ProductLine.objects.create(name="Test firewalls")
    backup = ProductLine.objects.create(name="Test backup")
    shop = type("Shop", (), {})()
    shop.fw = Product.objects.create(
        sku="T-FW-100", name="Firewall 100", line=firewalls, list_price=1000, currency="USD"
    )
    shop.fw_big = Product.objects.create(
        sku="T-FW-900", name="Firewall 900", line=firewalls, list_price=9000, currency="USD"
    )
    shop.backup = Product.objects.create(
        sku="T-BK-1", name="Backup 1 TB", line=backup, list_price=100, currency="USD"
    )
    gold = Tier.objects.get(name="Gold")
    Partner.objects.filter(pk__in=[world.northwind.pk, world.berlin.pk, world.munich.pk]).update(
        status=PartnerStatus.ACTIVE, tier=gold
    )
    Partner.objects.filter(pk=world.contoso.pk).update(
        status=PartnerStatus.ACTIVE, tier=Tier.objects.get(name="Silver")
    )
    if agreement_current() is not None:
        for user in (world.bob, world.mia, world.carol, world.alice):
            agreement_accept(actor=user, agreement=agreement_current(), ip_address="127.0.0.1")
    shop.account = make_account(world.admin, "Initech GmbH", "DE", ["initech.de"])
    return shop


def close_date(days: int = 60):
    return timezone.localdate() + timedelta(days=days)


def draft(world, shop, user=None, account="the shop's", lines=None, **kw) -> Deal:
    return services.deal_create(
        actor=user or world.bob,
        account=shop.account if account == "the shop's" else account,
        name=kw.pop("name", "Firewall refresh"),
        lines=lines or [LineIn(shop.fw, 3, Decimal("950.00"))],
        currency=kw.pop("currency", "USD"),
        expected_close_date=kw.pop("expected_close_date", close_date()),
        **kw,
    )


def submitted(world, shop, user=None, **kw) -> Deal:
    deal = draft(world, shop, user, **kw)
    return services.deal_submit(actor=user or world.bob, deal=deal)


def test_a_draft_adds_up_its_lines_in_decimal(world, shop):
    deal = draft(
        world,
        shop,
        lines=[LineIn(shop.fw, 3, Decimal("950.10")), LineIn(shop.backup, 2, Decimal("99.99"))],
    )
    deal.refresh_from_db()
    assert deal.amount == Decimal("3050.28")
    assert [line.amount for line in deal.lines.all()] == [Decimal("2850.30"), Decimal("199.98")]
    assert (deal.status, deal.partner, deal.registered_at) == (S.DRAFT, world.berlin, None)


@pytest.mark.parametrize(
    "lines, message",
    [
        ("none", "Add at least one product."),
        ("zero", "Line 1: the quantity must be a whole number of at least 1."),
        ("negative", "Line 1: the quantity must be a whole number of at least 1."),
        ("price", "Line 1: the unit price cannot be negative."),
    ],
)
def test_bad_lines_are_refused_beside_the_field_and_nothing_is_written(world, shop, lines, message):
    given = {
        "none": [],
        "zero": [LineIn(shop.fw, 0, Decimal(1))],
        "negative": [LineIn(shop.fw, -2, Decimal(1))],
        "price": [LineIn(shop.fw, 1, Decimal("-5"))],
    }[lines]
    before = Deal.objects.count()
    with pytest.raises(Invalid) as refused:
        services.deal_create(
            actor=world.bob,
            account=shop.account,
            name="x",
            lines=given,
            currency="USD",
            expected_close_date=close_date(),
        )
    assert refused.value.message_dict == {"lines": [message]}
    assert Deal.objects.count() == before


def test_an_inactive_product_and_an_unknown_currency_are_refused(world, shop):
    Product.objects.filter(pk=shop.backup.pk).update(active=False)
    shop.backup.refresh_from_db()
    with pytest.raises(Invalid) as inactive:
        draft(world, shop, lines=[LineIn(shop.backup, 1, Decimal(1))])
    assert inactive.value.message_dict == {"lines": ["Line 1: Backup 1 TB is no longer sold."]}
    with pytest.raises(Invalid) as currency:
        draft(world, shop, currency="XYZ")
    assert list(currency.value.message_dict) == ["currency"]


def test_vendor_staff_do_not_register_and_a_vendor_owned_account_is_refused(world, shop):
    with pytest.raises(Forbidden):
        draft(world, shop, user=world.admin)
    owned = make_account(world.admin, "Umbrella Corp", "US", vendor_owned=True)
    with pytest.raises(Conflict) as refused:
        draft(world, shop, account=owned)
    assert refused.value.error_code == "account_vendor_owned"
    child = make_account(world.admin, "Umbrella Europe", "DE", parent=owned)
    with pytest.raises(Conflict):  # the parent covers its offices (the default policy)
        draft(world, shop, account=child)


def test_a_new_customer_is_created_with_the_deal_unless_it_already_exists(world, shop):
    deal = draft(
        world,
        shop,
        account=None,
        new_account={"name": "Hooli Inc.", "country": "US", "domains": ["hooli.com"]},
    )
    assert deal.account.name == "Hooli Inc." and deal.account.created_by == world.bob
    with pytest.raises(Invalid) as exists:
        draft(world, shop, account=None, new_account={"name": "Other", "domains": ["initech.de"]})
    assert "Initech GmbH is already a customer account (same domain initech.de)" in str(
        exists.value.message_dict["account"]
    )


def test_submitting_registers_once_and_hands_the_deal_to_the_workflows(world, shop):
    deal = submitted(world, shop)
    assert deal.status == S.SUBMITTED and deal.registered_at is not None
    assert deal.conflict_count == 0 and deal.submissions == 1
    event = Event.objects.get(type="deal.submitted", object_id=str(deal.pk))
    assert event.partner_id == world.berlin.pk
    assert event.payload["conflict_count"] == 0
    with pytest.raises(IllegalTransition):
        services.deal_submit(actor=world.bob, deal=deal)
    assert Event.objects.filter(type="deal.submitted", object_id=str(deal.pk)).count() == 1


def test_eligibility_problems_are_field_errors_that_say_what_to_do(world, shop):
    Product.objects.filter(pk=shop.fw_big.pk).update(
        min_tier=Tier.objects.get(name="Platinum"), required_certification="Certified Firewall Pro"
    )
    shop.fw_big.refresh_from_db()
    DealPolicy.objects.update_or_create(singleton=True, defaults={"min_amount": Decimal(20000)})
    deal = draft(
        world,
        shop,
        lines=[LineIn(shop.fw_big, 1, Decimal(9000))],
        expected_close_date=close_date(400),
    )
    with pytest.raises(Invalid) as refused:
        services.deal_submit(actor=world.bob, deal=deal)
    errors = refused.value.message_dict
    assert errors["lines"] == [
        "Northwind Berlin must be Platinum or above to register Firewall 900 (it is Gold).",
        "Northwind Berlin needs a Certified Firewall Pro to register Firewall 900.",
        "The smallest deal the program registers is USD\xa020,000; this one is USD\xa09,000.",
    ]
    assert errors["expected_close_date"][0].startswith("Register deals that close within 365 days")
    deal.refresh_from_db()
    assert (deal.status, deal.registered_at) == (S.DRAFT, None)


def test_an_inactive_partner_or_a_missing_acceptance_keeps_a_deal_from_submitting(world, shop):
    deal = draft(world, shop)
    Partner.objects.filter(pk=world.berlin.pk).update(status=PartnerStatus.SUSPENDED)
    with pytest.raises(Invalid) as refused:
        services.deal_submit(actor=world.bob, deal=deal)
    assert refused.value.message_dict["partner"] == [
        "Northwind Berlin is suspended: only active partners register deals. Ask your channel "
        "manager."
    ]


def test_a_certification_someone_at_the_partner_holds_makes_it_eligible(world, shop):
    Product.objects.filter(pk=shop.fw.pk).update(required_certification="Certified Firewall Pro")
    Certification.objects.create(
        partner=world.berlin,
        holder_name="Bob",
        name="Certified Firewall Pro",
        issued_on=timezone.localdate() - timedelta(days=10),
    )
    assert submitted(world, shop).status == S.SUBMITTED


def test_another_partners_registration_of_the_customer_is_a_conflict_with_evidence(world, shop):
    first = submitted(world, shop)
    second = submitted(world, shop, user=world.carol)
    assert second.conflict_count == 1
    assert second.conflict_codes == [ConflictCode.SAME_ACCOUNT]
    conflict = second.conflicts.get()
    assert conflict.competing_deal == first and conflict.competing_partner == world.berlin
    assert conflict.score == 1.0
    assert conflict.reasons[:2] == [
        "the same customer account",
        "overlapping products: Test firewalls",
    ]
    assert conflict.reasons[2].startswith("registered ")
    # The first registration keeps its priority: it is not flagged by the later one.
    first.refresh_from_db()
    assert first.conflict_count == 0


def test_the_same_customer_with_other_products_is_a_warning_not_a_conflict(world, shop):
    submitted(world, shop)
    other = submitted(world, shop, user=world.carol, lines=[LineIn(shop.backup, 5, Decimal(90))])
    assert other.conflict_count == 0
    warning = other.conflicts.get()
    assert warning.warning and warning.code == ConflictCode.OTHER_PRODUCTS


def test_the_product_overlap_rule_decides_what_overlaps(world, shop):
    submitted(world, shop)
    DealPolicy.objects.update_or_create(singleton=True, defaults={"product_overlap": "product"})
    same_line = submitted(world, shop, user=world.carol, lines=[LineIn(shop.fw_big, 1, Decimal(1))])
    assert same_line.conflict_count == 0
    DealPolicy.objects.update_or_create(singleton=True, defaults={"product_overlap": "any"})
    any_product = submitted(world, shop, user=world.mia, lines=[LineIn(shop.backup, 1, Decimal(1))])
    # Munich is another partner unit than Berlin: Northwind's own units compete too.
    assert any_product.conflict_count == 2


def test_a_related_office_and_a_near_duplicate_account_are_conflicts(world, shop):
    office = make_account(world.admin, "Initech Munich", "DE", parent=shop.account)
    submitted(world, shop, account=office)
    on_parent = submitted(world, shop, user=world.carol)
    assert on_parent.conflict_codes == [ConflictCode.SAME_TREE]
    assert on_parent.conflicts.get().reasons[0] == (
        "Initech Munich is an office or subsidiary of Initech GmbH"
    )


def test_a_possible_duplicate_account_is_a_conflict_with_its_score(world, shop):
    twin = make_account(world.admin, "Initech", "DE")
    submitted(world, shop, account=twin)
    deal = submitted(world, shop, user=world.carol)
    assert deal.conflict_codes == [ConflictCode.POSSIBLE_DUPLICATE]
    conflict = deal.conflicts.get()
    assert 0 < conflict.score <= 1
    assert conflict.reasons[0].startswith("Initech is ")


def test_a_reservation_by_another_partner_is_a_conflict(world, shop):
    services.reservation_create(actor=world.carol, account=shop.account)
    deal = submitted(world, shop)
    assert deal.conflict_codes == [ConflictCode.RESERVED]
    assert deal.conflicts.get().competing_partner == world.contoso


def test_the_reject_policy_rejects_a_later_registration_at_once(world, shop):
    DealPolicy.objects.update_or_create(
        singleton=True, defaults={"conflict_rule": ConflictRule.REJECT}
    )
    submitted(world, shop)
    later = submitted(world, shop, user=world.carol)
    assert later.status == S.REJECTED and later.rejection_reason.code == "duplicate"
    assert "the same customer account" in later.decision_note


def test_a_later_registration_queues_behind_an_approved_one_and_moves_on_when_it_is_lost(
    world, shop
):
    first = submitted(world, shop)
    services.deal_approve(actor=world.admin, deal=first, note="fine")
    first.refresh_from_db()
    later = submitted(world, shop, user=world.carol)
    assert later.status == S.UNDER_REVIEW and later.queued_behind == first
    assert Event.objects.filter(type="deal.queued", object_id=str(later.pk)).exists()
    with pytest.raises(Conflict) as queued:
        services.deal_approve(actor=world.admin, deal=later)
    assert queued.value.error_code == "deal_queued"
    services.deal_lost(actor=world.bob, deal=first, reason="Went with a competitor")
    later.refresh_from_db()
    assert later.queued_behind is None and later.conflict_count == 0
    handed_on = Event.objects.get(type="deal.submitted", object_id=str(later.pk))
    assert handed_on.payload["unqueued"] is True


def test_one_active_registration_per_partner_per_customer_and_product_line(world, shop):
    submitted(world, shop)
    with pytest.raises(Conflict) as hoarding:
        submitted(world, shop, user=world.bob, name="Again")
    assert hoarding.value.error_code == "duplicate_registration"


def test_decisions_follow_the_lifecycle(world, shop):
    deal = draft(world, shop)
    with pytest.raises(IllegalTransition):
        services.deal_approve(actor=world.admin, deal=deal)
    services.deal_submit(actor=world.bob, deal=deal)
    services.deal_request_info(actor=world.admin, deal=deal, note="Which data centre?")
    deal.refresh_from_db()
    assert deal.status == S.INFO_REQUESTED
    services.deal_update(actor=world.bob, deal=deal, fields={"description": "Frankfurt"})
    services.deal_submit(actor=world.bob, deal=deal)
    deal = services.deal_approve(actor=world.admin, deal=deal, note="ok")
    assert deal.status == S.APPROVED
    assert deal.protected_until - deal.decided_at == timedelta(days=90)
    with pytest.raises(Conflict) as editing:
        services.deal_update(actor=world.bob, deal=deal, fields={"name": "Changed"})
    assert editing.value.error_code == "illegal_transition"
    with pytest.raises(IllegalTransition):
        services.deal_reject(actor=world.admin, deal=deal, reason_code="other")
    deal.refresh_from_db()
    assert (deal.status, deal.name) == (S.APPROVED, "Firewall refresh")


def test_rejection_needs_one_of_the_tenants_reasons_and_resubmission_is_capped(world, shop):
    deal = submitted(world, shop)
    with pytest.raises(Invalid) as unknown:
        services.deal_reject(actor=world.admin, deal=deal, reason_code="because")
    assert "duplicate" in unknown.value.message_dict["reason_code"][0]
    DealPolicy.objects.update_or_create(singleton=True, defaults={"max_resubmissions": 1})
    services.deal_reject(actor=world.admin, deal=deal, reason_code="incomplete", note="No PO")
    services.deal_submit(actor=world.bob, deal=deal)
    services.deal_reject(actor=world.admin, deal=deal, reason_code="incomplete")
    with pytest.raises(Conflict) as capped:
        services.deal_submit(actor=world.bob, deal=deal)
    assert capped.value.error_code == "resubmission_limit"


def test_won_lost_and_reopen(world, shop):
    deal = submitted(world, shop)
    services.deal_approve(actor=world.admin, deal=deal)
    with pytest.raises(Invalid):
        services.deal_won(actor=world.bob, deal=deal, closed_on=close_date(3))
    deal = services.deal_won(actor=world.bob, deal=deal, closed_on=timezone.localdate())
    assert deal.final_amount == deal.amount == Decimal("2850.00")
    with pytest.raises(Forbidden):
        services.deal_reopen(actor=world.bob, deal=deal, reason="oops")
    with pytest.raises(Invalid):
        services.deal_reopen(actor=world.admin, deal=deal, reason="")
    deal = services.deal_reopen(actor=world.admin, deal=deal, reason="Booked by mistake")
    assert deal.status == S.APPROVED and deal.final_amount is None
    with pytest.raises(Invalid):
        services.deal_lost(actor=world.bob, deal=deal, reason="")
    assert services.deal_lost(actor=world.bob, deal=deal, reason="Budget cut").status == S.LOST


def test_the_sweep_expires_protection_and_reminds_once(world, shop):
    deal = submitted(world, shop)
    services.deal_approve(actor=world.admin, deal=deal)
    Deal.objects.filter(pk=deal.pk).update(protected_until=timezone.now() + timedelta(days=2))
    services.deals_remind()
    services.deals_remind()
    reminders = Event.objects.filter(type="deal.expiring", object_id=str(deal.pk))
    assert sorted(e.payload["days"] for e in reminders) == [3, 14]
    Deal.objects.filter(pk=deal.pk).update(protected_until=timezone.now() - timedelta(seconds=1))
    assert services.deals_expire() >= 1
    deal.refresh_from_db()
    assert deal.status == S.EXPIRED


def test_an_extension_request_is_once_per_extension(world, shop):
    deal = submitted(world, shop)
    with pytest.raises(IllegalTransition):
        services.deal_extend_request(actor=world.bob, deal=deal)
    services.deal_approve(actor=world.admin, deal=deal)
    services.deal_extend_request(actor=world.bob, deal=deal)
    with pytest.raises(Conflict) as again:
        services.deal_extend_request(actor=world.bob, deal=deal)
    assert again.value.error_code == "extension_pending"


def test_a_partner_user_sees_own_and_shared_deals_and_a_manager_the_units(world, shop):
    deal = submitted(world, shop)
    assert list(scope.deals_visible_to(world.mia)) == []
    assert list(scope.deals_visible_to(world.carol)) == []
    assert deal in scope.deals_visible_to(world.alice)  # Northwind's admin: its subtree
    assert deal in scope.deals_visible_to(world.cam_emea)  # the territory's channel manager
    assert deal not in scope.deals_visible_to(world.cam_us)
    with pytest.raises(NotFound):
        services.deal_share(actor=world.bob, deal=deal, colleague=world.carol)
    services.deal_share(actor=world.bob, deal=deal, colleague=world.mia)
    world.mia.__dict__.pop("_prm_scope", None)
    assert list(scope.deals_visible_to(world.mia)) == [deal]
    with pytest.raises(NotFound):
        services.deal_withdraw(actor=world.carol, deal=deal)


def test_the_deals_a_user_sees_are_found_by_index_not_by_scanning_every_deal(world, shop):
    deal = submitted(world, shop)
    services.deal_share(actor=world.bob, deal=deal, colleague=world.mia)
    for user in (world.bob, world.mia, world.alice, world.cam_emea):
        user.__dict__.pop("_prm_scope", None)
        assert deal in scope.deals_visible_to(user)
        sql, params = scope.deals_visible_to(user).order_by("-created_at").query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute("SET enable_seqscan = off")  # any plan the indexes allow, then
            try:
                cursor.execute(f"EXPLAIN {sql}", params)
                plan = "\n".join(row[0] for row in cursor.fetchall())
            finally:
                cursor.execute("RESET enable_seqscan")
        assert "Seq Scan on deals_deal" not in plan, (user.email, plan)


def test_the_conflict_check_tries_other_thresholds_without_writing(world, shop):
    twin = make_account(world.admin, "Initech Systems", "DE")
    submitted(world, shop, account=twin)
    deal = draft(world, shop, user=world.carol)
    lines = list(deal.lines.select_related("product__line"))
    tree = ReservationPolicy.current()
    strict = ReservationPolicy(name_similarity=0.99, core_similarity=0.99, possible_min_score=0.99)
    now = timezone.now()
    policy = DealPolicy.current()
    assert deal_conflicts(deal, lines, now=now, policy=policy, tree=tree)
    assert not deal_conflicts(deal, lines, now=now, policy=policy, tree=tree, matching=strict)
    assert deal.conflicts.count() == 0


def test_the_default_workflows_approve_a_clean_gold_deal_and_route_the_others(
    world, shop, django_capture_on_commit_callbacks
):
    from partners import services as partner_services
    from workflows.approvals import approval_decide
    from workflows.models import Approval
    from workflows.services import defaults_install

    defaults_install(actor=world.admin)
    for partner in (world.berlin, world.contoso):
        partner_services.partner_update(
            actor=world.admin, partner=partner, fields={"channel_manager": world.cam_emea}
        )
    with django_capture_on_commit_callbacks(execute=True):
        clean = submitted(world, shop)
    clean.refresh_from_db()
    assert clean.status == S.APPROVED and clean.protected_until is not None
    told = world.bob.notifications.filter(title="Approved: Firewall refresh")
    assert told.count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        flagged = submitted(world, shop, user=world.carol, name="Tailwind firewall")
    flagged.refresh_from_db()
    assert flagged.status == S.UNDER_REVIEW and flagged.queued_behind == clean
    with django_capture_on_commit_callbacks(execute=True):
        silver = submitted(
            world,
            shop,
            user=world.carol,
            name="Backup",
            lines=[LineIn(shop.backup, 1, Decimal(100))],
            account=make_account(world.admin, "Vandelay Industries", "US"),
        )
    silver.refresh_from_db()
    assert silver.status == S.SUBMITTED
    approval = Approval.objects.get(run__object_type="deal", run__object_id=str(silver.pk))
    assert approval.approver == world.cam_emea and approval.due_at is not None
    with django_capture_on_commit_callbacks(execute=True):
        approval_decide(actor=world.cam_emea, approval_id=approval.pk, decision="approved")
    silver.refresh_from_db()
    assert silver.status == S.APPROVED and silver.decided_by == world.cam_emea


def test_the_tier_review_judges_won_revenue_of_the_trailing_twelve_months(world, shop):
    from deals.selectors import won_revenue
    from partners.revenue import trailing_revenue
    from tests.workflows.test_schedules import won_deal

    today = timezone.localdate()
    won_deal(world, world.berlin, Decimal("300000"), days_ago=30)
    won_deal(world, world.munich, Decimal("200000"), days_ago=200)
    won_deal(world, world.berlin, Decimal("999999"), days_ago=400)  # too long ago
    assert won_revenue(world.berlin, today) == Decimal("300000")
    # A company's revenue includes its units'.
    assert trailing_revenue(world.northwind, today) == Decimal("500000")
    silver = Tier.objects.get(name="Silver")
    Tier.objects.filter(pk=silver.pk).update(min_trailing_revenue=400000, min_certified_people=0)
    Tier.objects.filter(rank__gt=silver.rank).update(min_trailing_revenue=10**9)
    assert world.northwind.qualified_tier().name == "Silver"
    assert world.berlin.qualified_tier().rank < silver.rank


def test_the_default_workflow_extends_a_deals_protection_on_approval(
    world, shop, django_capture_on_commit_callbacks
):
    from partners import services as partner_services
    from workflows.approvals import approval_decide
    from workflows.models import Approval
    from workflows.services import defaults_install

    defaults_install(actor=world.admin)
    partner_services.partner_update(
        actor=world.admin, partner=world.berlin, fields={"channel_manager": world.cam_emea}
    )
    deal = services.deal_approve(actor=world.admin, deal=submitted(world, shop))
    until = deal.protected_until
    with django_capture_on_commit_callbacks(execute=True):
        services.deal_extend_request(actor=world.bob, deal=deal)
    approval = Approval.objects.get(
        run__object_type="deal", run__object_id=str(deal.pk), run__workflow__name="Deal extensions"
    )
    with django_capture_on_commit_callbacks(execute=True):
        approval_decide(actor=world.cam_emea, approval_id=approval.pk, decision="approved")
    deal.refresh_from_db()
    assert (deal.extensions, deal.protected_until - until) == (1, timedelta(days=30))
    assert world.bob.notifications.filter(title="Protection extended: Firewall refresh").exists()


def test_an_amount_beyond_what_the_database_holds_is_refused_beside_the_lines(world, shop):
    before = Deal.objects.count()
    for lines, message in [
        ([LineIn(shop.fw, 10**9, Decimal("10000"))], "Line 1: the amount is larger"),
        ([LineIn(shop.fw, 1, Decimal("1.005"))], "Line 1: give the unit price in cents"),
        (
            [
                LineIn(shop.fw, 9, Decimal("100000000000")),
                LineIn(shop.fw, 9, Decimal("100000000000")),
            ],
            "The deal's amount is larger",
        ),
    ]:
        with pytest.raises(Invalid) as refused:
            draft(world, shop, lines=lines)
        assert refused.value.message_dict["lines"][0].startswith(message)
    assert Deal.objects.count() == before


def test_a_draft_withdrawn_before_it_was_submitted_has_no_registration_time(world, shop):
    deal = services.deal_withdraw(actor=world.bob, deal=draft(world, shop))
    deal.refresh_from_db()
    assert (deal.status, deal.registered_at) == (S.WITHDRAWN, None)


def test_deciding_a_deal_on_its_page_closes_the_approvals_still_asked(
    world, shop, django_capture_on_commit_callbacks
):
    from partners import services as partner_services
    from workflows.models import Approval, RunStatus
    from workflows.services import defaults_install

    defaults_install(actor=world.admin)
    partner_services.partner_update(
        actor=world.admin, partner=world.contoso, fields={"channel_manager": world.cam_emea}
    )
    with django_capture_on_commit_callbacks(execute=True):
        deal = submitted(world, shop, user=world.carol, lines=[LineIn(shop.backup, 1, Decimal(9))])
    asked = Approval.objects.get(run__object_type="deal", run__object_id=str(deal.pk))
    services.deal_request_info(actor=world.admin, deal=deal, note="Which site?")
    asked.refresh_from_db()
    assert asked.superseded and asked.run.status == RunStatus.COMPLETED
    # A late "approve" of an approved deal with no extension asked changes nothing.
    from deals.services.decisions import decide_approve

    services.deal_submit(actor=world.carol, deal=deal)
    approved = services.deal_approve(actor=world.admin, deal=deal)
    until = approved.protected_until
    with pytest.raises(IllegalTransition):
        decide_approve(approved, world.cam_emea, "late")
    approved.refresh_from_db()
    assert (approved.protected_until, approved.extensions) == (until, 0)
