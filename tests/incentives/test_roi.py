"""ROI (incentives issue, point 7): a deal registered with an activity's campaign code is
sourced by it; the channel manager attributes others as sourced or influenced; the figures
per activity, program and partner follow the claims and deals on the next read: spend,
leads, sourced and influenced pipeline apart, won revenue, ROI and cost per lead."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from deals import services as deal_services
from deals.services import LineIn
from incentives import roi
from incentives.claims import claim_approve, claim_file
from incentives.models import Attribution
from prm.errors import Conflict, Forbidden, Invalid
from prm.tenancy.context import current_tenant
from tests.deals.conftest import make_account
from tests.deals.test_deals import close_date, shop
from tests.incentives.test_claims import approved, cash, invoice, proofs
from tests.incentives.test_requests import funds

__all__ = ["approved", "funds", "shop"]  # the fixtures, imported for these tests

D = Decimal


@pytest.fixture
def world(module_world):
    return module_world


def deal(world, shop, name: str, amount: str, code: str = "", customer: str = ""):
    account = make_account(world.admin, customer or f"{name} AG", "DE", [])
    return deal_services.deal_create(
        actor=world.bob,
        account=account,
        name=name,
        lines=[LineIn(shop.fw, 1, D(amount))],
        currency=current_tenant().currency,
        expected_close_date=close_date(),
        campaign_code=code,
    )


def submit(world, d, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return deal_services.deal_submit(actor=world.bob, deal=d)


def test_a_deal_with_the_campaign_code_is_sourced_and_the_figures_follow(
    world, shop, approved, django_capture_on_commit_callbacks
):
    claim = claim_file(
        actor=world.bob, request=approved, amount=cash("2000"), files=proofs(), **invoice()
    )
    claim_approve(actor=world.cam_emea, claim=claim)
    sourced = submit(
        world,
        deal(world, shop, "Roadshow lead", "40000", "rs-muc-27"),
        django_capture_on_commit_callbacks,
    )
    [attribution] = Attribution.objects.filter(deal=sourced)
    assert (attribution.request, attribution.kind, attribution.source) == (
        approved,
        "sourced",
        "campaign_code",
    )
    other = submit(
        world, deal(world, shop, "Old opportunity", "10000"), django_capture_on_commit_callbacks
    )
    assert not Attribution.objects.filter(deal=other).exists()
    roi.attribution_set(actor=world.cam_emea, deal=other, request=approved, kind="influenced")

    [row] = roi.roi_rows(world.cam_emea, by="activity")
    assert (row.key, row.label, row.spend, row.leads) == (
        approved.pk,
        approved.title,
        D("2000"),
        35,
    )
    assert (row.sourced_pipeline, row.influenced_pipeline) == (D("40000"), D("10000"))
    assert (row.sourced_won, row.roi, row.cost_per_lead) == (0, D("-1.00"), D("57.14"))

    sourced.refresh_from_db()
    assert sourced.status == "approved"  # a clean deal of a Gold partner (default workflow)
    with django_capture_on_commit_callbacks(execute=True):  # deal.won's outbox handler
        deal_services.deal_won(actor=world.bob, deal=sourced, closed_on=timezone.localdate())
    [row] = roi.roi_rows(world.cam_emea, by="program")
    assert (row.key, row.sourced_won, row.influenced_won) == (
        approved.fund.program_id,
        D("40000"),
        0,
    )
    assert row.roi == D("19.00")  # (40,000 - 2,000) / 2,000
    [by_partner] = roi.roi_rows(world.bob, by="partner")
    assert (by_partner.label, by_partner.sourced_won) == (world.berlin.display_name, D("40000"))
    assert roi.roi_rows(world.carol) == []


def test_an_attribution_is_checked_and_a_deal_has_one_source(
    world, shop, approved, funds, django_capture_on_commit_callbacks
):
    d = submit(
        world, deal(world, shop, "Sourced", "5000", "RS-MUC-27"), django_capture_on_commit_callbacks
    )
    with pytest.raises(Forbidden):
        roi.attribution_set(actor=world.bob, deal=d, request=approved, kind="influenced")
    with pytest.raises(Invalid):
        roi.attribution_set(actor=world.cam_emea, deal=d, request=approved, kind="maybe")
    # The handler running again (a redelivered event) attributes nothing twice.
    from prm.outbox.models import Event

    event = Event.objects.filter(type="deal.submitted", object_id=str(d.pk)).latest("created_at")
    roi.attribution_by_campaign_code(event)
    assert Attribution.objects.filter(deal=d).count() == 1
    # Another approved activity of the partner cannot source it too.
    from incentives.requests import mdf_request_approve, mdf_request_create
    from tests.incentives.test_requests import fields

    second = mdf_request_create(
        actor=world.bob, fund=funds["bob"], **fields(title="Webinar", requested_amount=D("500"))
    )
    second = mdf_request_approve(actor=world.cam_emea, request=second)
    with pytest.raises(Conflict) as refused:
        roi.attribution_set(actor=world.cam_emea, deal=d, request=second, kind="sourced")
    assert refused.value.error_code == "already_sourced"
    roi.attribution_set(actor=world.cam_emea, deal=d, request=second, kind="influenced")
    assert Attribution.objects.filter(deal=d).count() == 2


@pytest.mark.parametrize("by", ["activity", "program", "partner"])
def test_the_figures_cost_the_scope_and_one_grouped_query_whatever_the_activities(
    world, shop, approved, funds, by, django_assert_num_queries
):
    from incentives.requests import mdf_request_approve, mdf_request_create
    from prm.users.models import User
    from tests.incentives.test_requests import fields

    for n in range(3):  # more activities, claimed and not: no query more
        asked = fields(title=f"Webinar {n}", requested_amount=D("100"))
        more = mdf_request_create(actor=world.bob, fund=funds["bob"], **asked)
        mdf_request_approve(actor=world.cam_emea, request=more)
    claim = claim_file(
        actor=world.bob, request=approved, amount=cash("2000"), files=proofs(), **invoice()
    )
    claim_approve(actor=world.cam_emea, claim=claim)
    cam = User.objects.get(pk=world.cam_emea.pk)  # its scope not yet read
    # The channel manager's memberships (his scope), then the activities with their names
    # and their stored figures in one grouped read (never one row per request: no ordering
    # in its grouping); the claims and the deals are not read at all.
    with django_assert_num_queries(2) as captured:
        rows = roi.roi_rows(cam, by=by)
    assert D("2000") in {r.spend for r in rows}
    assert all("ORDER BY" not in q["sql"] for q in captured.captured_queries[1:])
    assert all("deals_deal" not in q["sql"] for q in captured.captured_queries)


def test_the_stored_figures_follow_claims_attributions_and_deal_events(
    world, shop, approved, django_capture_on_commit_callbacks
):
    from incentives.figures import figures_refresh
    from incentives.models import ActivityFigures

    def stored():
        return (
            ActivityFigures.objects.filter(request=approved)
            .values("spend", "leads", "sourced_pipeline", "sourced_won", "influenced_pipeline")
            .first()
        )

    claim = claim_file(
        actor=world.bob, request=approved, amount=cash("1000"), files=proofs(), **invoice()
    )
    claim_approve(actor=world.cam_emea, claim=claim)
    assert stored()["spend"] == D("1000") and stored()["leads"] == 35
    on_commit = django_capture_on_commit_callbacks
    d = submit(world, deal(world, shop, "Figures deal", "30000", "RS-MUC-27"), on_commit)
    assert stored()["sourced_pipeline"] == D("30000")
    with on_commit(execute=True):  # the outbox handler of deal.won refreshes the figures
        deal_services.deal_won(actor=world.bob, deal=d, closed_on=timezone.localdate())
    assert stored()["sourced_won"] == D("30000")
    other = submit(world, deal(world, shop, "Influenced deal", "5000"), on_commit)
    attribution = roi.attribution_set(
        actor=world.cam_emea, deal=other, request=approved, kind="influenced"
    )
    assert stored()["influenced_pipeline"] == D("5000")
    roi.attribution_remove(actor=world.cam_emea, attribution=attribution)
    assert stored()["influenced_pipeline"] == 0
    kept = stored()
    figures_refresh()  # recomputed from scratch: the same
    assert stored() == kept


def test_an_activity_counts_from_its_approval_until_it_is_cancelled(world, funds):
    """Approved and not yet claimed, an activity is a row of zeros with its keys; once
    cancelled it leaves the figures (and the pages)."""
    from incentives.models import ActivityFigures
    from incentives.requests import mdf_request_approve, mdf_request_cancel, mdf_request_create
    from tests.incentives.test_requests import fields

    waiting = mdf_request_create(actor=world.bob, fund=funds["bob"], **fields(title="Webinar"))
    assert not ActivityFigures.objects.filter(request=waiting).exists()
    activity = mdf_request_approve(actor=world.cam_emea, request=waiting)
    stored = ActivityFigures.objects.get(request=activity)
    assert (stored.fund, stored.partner, stored.program_id, stored.currency) == (
        funds["bob"],
        world.berlin,
        funds["bob"].program_id,
        activity.currency,
    )
    [row] = [r for r in roi.roi_rows(world.cam_emea, by="activity") if r.key == activity.pk]
    assert (row.label, row.spend, row.roi) == ("Webinar", 0, None)
    mdf_request_cancel(actor=world.bob, request=activity, reason="The venue fell through")
    assert not ActivityFigures.objects.filter(request=activity).exists()
    assert activity.pk not in {r.key for r in roi.roi_rows(world.cam_emea, by="activity")}
