"""Payouts (incentives issue, point 5): pending -> approved -> exported -> paid | failed;
finance exports a batch as CSV, marks payouts paid one by one, in bulk or from the payment
confirmation file (all rows or none); paying posts the ledger's entry; nothing is deleted
after export; a paid payout is undone only by a reversing entry, and the claim is owed
again through a new payout."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.db.models import ProtectedError

from incentives import ledger, payouts, scope
from incentives.claims import claim_approve, claim_file
from incentives.models import LedgerEntry, Payout, PayoutStatus
from prm.errors import Forbidden, IllegalTransition, Invalid, NotFound
from tests.incentives.test_claims import approved, cash, finance_user, invoice, proofs
from tests.incentives.test_requests import funds

__all__ = ["approved", "funds"]  # the fixtures, imported for these tests

D = Decimal
S = PayoutStatus


@pytest.fixture
def world(module_world):
    return module_world


@pytest.fixture
def finance(world):
    return finance_user(world)


@pytest.fixture
def owed(world, approved) -> list[Payout]:
    """Two approved claims of bob's roadshow (1,000 and 500): two payouts waiting."""
    made = []
    for number, amount in (("R-1", "1000"), ("R-2", "500")):
        claim = claim_file(
            actor=world.bob,
            request=approved,
            amount=cash(amount),
            files=proofs(),
            **invoice(invoice_number=number),
        )
        claim_approve(actor=world.cam_emea, claim=claim)
        made.append(Payout.objects.get(claim=claim))
    return made


def figures(payout: Payout) -> tuple[Decimal, Decimal, Decimal]:
    fund = payout.fund
    fund.refresh_from_db()
    return fund.committed, fund.payable, fund.paid


def test_finance_approves_exports_and_marks_paid_in_bulk_and_the_ledger_follows(
    world, finance, owed
):
    assert figures(owed[0]) == (D("1500"), D("1500"), 0)
    payouts.payouts_approve(actor=finance, payouts=owed)
    batch = payouts.payouts_export(actor=finance, payouts=owed)
    rows = list(csv.DictReader(io.StringIO(payouts.batch_csv(batch))))
    assert [(r["Payout"], r["Amount"], r["Invoice number"]) for r in rows] == [
        (owed[0].number, "1000.00", "R-1"),
        (owed[1].number, "500.00", "R-2"),
    ]
    assert {r["Status"] for r in rows} == {"Sent to accounts payable"}
    paid = payouts.payouts_mark_paid(actor=finance, payouts=owed, reference="SEPA-2026-11-30")
    assert {p.status for p in paid} == {S.PAID}
    assert figures(owed[0]) == (D("1500"), 0, D("1500"))
    totals = ledger.ledger_totals(owed[0].fund)
    assert (totals["payable"], totals["paid"]) == (0, D("1500"))
    assert LedgerEntry.objects.filter(kind="pay", reference=owed[0].reference).count() == 1
    # The batch's file now says they are paid, with the reference.
    again = list(csv.DictReader(io.StringIO(payouts.batch_csv(batch))))
    assert {(r["Status"], r["Payment reference"]) for r in again} == {("Paid", "SEPA-2026-11-30")}
    with pytest.raises(ProtectedError):  # nothing is deleted after export
        batch.delete()


def test_a_payout_moves_only_along_its_lifecycle_and_a_bulk_action_is_all_or_none(
    world, finance, owed
):
    with pytest.raises(IllegalTransition):  # not approved yet
        payouts.payouts_export(actor=finance, payouts=owed)
    payouts.payouts_approve(actor=finance, payouts=owed[:1])
    with pytest.raises(IllegalTransition):  # the second one is still waiting
        payouts.payouts_export(actor=finance, payouts=owed)
    assert {p.status for p in Payout.objects.filter(pk__in=[o.pk for o in owed])} == {
        S.APPROVED,
        S.PENDING,
    }
    with pytest.raises(Invalid):
        payouts.payouts_mark_paid(actor=finance, payouts=owed, reference=" ")
    with pytest.raises(Forbidden):
        payouts.payouts_approve(actor=world.cam_emea, payouts=owed)
    with pytest.raises(Invalid):
        payouts.payouts_approve(actor=finance, payouts=[])


def test_a_failed_payment_is_sent_again_and_a_reversed_one_is_owed_again(world, finance, owed):
    payout = owed[0]
    payouts.payouts_approve(actor=finance, payouts=[payout])
    payouts.payouts_export(actor=finance, payouts=[payout])
    with pytest.raises(Invalid):
        payouts.payout_fail(actor=finance, payout=payout, reason="")
    payouts.payout_fail(actor=finance, payout=payout, reason="IBAN closed")
    payouts.payouts_approve(actor=finance, payouts=[payout])
    payouts.payouts_export(actor=finance, payouts=[payout])
    payouts.payouts_mark_paid(actor=finance, payouts=[payout], reference="WIRE-77")
    assert figures(payout) == (D("1500"), D("500"), D("1000"))

    payouts.payout_reverse(actor=finance, payout=payout, memo="Returned by the bank")
    payout.refresh_from_db()
    assert payout.status == S.REVERSED
    assert figures(payout) == (D("1500"), D("1500"), 0)  # owed again
    [new] = Payout.objects.filter(claim=payout.claim, status=S.PENDING)
    assert new.amount == payout.amount
    assert ledger.ledger_totals(payout.fund)["paid"] == 0
    with pytest.raises(IllegalTransition):
        payouts.payout_reverse(actor=finance, payout=payout, memo="twice")


def exported(finance, owed) -> None:
    payouts.payouts_approve(actor=finance, payouts=owed)
    payouts.payouts_export(actor=finance, payouts=owed)


def test_the_payment_confirmation_file_with_an_error_applies_nothing(world, finance, owed):
    exported(finance, owed)
    text = (
        "Payout,Payment reference,Paid on,Status,Reason\n"
        f"{owed[0].number},BANK-1,2026-11-30,paid,\n"
        "P999999,BANK-2,2026-11-30,paid,\n"
        f"{owed[1].pk},,2026-11-30,paid,\n"
    )
    report = payouts.payouts_confirm(
        actor=finance, text=text, visible=scope.payouts_visible_to(finance)
    )
    assert [n for n, _ in report.errors] == [2, 3]
    assert "No payout P999999" in report.errors[0][1]
    assert "reference" in report.errors[1][1]
    assert (report.paid, report.failed) == (0, 0)
    assert {p.status for p in Payout.objects.filter(pk__in=[o.pk for o in owed])} == {S.EXPORTED}
    assert figures(owed[0])[2] == 0


def test_the_payment_confirmation_file_pays_and_fails_its_rows(world, finance, owed):
    exported(finance, owed)
    text = (
        "Payout,Payment reference,Paid on,Status,Reason\n"
        f"{owed[0].number},BANK-1,30.11.2026,paid,\n"
        f"{owed[1].number},,,failed,Account closed\n"
    )
    report = payouts.payouts_confirm(
        actor=finance, text=text, visible=scope.payouts_visible_to(finance)
    )
    assert (report.paid, report.failed, report.errors) == (1, 1, [])
    owed[0].refresh_from_db(), owed[1].refresh_from_db()
    assert (owed[0].status, owed[0].payment_reference, str(owed[0].paid_on)) == (
        S.PAID,
        "BANK-1",
        "2026-11-30",
    )
    assert (owed[1].status, owed[1].failure_reason) == (S.FAILED, "Account closed")
    with pytest.raises(Invalid):
        payouts.payouts_confirm(
            actor=finance, text="Name,Amount\nx,1\n", visible=scope.payouts_visible_to(finance)
        )


def test_a_partner_sees_only_its_own_payouts(world, owed):
    assert set(scope.payouts_visible_to(world.bob)) == set(owed)
    assert not scope.payouts_visible_to(world.carol).exists()
    with pytest.raises(NotFound):
        scope.get_payout_for(world.carol, owed[0].pk)
    with pytest.raises(NotFound):
        scope.get_claim_for(world.carol, owed[0].claim_id)
    assert scope.get_claim_for(world.bob, owed[0].claim_id) == owed[0].claim
