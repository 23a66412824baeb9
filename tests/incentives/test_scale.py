"""The MDF scale data of the benchmark (``seed_scale --claims N``, incentives.scale): bulk
rows that keep the ledger's rules (each fund's totals are its entries' sums, the CHECK
constraints hold), payouts in every state, and added once."""

from __future__ import annotations

import pytest
from django.db.models import Sum

from incentives import scale
from incentives.ledger import ledger_totals
from incentives.models import ClaimDocument, Fund, MdfClaim, MdfProgram, Payout
from prm.tenancy.management.commands.seed_scale import copy_rows


@pytest.fixture
def world(module_world):
    return module_world


def test_the_scale_data_keeps_the_ledger_and_is_added_once(world):
    scale.add_claims(400, copy_rows)

    programs = MdfProgram.objects.filter(name__startswith=scale.PREFIX)
    assert programs.count() == scale.PROGRAMS
    funds = Fund.objects.filter(program__in=programs)
    for fund in funds:
        assert ledger_totals(fund) == {
            "allocated": fund.allocated,
            "committed": fund.committed,
            "payable": fund.payable,
            "paid": fund.paid,
        }
        assert fund.available >= 0
    for program in programs:
        assert program.budget == funds.filter(program=program).aggregate(s=Sum("allocated"))["s"]
    claims = MdfClaim.objects.filter(fund__in=funds)
    assert claims.count() == 400
    assert ClaimDocument.objects.filter(claim__in=claims).count() == 400
    states = set(Payout.objects.filter(fund__in=funds).values_list("status", flat=True))
    assert {"pending", "paid", "exported"} <= states
    for payout in Payout.objects.filter(fund__in=funds, status="paid"):
        assert payout.pay_entry.reference == payout.reference

    scale.add_claims(400, copy_rows)  # a second run adds nothing
    assert MdfClaim.objects.filter(fund__program__in=programs).count() == 400
