"""SPIFFs (incentives issue, point 6): versioned rules, rewards accrued once per rule
version, deal line and rep when a deal is won (however often the event is delivered),
within the caps per partner and per rep, reversed (kept) when the deal is reopened within
the policy's window, yearly totals per person against the tax form threshold, and who sees
which rewards (a partner never sees another partner's: 404)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone

from deals import services as deal_services
from deals.models import Deal, DealStatus
from incentives import spiff_scope, spiffs
from incentives.models import (
    RewardKind,
    RewardStatus,
    SpiffPolicy,
    SpiffReward,
    SpiffRuleVersion,
)
from partners.models import Tier
from prm.errors import Conflict, Forbidden, Invalid, NotFound
from prm.outbox.events import event_process
from prm.outbox.models import Event
from prm.users.models import User
from tests.partners.conftest import api_as

D = Decimal
BOB, ALICE, CAROL = "bob@northwind.example", "alice@northwind.example", "carol@contoso.example"


@pytest.fixture
def admin(acme):
    return User.objects.get(email="admin@acme.example")


def person(email: str) -> User:
    return User.objects.get(email=email)


def approved_deal(email: str = BOB, *, lines: int = 2) -> Deal:
    """One of the demo's approved deals of ``email`` with at least ``lines`` lines."""
    return (
        Deal.objects.filter(submitter__email=email, status=DealStatus.APPROVED)
        .annotate(n=Count("lines"))
        .filter(n__gte=lines)
        .order_by("pk")
        .first()
    )


def make_rule(admin, **terms):
    today = timezone.localdate()
    fields = {
        "name": "Test push",
        "starts_on": today - dt.timedelta(days=400),
        "ends_on": today + dt.timedelta(days=30),
        "kind": RewardKind.FIXED,
        "fixed_amount": D("100.00"),
    } | terms
    return spiffs.rule_create(actor=admin, **fields)


def win(deal: Deal, *, closed_on: dt.date | None = None) -> Event:
    """The submitter marks ``deal`` won; its ``deal.won`` event (not yet processed)."""
    deal_services.deal_won(
        actor=deal.submitter, deal=deal, closed_on=closed_on or timezone.localdate()
    )
    return Event.objects.filter(type="deal.won", object_id=str(deal.pk)).latest("created_at")


def rewards_of(version: SpiffRuleVersion, deal: Deal | None = None):
    rewards = SpiffReward.objects.filter(version__rule_id=version.rule_id)
    return rewards.filter(deal=deal) if deal is not None else rewards


# --- rules and versions --------------------------------------------------------------


def test_a_rule_with_bad_terms_is_refused_field_by_field(admin):
    with pytest.raises(Invalid) as refused:
        spiffs.rule_create(
            actor=admin,
            name=" ",
            starts_on=dt.date(2031, 5, 1),
            ends_on=dt.date(2031, 4, 1),
            kind=RewardKind.PERCENT,
            percent=D("120"),
            currency="usd",
            rep_cap=D("-5"),
        )
    assert set(refused.value.message_dict) == {"name", "ends_on", "percent", "currency", "rep_cap"}


def test_only_vendor_admins_set_up_spiffs(admin):
    with pytest.raises(Forbidden):
        make_rule(person("cam@acme.example"))
    with pytest.raises(Forbidden):
        make_rule(person(ALICE))


def test_a_rule_without_accruals_is_changed_in_place(admin):
    version = make_rule(admin)
    changed = spiffs.rule_change(actor=admin, rule=version.rule, fields={"fixed_amount": D(120)})
    assert changed.pk == version.pk and changed.number == 1
    assert changed.fixed_amount == D("120.00")


def test_a_change_of_a_rule_with_accruals_makes_a_new_version_and_closes_the_old(admin):
    version = make_rule(admin)
    deal = approved_deal()
    spiffs.rewards_accrue_for_deal(deal=Deal.objects.get(pk=win(deal).object_id))
    assert rewards_of(version).count() == deal.lines.count()

    new = spiffs.rule_change(actor=admin, rule=version.rule, fields={"fixed_amount": D(150)})

    old = SpiffRuleVersion.objects.get(pk=version.pk)
    assert (new.number, new.fixed_amount, new.active, new.superseded_at) == (2, 150, True, None)
    assert old.superseded_at is not None and not old.active
    assert old.fixed_amount == D("100.00")  # the terms its rewards were accrued under
    assert set(rewards_of(version).values_list("version", flat=True)) == {old.pk}


def test_the_database_keeps_one_open_version_per_rule(admin):
    version = make_rule(admin)
    with pytest.raises(IntegrityError), transaction.atomic():
        SpiffRuleVersion.objects.create(
            rule=version.rule,
            number=2,
            name="Second open",
            starts_on=version.starts_on,
            ends_on=version.ends_on,
            kind=RewardKind.FIXED,
            fixed_amount=D(1),
            currency="USD",
        )


def test_a_closed_rule_accrues_nothing_and_closing_twice_is_refused(admin):
    version = make_rule(admin)
    spiffs.rule_close(actor=admin, rule=version.rule)
    with pytest.raises(Conflict):
        spiffs.rule_close(actor=admin, rule=version.rule)
    deal = approved_deal()
    win(deal)
    assert spiffs.rewards_accrue_for_deal(deal=deal) == []
    closed = SpiffRuleVersion.objects.get(pk=version.pk)
    assert closed.number == 1 and closed.closed_at is not None  # closing is no new version


# --- accruals --------------------------------------------------------------------------


def test_a_won_deal_accrues_once_per_line_under_two_deliveries_of_its_event(admin):
    version = make_rule(admin)
    deal = approved_deal()
    event = win(deal)

    assert event_process(event_id=str(event.pk)) is True
    assert event_process(event_id=str(event.pk)) is False  # redelivered: already processed
    spiffs.deal_won(event)  # a handler run again after a crash before the mark
    spiffs.rewards_accrue_for_deal(deal=deal)

    rewards = rewards_of(version, deal)
    assert rewards.count() == deal.lines.count() >= 2
    assert {r.amount for r in rewards} == {D("100.00")}
    assert {r.rep_id for r in rewards} == {deal.submitter_id}
    assert {r.status for r in rewards} == {RewardStatus.ACCRUED}


def test_the_database_refuses_a_second_reward_for_the_same_version_line_and_rep(admin):
    make_rule(admin)
    deal = approved_deal()
    win(deal)
    reward = spiffs.rewards_accrue_for_deal(deal=deal)[0]
    reward.pk = None
    with pytest.raises(IntegrityError), transaction.atomic():
        reward.save()


def test_a_percentage_is_of_the_lines_share_of_the_final_amount(admin):
    version = make_rule(admin, kind=RewardKind.PERCENT, percent=D("10"), fixed_amount=None)
    deal = approved_deal()
    lines = list(deal.lines.order_by("pk"))
    deal_services.deal_won(
        actor=deal.submitter,
        deal=deal,
        closed_on=timezone.localdate(),
        final_amount=deal.amount / 2,
    )
    spiffs.rewards_accrue_for_deal(deal=deal)
    amounts = dict(rewards_of(version, deal).values_list("line_id", "amount"))
    for line in lines:
        assert amounts[line.pk] == (line.amount / 2 / 10).quantize(D("0.01"))


def test_the_caps_per_partner_and_per_rep_are_never_exceeded(admin):
    deal = approved_deal(lines=2)
    partner_capped = make_rule(admin, name="Partner cap", partner_cap=D("150.00"))
    rep_capped = make_rule(admin, name="Rep cap", rep_cap=D("120.00"))
    win(deal)
    spiffs.rewards_accrue_for_deal(deal=deal)
    assert sorted(rewards_of(partner_capped, deal).values_list("amount", flat=True)) == [
        D("50.00"),
        D("100.00"),
    ]
    assert sorted(rewards_of(rep_capped, deal).values_list("amount", flat=True)) == [
        D("20.00"),
        D("100.00"),
    ]
    # Another deal of the same partner and rep: the caps are used up, nothing more.
    other = (
        Deal.objects.filter(submitter=deal.submitter, status=DealStatus.APPROVED)
        .exclude(pk=deal.pk)
        .first()
    )
    win(other)
    spiffs.rewards_accrue_for_deal(deal=other)
    assert not rewards_of(partner_capped, other).exists()
    assert not rewards_of(rep_capped, other).exists()


def test_a_win_under_two_capped_rules_costs_a_fixed_number_of_queries(admin):
    """Its transaction; the deal, its lines, the open versions (locked) and their tiers;
    per version what was accrued and what its caps leave (one query for both caps); per
    reward a savepoint and its insert."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from incentives.models import SpiffRuleVersion

    SpiffRuleVersion.objects.update(active=False)  # the demo's rules aside
    deal = approved_deal(lines=2)
    make_rule(admin, name="Partner cap", partner_cap=D("150.00"))
    make_rule(admin, name="Both caps", partner_cap=D("500.00"), rep_cap=D("500.00"))
    win(deal)
    with CaptureQueriesContext(connection) as captured:
        created = spiffs.rewards_accrue_for_deal(deal=deal)
    assert len(created) >= 4
    assert len(captured.captured_queries) == 2 + 4 + 2 * 2 + 3 * len(created)


def test_the_caps_count_what_earlier_versions_gave(admin):
    version = make_rule(admin, rep_cap=D("250.00"))
    deal = approved_deal(lines=2)
    win(deal)
    spiffs.rewards_accrue_for_deal(deal=deal)  # 200 under version 1
    spiffs.rule_change(actor=admin, rule=version.rule, fields={"name": "Test push, extended"})
    other = (
        Deal.objects.filter(submitter=deal.submitter, status=DealStatus.APPROVED)
        .exclude(pk=deal.pk)
        .first()
    )
    win(other)
    spiffs.rewards_accrue_for_deal(deal=other)
    assert sum(rewards_of(version).values_list("amount", flat=True)) == D("250.00")


def test_a_line_that_earned_under_a_version_earns_nothing_again_under_the_next(admin):
    version = make_rule(admin)
    deal = approved_deal()
    event = win(deal)
    spiffs.deal_won(event)
    spiffs.rule_change(actor=admin, rule=version.rule, fields={"fixed_amount": D(300)})
    spiffs.deal_won(event)  # the event delivered again after the change
    assert rewards_of(version, deal).count() == deal.lines.count()
    assert set(rewards_of(version, deal).values_list("amount", flat=True)) == {D("100.00")}


def test_only_deals_won_in_the_period_of_the_rules_tiers_and_product_line_accrue(admin):
    deal = approved_deal()
    today = timezone.localdate()
    tier = deal.partner.tier
    other_tier = Tier.objects.exclude(pk=tier.pk).first()
    line = deal.lines.first().product.line
    later = make_rule(admin, name="Later", starts_on=today + dt.timedelta(days=1))
    other_tiers = make_rule(admin, name="Other tier", tiers=[other_tier])
    own_tier = make_rule(admin, name="Own tier", tiers=[tier], product_line=line)
    win(deal)
    spiffs.rewards_accrue_for_deal(deal=deal)
    assert not rewards_of(later, deal).exists()
    assert not rewards_of(other_tiers, deal).exists()
    expected = deal.lines.filter(product__line=line).count()
    assert rewards_of(own_tier, deal).count() == expected >= 1


def test_a_deal_reopened_before_the_handler_runs_accrues_nothing(admin):
    version = make_rule(admin)
    deal = approved_deal()
    event = win(deal)
    deal_services.deal_reopen(actor=admin, deal=deal, reason="Entered by mistake")
    spiffs.deal_won(event)
    assert not rewards_of(version, deal).exists()


# --- reversals ---------------------------------------------------------------------------


def reopen(admin, deal: Deal) -> Event:
    deal_services.deal_reopen(actor=admin, deal=deal, reason="The customer cancelled")
    return Event.objects.filter(type="deal.reopened", object_id=str(deal.pk)).latest("created_at")


def test_a_deal_reopened_within_the_window_has_its_rewards_reversed_and_kept(admin):
    version = make_rule(admin)
    deal = approved_deal()
    event_process(event_id=str(win(deal).pk))
    event = reopen(admin, deal)
    assert event_process(event_id=str(event.pk)) is True
    spiffs.deal_reopened(event)  # again: nothing more happens

    rewards = rewards_of(version, deal)
    assert rewards.count() == deal.lines.count()  # kept, never deleted
    for reward in rewards:
        assert reward.status == RewardStatus.REVERSED
        assert reward.reversed_at is not None
        assert reward.reversal_reason == "The deal was reopened: The customer cancelled"


def test_a_deal_reopened_after_the_window_keeps_its_rewards(admin):
    version = make_rule(admin)
    deal = approved_deal()
    won_on = timezone.localdate() - dt.timedelta(days=SpiffPolicy.current().reversal_days + 5)
    win(deal, closed_on=won_on)
    at = timezone.make_aware(dt.datetime.combine(won_on, dt.time(12)))
    spiffs.rewards_accrue_for_deal(deal=deal, at=at)
    event_process(event_id=str(reopen(admin, deal).pk))
    assert set(rewards_of(version, deal).values_list("status", flat=True)) == {RewardStatus.ACCRUED}


def test_the_window_is_the_tenants_policy(admin):
    spiffs.policy_set(actor=admin, reversal_days=10, tax_form_threshold=D("600"))
    version = make_rule(admin)
    deal = approved_deal()
    win(deal, closed_on=timezone.localdate() - dt.timedelta(days=12))
    at = timezone.now() - dt.timedelta(days=12)
    spiffs.rewards_accrue_for_deal(deal=deal, at=at)
    reopen(admin, deal)
    assert spiffs.rewards_reverse_for_deal(deal=deal, reason="late") == []
    assert rewards_of(version, deal).filter(status=RewardStatus.ACCRUED).count() == (
        deal.lines.count()
    )


def test_a_backdated_win_is_reversible_for_the_window_after_it_was_recorded(admin):
    version = make_rule(admin)
    deal = approved_deal()
    win(deal, closed_on=timezone.localdate() - dt.timedelta(days=200))
    spiffs.rewards_accrue_for_deal(deal=deal)  # recorded today
    event_process(event_id=str(reopen(admin, deal).pk))
    assert set(rewards_of(version, deal).values_list("status", flat=True)) == {
        RewardStatus.REVERSED
    }


# --- yearly totals -----------------------------------------------------------------------


def test_each_persons_yearly_total_counts_earned_rewards_against_the_threshold(admin):
    spiffs.policy_set(actor=admin, reversal_days=90, tax_form_threshold=D("250"))
    make_rule(admin, name="Big", fixed_amount=D("200.00"))
    bob = person(BOB)
    year = timezone.localdate().year
    before = {t.rep_id: t.total for t in spiff_scope.yearly_totals(admin, year)}.get(bob.pk, 0)
    deal = approved_deal()
    win(deal)
    spiffs.rewards_accrue_for_deal(deal=deal)
    [total] = spiff_scope.yearly_totals(bob, year)
    assert total.rep_id == bob.pk
    assert total.total == before + 200 * deal.lines.count()
    assert total.threshold == D("250.00") and total.reaches_threshold is True
    # Reversed rewards do not count.
    event_process(event_id=str(reopen(admin, deal).pk))
    [after] = spiff_scope.yearly_totals(bob, year)
    assert after.total == before


# --- scope -------------------------------------------------------------------------------


def test_a_partner_user_sees_their_own_rewards_and_their_admin_their_partners(acme):
    bob, alice, carol = person(BOB), person(ALICE), person(CAROL)
    assert set(spiff_scope.rewards_visible_to(bob).values_list("rep", flat=True)) == {bob.pk}
    northwind = set(spiff_scope.rewards_visible_to(alice).values_list("partner", flat=True))
    assert northwind == {alice.partner_membership.partner_id}
    assert not spiff_scope.rewards_visible_to(carol).filter(rep=bob).exists()
    assert spiff_scope.rewards_visible_to(person("admin@acme.example")).count() == (
        SpiffReward.objects.count()
    )


def test_a_partner_never_sees_another_partners_reward_it_is_a_404(acme):
    bobs = SpiffReward.objects.filter(rep__email=BOB).first()
    with pytest.raises(NotFound):
        spiff_scope.get_reward_for(person(CAROL), bobs.pk)
    assert api_as(person(CAROL)).get(f"/api/v1/rewards/{bobs.pk}/").status_code == 404
    assert api_as(person(BOB)).get(f"/api/v1/rewards/{bobs.pk}/").status_code == 200


def test_partners_see_the_rules_of_their_tier_only(admin):
    carol = person(CAROL)
    tier = carol.partner_membership.partner.tier
    other = Tier.objects.exclude(pk=tier.pk).first()
    theirs = make_rule(admin, name="Theirs", tiers=[tier])
    not_theirs = make_rule(admin, name="Not theirs", tiers=[other])
    visible = spiff_scope.rules_visible_to(carol)
    assert visible.filter(pk=theirs.rule_id).exists()
    assert not visible.filter(pk=not_theirs.rule_id).exists()
    assert api_as(carol).get(f"/api/v1/spiffs/{not_theirs.rule_id}/").status_code == 404


# --- API ---------------------------------------------------------------------------------


def test_a_vendor_admin_adds_a_spiff_and_a_patch_after_accruals_makes_a_new_version(admin):
    client = api_as(admin)
    today = timezone.localdate()
    created = client.post(
        "/api/v1/spiffs/",
        {
            "name": "API push",
            "starts_on": str(today - dt.timedelta(days=30)),
            "ends_on": str(today + dt.timedelta(days=30)),
            "kind": "fixed",
            "fixed_amount": "75.00",
            "tiers": [],
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    rule_id = created.json()["id"]
    assert created.json()["current"]["number"] == 1
    renamed = client.patch(f"/api/v1/spiffs/{rule_id}/", {"name": "API push!"}, format="json")
    assert renamed.json()["current"]["number"] == 1  # nothing accrued: in place
    deal = approved_deal()
    win(deal)
    spiffs.rewards_accrue_for_deal(deal=deal)
    changed = client.patch(f"/api/v1/spiffs/{rule_id}/", {"fixed_amount": "90"}, format="json")
    assert changed.status_code == 200
    body = changed.json()
    assert body["current"]["number"] == 2 and body["current"]["fixed_amount"] == "90.00"
    assert [v["number"] for v in body["versions"]] == [2, 1]
    assert body["versions"][1]["superseded_at"] is not None
    closed = client.post(f"/api/v1/spiffs/{rule_id}/close/")
    assert closed.status_code == 200 and closed.json()["current"]["active"] is False


def test_only_vendor_admins_write_spiffs_through_the_api_and_bad_terms_are_a_400(admin):
    for email in ("cam@acme.example", BOB):
        refused = api_as(person(email)).post("/api/v1/spiffs/", {"name": "x"}, format="json")
        assert refused.status_code == 403
    bad = api_as(admin).post(
        "/api/v1/spiffs/",
        {"name": "Bad", "starts_on": "2031-05-01", "ends_on": "2031-04-01", "kind": "fixed"},
        format="json",
    )
    assert bad.status_code == 400
    assert set(bad.json()["fields"]) == {"ends_on", "fixed_amount"}


def test_the_rewards_api_filters_by_rep_status_and_year_and_refuses_bad_filters(acme):
    admin = person("admin@acme.example")
    bob = person(BOB)
    reward = SpiffReward.objects.filter(rep=bob).first()
    client = api_as(admin)
    rows = client.get(
        "/api/v1/rewards/",
        {"rep": bob.pk, "status": reward.status, "year": reward.won_on.year, "page_size": 200},
    ).json()["results"]
    assert rows and {r["rep"]["id"] for r in rows} == {bob.pk}
    assert reward.pk in {r["id"] for r in rows}
    bad = client.get("/api/v1/rewards/", {"year": "last", "status": "lost"})
    assert bad.status_code == 400 and set(bad.json()["fields"]) == {"year", "status"}


def test_the_totals_api_gives_a_partner_user_their_own_total_only(acme):
    bob = person(BOB)
    year = SpiffReward.objects.filter(rep=bob).first().won_on.year
    totals = api_as(bob).get("/api/v1/rewards/totals/", {"year": year}).json()
    assert [t["rep"] for t in totals] == [bob.pk]
    assert D(totals[0]["threshold"]) == SpiffPolicy.current().tax_form_threshold


# --- pages -------------------------------------------------------------------------------


def browser_as(user):
    from django.test import Client

    from tests.conftest import ACME_HOST

    client = Client(HTTP_HOST=ACME_HOST)
    client.force_login(user)
    return client


def test_my_rewards_shows_bobs_rewards_and_his_yearly_total_with_what_it_means_for_tax(acme):
    bob = person(BOB)
    reward = SpiffReward.objects.filter(rep=bob).select_related("deal").first()
    page = browser_as(bob).get("/rewards/", {"year": reward.won_on.year})
    assert page.status_code == 200
    html = page.content.decode()
    assert reward.deal.name in html
    assert 'data-testid="tax-sentence"' in html and "tax form" in html
    carols = SpiffReward.objects.filter(rep__email=CAROL).select_related("deal").first()
    assert carols.deal.name not in html


def test_partners_get_a_404_on_the_vendor_spiff_pages(acme):
    client = browser_as(person(ALICE))
    rule = SpiffRuleVersion.objects.first().rule_id
    for url in ("/spiffs/", "/spiffs/new/", f"/spiffs/{rule}/change/"):
        assert client.get(url).status_code == 404
    assert client.post(f"/spiffs/{rule}/close/").status_code == 404


def test_the_change_form_says_a_rule_with_rewards_gets_a_new_version(admin):
    changed = SpiffRuleVersion.objects.filter(superseded_at__isnull=True, rewards__isnull=False)
    version = changed.distinct().first()
    page = browser_as(admin).get(f"/spiffs/{version.rule_id}/change/").content.decode()
    assert f"Save as version {version.number + 1}" in page
    listing = browser_as(admin).get("/spiffs/").content.decode()
    assert 'data-testid="spiff-versions"' in listing  # the demo's changed rule


def test_a_bad_spiff_form_shows_each_error_beside_its_field_and_adds_nothing(admin):
    before = SpiffRuleVersion.objects.count()
    page = browser_as(admin).post(
        "/spiffs/new/",
        {
            "name": "",
            "starts_on": "2031-05-01",
            "ends_on": "2031-04-01",
            "kind": "percent",
            "percent": "abc",
            "currency": "USD",
        },
    )
    assert page.status_code == 400
    form = page.context["form"]
    assert {"percent"} <= set(form.errors)
    again = browser_as(admin).post(
        "/spiffs/new/",
        {
            "name": "",
            "starts_on": "2031-05-01",
            "ends_on": "2031-04-01",
            "kind": "percent",
            "percent": "2.5",
            "currency": "USD",
        },
    )
    assert set(again.context["form"].errors) == {"name", "ends_on"}
    assert SpiffRuleVersion.objects.count() == before


def test_the_vendor_rewards_page_lists_rewards_with_each_reps_yearly_total(admin):
    reward = SpiffReward.objects.select_related("rep").first()
    page = browser_as(admin).get("/spiffs/rewards/", {"year": reward.won_on.year})
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="rep-total"' in html
    assert (reward.rep.full_name or reward.rep.email) in html


def test_the_database_refuses_to_delete_a_reward(admin):
    make_rule(admin)
    deal = approved_deal()
    win(deal)
    reward = spiffs.rewards_accrue_for_deal(deal=deal)[0]
    with pytest.raises(Exception, match="refused"), transaction.atomic():
        SpiffReward.objects.filter(pk=reward.pk).delete()
    assert SpiffReward.objects.filter(pk=reward.pk).exists()


def test_a_change_that_only_closes_or_reopens_a_rule_with_rewards_is_no_new_version(admin):
    version = make_rule(admin)
    deal = approved_deal()
    win(deal)
    spiffs.rewards_accrue_for_deal(deal=deal)
    closed = spiffs.rule_change(actor=admin, rule=version.rule, fields={"active": False})
    assert (closed.pk, closed.active) == (version.pk, False) and closed.closed_at is not None
    reopened = spiffs.rule_change(actor=admin, rule=version.rule, fields={"active": True})
    assert (reopened.pk, reopened.active, reopened.closed_at) == (version.pk, True, None)
    same = spiffs.rule_change(actor=admin, rule=version.rule, fields={"currency": ""})
    assert same.pk == version.pk and same.currency == version.currency  # empty: the program's


def test_a_channel_manager_reads_the_spiffs_without_the_actions_that_change_them(acme):
    page = browser_as(person("cam@acme.example")).get("/spiffs/").content.decode()
    assert 'data-testid="spiff-rule"' in page
    assert "New SPIFF" not in page and "Save the policy" not in page and ">Change<" not in page
    assert browser_as(person("cam@acme.example")).get("/spiffs/new/").status_code == 404


# --- payouts of rewards -------------------------------------------------------------------


def test_rewards_past_their_window_are_paid_through_a_payout_of_their_rep(admin):
    from incentives import payouts
    from incentives.models import Payout
    from incentives.scope import payouts_visible_to

    finance = person("finance@acme.example")
    version = make_rule(admin, name="Paid push")
    deal = approved_deal()
    closed = timezone.localdate() - dt.timedelta(days=120)
    deal_services.deal_won(actor=deal.submitter, deal=deal, closed_on=closed)
    at = timezone.make_aware(dt.datetime.combine(closed, dt.time(12)))
    spiffs.rewards_accrue_for_deal(deal=Deal.objects.get(pk=deal.pk), at=at)
    earned = list(rewards_of(version, deal))
    assert earned and all(r.payout_id is None for r in earned)
    recent = make_rule(admin, name="Recent push")
    fresh = approved_deal(lines=1)
    spiffs.rewards_accrue_for_deal(deal=Deal.objects.get(pk=win(fresh).object_id))

    made = payouts.spiff_payouts_create(actor=finance)
    [payout] = {r.payout for r in rewards_of(version, deal)}
    assert payout in made and (payout.kind, payout.payee) == ("spiff", deal.submitter)
    assert payout.amount >= sum(r.amount for r in earned)
    assert all(r.payout_id is None for r in rewards_of(recent))  # still reversible: not yet
    assert payouts_visible_to(person(BOB)).filter(pk=payout.pk).exists()
    assert not payouts_visible_to(person(CAROL)).filter(pk=payout.pk).exists()
    with pytest.raises(Forbidden):
        payouts.spiff_payouts_create(actor=person("cam@acme.example"))

    payouts.payouts_approve(actor=finance, payouts=[payout])
    payouts.payouts_export(actor=finance, payouts=[payout])
    payouts.payouts_mark_paid(actor=finance, payouts=[payout], reference="SPIFF-T")
    payout.refresh_from_db()
    assert payout.pay_entry is None  # SPIFF money is not MDF money: no ledger entry
    assert {r.status for r in rewards_of(version, deal)} == {"paid"}
    payouts.payout_reverse(actor=finance, payout=payout, memo="Returned by the bank")
    [again] = {r.payout for r in rewards_of(version, deal)}
    assert again != payout and again.status == "pending"
    assert {r.status for r in rewards_of(version, deal)} == {"accrued"}
    assert Payout.objects.get(pk=payout.pk).status == "reversed"
