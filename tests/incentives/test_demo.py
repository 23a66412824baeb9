"""The demo tenant's MDF program (incentives issue, point 10, so far): quarterly programs
over the last 18 months allocated from won revenue, bob's and carol's funds, requests in
every state, a waiting one in the channel manager's inbox, and a ledger whose sums are
every fund's totals."""

from __future__ import annotations

from incentives import ledger
from incentives.models import Fund, MdfProgram, MdfRequest, RequestStatus
from prm.users.models import User
from workflows.models import Approval


def test_acme_has_quarterly_programs_allocated_from_won_revenue(acme):
    programs = list(MdfProgram.objects.order_by("starts_on"))
    assert len(programs) == 7
    assert (programs[-1].starts_on - programs[0].starts_on).days > 540
    allocated = Fund.objects.filter(program__in=programs[:-1], allocated__gt=0)
    assert allocated.values("partner").distinct().count() >= 5
    assert any("% of won revenue" in memo for memo in ledger_memos())
    for program in programs:
        total = sum(f.allocated for f in program.funds.all())
        assert total <= program.budget


def ledger_memos():
    from incentives.models import LedgerEntry

    return LedgerEntry.objects.filter(kind="allocate").values_list("memo", flat=True)


def test_bob_and_carol_each_have_a_fund_in_every_program(acme):
    for email in ("bob@northwind.example", "carol@contoso.example"):
        partner = User.objects.get(email=email).partner_membership.partner
        assert Fund.objects.filter(partner=partner, allocated__gt=0).count() == 7


def test_requests_are_in_every_state_and_one_waits_in_the_channel_managers_inbox(acme):
    states = set(MdfRequest.objects.values_list("status", flat=True))
    assert states == set(RequestStatus.values)
    waiting = MdfRequest.objects.filter(status=RequestStatus.SUBMITTED)
    assert Approval.objects.filter(
        run__object_type="mdfrequest",
        run__object_id__in=[str(pk) for pk in waiting.values_list("pk", flat=True)],
        decided_at__isnull=True,
    ).exists()


def test_every_funds_totals_are_its_ledgers_sums_and_none_is_overdrawn(acme):
    for fund in Fund.objects.all():
        assert ledger.ledger_totals(fund) == {
            "allocated": fund.allocated,
            "committed": fund.committed,
            "payable": fund.payable,
            "paid": fund.paid,
        }
        assert fund.available >= 0


def test_claims_payouts_and_attributions_are_in_every_state_with_real_files(acme):
    import random

    from incentives import demo_claims, roi
    from incentives.models import Attribution, ClaimDocument, MdfClaim, Payout
    from prm.uploads import KINDS, sniff

    assert set(MdfClaim.objects.values_list("status", flat=True)) == {
        "submitted",
        "approved",
        "rejected",
        "withdrawn",
    }
    assert {"pending", "approved", "exported", "paid"} <= set(
        Payout.objects.values_list("status", flat=True)
    )
    # The demo's files are what they say (the storage of the run that seeded the reused
    # test database is gone: the generators are checked instead).
    assert sniff(demo_claims.pdf(["Invoice 1"])) == "pdf"
    assert sniff(demo_claims.png(1)) == "png"
    assert sniff(demo_claims.attendees(random.Random(1), 5)) == "csv"
    documents = ClaimDocument.objects.values_list("file", "content_type")
    assert {KINDS[name.rsplit(".", 1)[1]][1] == kind for name, kind in documents} == {True}
    waiting = MdfClaim.objects.filter(status="submitted").values_list("pk", flat=True)
    assert Approval.objects.filter(
        run__object_type="mdfclaim",
        run__object_id__in=[str(pk) for pk in waiting],
        decided_at__isnull=True,
    ).exists()
    assert {"sourced", "influenced"} == set(Attribution.objects.values_list("kind", flat=True))
    for email in ("bob@northwind.example", "carol@contoso.example"):
        user = User.objects.get(email=email)
        assert Payout.objects.filter(partner=user.partner_membership.partner).exists()
    admin = User.objects.get(email="admin@acme.example")
    rows = roi.roi_rows(admin, by="program")
    assert any(r.spend > 0 and r.sourced_won > 0 and r.roi is not None for r in rows)


def test_acme_has_eur_and_gbp_rates_dated_over_the_last_months_and_a_claim_in_eur(acme):
    import datetime as dt

    from django.utils import timezone

    from incentives.models import ExchangeRate, MdfClaim
    from incentives.rates import rate_on

    today = timezone.localdate()
    dates = {
        code: sorted(
            ExchangeRate.objects.filter(currency=code).values_list("effective_from", flat=True)
        )
        for code in ("EUR", "GBP")
    }
    assert all(len(days) >= 2 for days in dates.values()), dates
    assert all(days[0] < today - dt.timedelta(days=60) for days in dates.values())
    assert rate_on("EUR", today) and rate_on("GBP", today)
    claim = MdfClaim.objects.filter(entered_currency="EUR").first()
    assert claim is not None and claim.exchange_rate and claim.entered_amount
    assert claim.currency == "USD" and claim.invoice_currency == "EUR"
