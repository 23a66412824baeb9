"""The demo program's customer accounts and reservations (issue 12, point 9), and its deal
registrations (issue 13, point 13)."""

from collections import Counter
from datetime import timedelta

from django.db.models import F, Min, Q
from django.utils import timezone

from deals.conflicts import active_registrations, deal_conflicts
from deals.demo import OLD_CRM
from deals.demo_deals import seed_deals
from deals.models import (
    CustomerAccount,
    Deal,
    DealConflict,
    DealDispute,
    DealLine,
    DealPolicy,
    DealStatus,
    DisputeStatus,
    Reservation,
    ReservationPolicy,
    ReservationStatus,
)
from deals.scope import deals_visible_to
from deals.selectors import account_lookup
from partners.models import Partner, PartnerStatus
from partners.revenue import trailing_revenue
from prm.outbox.models import Event
from prm.users.models import User
from workflows.models import Approval
from workflows.selectors import approvals_of


def test_the_demo_has_accounts_with_offices_domains_and_named_accounts(acme):
    accounts = CustomerAccount.objects.all()
    assert 350 <= accounts.count() <= 450
    assert accounts.filter(depth__gt=1).count() >= 80  # offices and subsidiaries
    assert accounts.filter(vendor_owned=True, vendor_owner__isnull=False).count() >= 20
    assert accounts.filter(domains__isnull=False).distinct().count() >= 380
    assert set(accounts.values_list("country", flat=True)) >= {"DE", "US", "GB", "JP", "BR"}


def test_the_demo_has_near_duplicates_the_lookup_finds(acme):
    duplicates = CustomerAccount.objects.filter(external_crm_id__startswith=OLD_CRM)
    assert duplicates.count() == 5
    admin = User.objects.get(email="admin@acme.example")
    for duplicate in duplicates:
        # The original: same name but for its legal form, same country, with a domain.
        original = (
            CustomerAccount.objects.filter(domains__isnull=False, name_key=duplicate.name_key)
            .exclude(pk=duplicate.pk)
            .get()
        )
        answer = account_lookup(admin, q=original.name, country=original.country.code)
        found = {m.account.pk: m.verdict for m in answer.matches}
        assert found.get(duplicate.pk) == "match", (original.name, found)


def test_the_demo_has_reservations_in_every_state_some_ending_this_week(acme):
    now = timezone.now()
    rows = Reservation.objects.all()
    assert 50 <= rows.count() <= 70
    by_status = {s: rows.filter(status=s).count() for s in ReservationStatus.values}
    assert all(count >= 8 for count in by_status.values()), by_status
    ending = rows.filter(status="active", expires_at__lte=now + timedelta(days=7))
    assert ending.count() >= 3
    assert not rows.filter(status="active", expires_at__lte=now).exists()
    assert rows.filter(status="active", partner__display_name__startswith="Northwind").exists()
    assert rows.filter(status="active", partner__display_name__startswith="Contoso").exists()


# --- the demo's deal registrations (issue 13, point 13) ---------------------------------


def test_the_demo_has_about_2000_deals_in_every_state_over_18_months(acme):
    now = timezone.now()
    deals = Deal.objects.all()
    assert 1800 <= deals.count() <= 2200
    by_status = Counter(deals.values_list("status", flat=True))
    assert set(by_status) == set(DealStatus.values), by_status
    assert by_status[DealStatus.WON] >= 400 and by_status[DealStatus.LOST] >= 300, by_status
    assert all(count >= 10 for count in by_status.values()), by_status
    registered = deals.filter(registered_at__isnull=False)
    oldest = registered.aggregate(Min("registered_at"))["registered_at__min"]
    assert now - timedelta(days=560) <= oldest <= now - timedelta(days=480)
    months = {(d.year, d.month) for d in registered.values_list("registered_at", flat=True)}
    assert len(months) >= 17  # every month of the 18 has registrations
    assert not deals.filter(status=DealStatus.DRAFT, registered_at__isnull=False).exists()
    assert not deals.filter(registered_at__gt=now).exists()
    # Lines of the demo catalogue; the amount is their sum.
    assert not deals.filter(lines__isnull=True).exists()
    sample = deals.filter(status=DealStatus.WON).order_by("pk")[10]
    assert sample.amount == sum(line.amount for line in sample.lines.all())
    assert sample.currency == "USD" and sample.lines.first().product.currency == "USD"


def test_demo_deals_carry_what_their_state_says(acme):
    now = timezone.now()
    deals = Deal.objects.all()
    approved = deals.filter(status=DealStatus.APPROVED)
    assert not approved.filter(protected_until__lte=now).exists()
    assert approved.filter(protected_until__lte=now + timedelta(days=14)).count() >= 8
    assert not deals.filter(status=DealStatus.REJECTED, rejection_reason__isnull=True).exists()
    assert not deals.filter(status=DealStatus.REJECTED, decision_note="").exists()
    won = deals.filter(status=DealStatus.WON)
    assert not won.filter(Q(final_amount__isnull=True) | Q(closed_on__isnull=True)).exists()
    assert won.exclude(final_amount=F("amount")).exists()  # negotiated final amounts
    assert not deals.filter(status=DealStatus.LOST, lost_reason="").exists()
    assert not deals.filter(status=DealStatus.EXPIRED, protected_until__gt=now).exists()
    assert not deals.filter(status=DealStatus.INFO_REQUESTED, decision_note="").exists()
    assert deals.filter(account__vendor_owned=True).count() == 0


def test_a_demo_deals_timeline_reads_its_story_at_its_dates(acme):
    deal = Deal.objects.filter(status=DealStatus.WON, submissions=1).order_by("pk")[3]
    rows = list(deal.history.order_by("history_date"))
    assert [r.status for r in rows] == ["draft", "submitted", "under_review", "approved", "won"]
    assert rows[0].history_type == "+" and rows[0].history_date == deal.created_at
    assert rows[1].history_date == deal.registered_at and rows[1].registered_at is not None
    assert rows[0].registered_at is None and rows[0].final_amount is None
    assert rows[3].history_date == deal.decided_at
    assert rows[3].history_user_id == deal.partner.channel_manager_id
    assert rows[4].history_date.date() == deal.closed_on and rows[4].history_user == deal.submitter
    assert rows[3].protected_until == deal.protected_until
    assert rows[-1].final_amount == deal.final_amount
    # Its events happened then, already processed (they start no workflow today).
    events = Event.objects.filter(object_type="deal", object_id=str(deal.pk)).order_by("created_at")
    assert [e.type for e in events] == ["deal.submitted", "deal.approved", "deal.won"]
    steps = [rows[1].history_date, rows[3].history_date, rows[4].history_date]
    assert [e.created_at for e in events] == steps
    assert all(e.processed_at == e.created_at for e in events)
    assert events[2].payload["final_amount"] == str(deal.final_amount)


def test_registrations_that_hold_a_customer_compete_only_where_the_demo_says(acme):
    """No two partners' demo registrations hold a customer against each other but the
    conflicts the demo made through the services (whose rows say why)."""
    now = timezone.now()
    policy, tree = DealPolicy.current(), ReservationPolicy.current()
    with_conflicts = set(DealConflict.objects.values_list("deal_id", flat=True))
    holding = Deal.objects.filter(active_registrations(now)).exclude(pk__in=with_conflicts)
    competitors = set(
        DealConflict.objects.filter(competing_deal__isnull=False).values_list(
            "competing_deal_id", flat=True
        )
    )
    for deal in holding.order_by("pk")[::7]:
        found = deal_conflicts(deal, list(deal.lines.all()), now=now, policy=policy, tree=tree)
        real = [f for f in found if not f.warning]
        assert not real or deal.pk in competitors, (deal, [f.reasons for f in real])


def test_the_demo_has_customers_registered_by_two_partners_one_queued(acme):
    conflicts = DealConflict.objects.filter(warning=False, competing_deal__isnull=False)
    assert conflicts.values("deal").distinct().count() >= 4
    for conflict in conflicts:
        assert conflict.reasons and all(conflict.reasons)
        assert conflict.competing_deal.partner_id != conflict.deal.partner_id
        assert conflict.competing_deal.account_id == conflict.deal.account_id
    queued = Deal.objects.get(queued_behind__isnull=False)
    assert queued.status == DealStatus.UNDER_REVIEW
    assert queued.queued_behind.status == DealStatus.APPROVED
    assert queued.conflicts.filter(competing_deal=queued.queued_behind).exists()


def test_the_demo_has_an_open_dispute_and_a_decided_one(acme):
    disputes = DealDispute.objects.order_by("pk")
    assert [d.status for d in disputes] == [DisputeStatus.OPEN, DisputeStatus.UPHELD]
    for dispute in disputes:
        assert dispute.deal.status == DealStatus.REJECTED
        assert dispute.deal.rejection_reason.code == "duplicate"
        assert dispute.deal.conflicts.filter(warning=False).exists()
    decided = disputes[1]
    assert decided.reason_code and decided.decision_text and decided.decided_at
    # The open one waits for its decider, in the engine's inbox.
    assert Approval.objects.filter(
        run__object_type="deal", run__object_id=str(disputes[0].deal_id), decision=""
    ).exists()


def test_bob_and_carol_have_deals_waiting_and_approved(acme):
    bob = Deal.objects.filter(submitter__email="bob@northwind.example")
    waiting = (DealStatus.SUBMITTED, DealStatus.UNDER_REVIEW)
    assert bob.filter(status__in=waiting).count() >= 3
    assert bob.filter(status=DealStatus.APPROVED).count() >= 2
    assert bob.filter(status=DealStatus.WON).exists()
    carol = Deal.objects.filter(submitter__email="carol@contoso.example")
    assert carol.filter(status__in=waiting).exists()
    assert carol.filter(status=DealStatus.APPROVED).exists()
    # bob sees his company's deals.
    user = User.objects.get(email="bob@northwind.example")
    assert deals_visible_to(user).filter(status__in=waiting).count() >= 3


def test_cams_inbox_has_the_demo_registrations_to_decide(acme):
    cam = User.objects.get(email="cam@acme.example")
    pending = approvals_of(cam).filter(decision="", run__object_type="deal")
    deals = Deal.objects.filter(pk__in=[int(a.run.object_id) for a in pending])
    assert deals.filter(submitter__email="bob@northwind.example").count() >= 2
    assert deals.filter(conflict_count__gt=0).exists()  # one to decide with its conflicts
    assert all(d.status in (DealStatus.SUBMITTED, DealStatus.UNDER_REVIEW) for d in deals)


def test_the_tier_review_proposes_only_the_demos_two_changes(acme):
    proposals = {
        p.display_name: p.tier_review()
        for p in Partner.objects.filter(depth=1, status=PartnerStatus.ACTIVE)
    }
    changes = {name: what for name, what in proposals.items() if what}
    assert sorted(changes.values()) == ["downgrade", "upgrade"], changes
    for partner in Partner.objects.filter(depth=1, status=PartnerStatus.ACTIVE):
        revenue = trailing_revenue(partner)
        assert revenue > 0, partner
        assert (partner.tier.min_trailing_revenue <= revenue) == (
            changes.get(partner.display_name) != "downgrade"
        )


def test_seeding_the_demo_again_adds_no_deals(acme):
    before = (Deal.objects.count(), DealLine.objects.count(), Deal.history.count())
    seed_deals("acme", "admin@acme.example")
    assert (Deal.objects.count(), DealLine.objects.count(), Deal.history.count()) == before


def test_globex_has_a_few_deals_of_its_own(globex):
    deals = Deal.objects.all()
    assert 10 <= deals.count() <= 40
    assert {d.partner.display_name for d in deals} == {"Initech"}
    assert deals.filter(status=DealStatus.WON).exists()
