"""MDF claims (incentives issue, point 4): a partner claims (part of) an approved request's
money with its invoice and proof of performance; a claim above what is left, after the
deadline, without its proofs, with a file that is not what its name says, over the size
limit or against another partner's request is refused with a clear error and stores
nothing, no file either; an invoice is claimed once in the tenant; an approval makes the
amount payable and one payout; the default workflows ask the channel manager, and finance
above the policy's amount; a later deadline goes through the request's workflow."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from incentives import claims, ledger, scope
from incentives.claims import ProofIn, claim_approve, claim_file, claim_reject
from incentives.models import ClaimStatus, MdfClaim, MdfPolicy, MdfRequest, Payout
from incentives.requests import mdf_request_approve, mdf_request_create
from partners import services as partner_services
from prm.errors import Conflict, Forbidden, IllegalTransition, Invalid, NotFound
from prm.money import Money
from prm.outbox.models import Event
from prm.tenancy.context import current_schema
from prm.uploads import FileTooLarge, UnsupportedFile
from prm.users.models import Role
from prm.users.services import user_create
from tests.incentives.test_requests import cash, fields, funds
from workflows.approvals import approval_decide
from workflows.models import Approval
from workflows.services import defaults_install

__all__ = ["funds"]  # the fixture, imported for these tests

D = Decimal
S = ClaimStatus
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
CSV = b"Name,Company,E-mail\nAda Lovelace,Analytical,ada@example.com\n"


@pytest.fixture
def world(module_world):
    return module_world


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def proofs(**replace: tuple[str, bytes]) -> list[ProofIn]:
    """An event's proof: the invoice (PDF), photos (PNG) and the attendee list (CSV)."""
    files = {
        "invoice": ("invoice.pdf", PDF),
        "photos": ("stand.png", PNG),
        "attendees": ("attendees.csv", CSV),
        **replace,
    }
    return [ProofIn(kind, upload(name, content)) for kind, (name, content) in files.items()]


def invoice(**overrides):
    return {
        "invoice_number": "INV-2026/0042",
        "supplier_tax_id": "DE123456789",
        "invoice_total": D("2500.00"),
        "leads": 35,
        "attendees": 42,
        "pipeline": D("180000.00"),
        **overrides,
    }


@pytest.fixture
def approved(world, funds) -> MdfRequest:
    """Bob's roadshow, approved for 3,000 (the activity is over: claims are due)."""
    request = mdf_request_create(actor=world.bob, fund=funds["bob"], **fields())
    request = mdf_request_approve(actor=world.cam_emea, request=request)
    past = timezone.localdate() - dt.timedelta(days=5)
    MdfRequest.objects.filter(pk=request.pk).update(
        starts_on=past - dt.timedelta(days=1), ends_on=past
    )
    request.refresh_from_db()
    return request


def stored(request: MdfRequest) -> list[str]:
    try:
        return default_storage.listdir(f"{current_schema()}/mdf/{request.pk}")[1]
    except FileNotFoundError:
        return []


def test_a_claim_is_filed_with_its_proof_and_moves_no_money_until_approved(world, approved):
    claim = claim_file(
        actor=world.bob, request=approved, amount=cash("2000"), files=proofs(), **invoice()
    )
    assert (claim.status, claim.amount, claim.partner) == (S.SUBMITTED, D("2000"), world.berlin)
    assert claim.invoice_key == "INV20260042"
    kinds = {d.proof_type: d.content_type for d in claim.documents.all()}
    assert kinds == {"invoice": "application/pdf", "photos": "image/png", "attendees": "text/csv"}
    assert len(stored(approved)) == 3
    assert Event.objects.filter(type="mdf_claim.submitted", object_id=str(claim.pk)).exists()
    approved.fund.refresh_from_db()
    assert (approved.fund.committed, approved.fund.payable) == (D("3000"), 0)
    assert claims.claimable(approved) == D("1000")


@pytest.mark.parametrize(
    ("change", "error", "status"),
    [
        ({"amount": "3000.01"}, Invalid, 400),
        ({"files": "invoice only"}, Invalid, 400),  # the photos and attendee list missing
        ({"files": "an executable as the invoice"}, UnsupportedFile, 415),
        ({"invoice_number": " "}, Invalid, 400),
        ({"amount": "JPY 100"}, Invalid, 400),
    ],
    ids=["above-approved", "missing-proof", "not-a-pdf", "no-invoice", "currency"],
)
def test_a_bad_claim_is_refused_and_stores_nothing(world, approved, change, error, status):
    files = {
        "invoice only": proofs()[:1],
        "an executable as the invoice": proofs(invoice=("invoice.pdf", b"MZ\x90\x00" * 16)),
    }
    amount = change.pop("amount", "2000")
    args = {
        "amount": Money(D(amount[4:]), "JPY") if amount.startswith("JPY") else cash(amount),
        "files": files.get(change.pop("files", ""), proofs()),
        **invoice(),
        **change,
    }
    with pytest.raises(error) as refused:
        claim_file(actor=world.bob, request=approved, **args)
    assert refused.value.status == status
    assert not MdfClaim.objects.filter(request=approved).exists()
    assert stored(approved) == []


def test_a_file_over_the_size_limit_is_a_413_and_nothing_is_stored(world, approved, monkeypatch):
    monkeypatch.setattr("prm.uploads.MAX_BYTES", 64)
    with pytest.raises(FileTooLarge) as refused:
        claim_file(
            actor=world.bob,
            request=approved,
            amount=cash("2000"),
            files=proofs(invoice=("invoice.pdf", PDF * 3)),
            **invoice(),
        )
    assert refused.value.status == 413
    assert not MdfClaim.objects.filter(request=approved).exists() and stored(approved) == []


def test_a_claim_that_fails_after_its_files_are_written_leaves_no_file(
    world, approved, monkeypatch
):
    def broken(**kwargs):
        raise RuntimeError("the outbox is down")

    monkeypatch.setattr(claims, "event_emit", broken)
    with pytest.raises(RuntimeError):
        claim_file(
            actor=world.bob, request=approved, amount=cash("2000"), files=proofs(), **invoice()
        )
    assert not MdfClaim.objects.filter(request=approved).exists() and stored(approved) == []


def test_a_claim_after_the_deadline_is_refused_until_a_later_deadline_is_granted(
    world, approved, django_capture_on_commit_callbacks
):
    MdfRequest.objects.filter(pk=approved.pk).update(
        claim_due_on=timezone.localdate() - dt.timedelta(days=1)
    )
    approved.refresh_from_db()
    with pytest.raises(Conflict) as refused:
        claim_file(
            actor=world.bob, request=approved, amount=cash("2000"), files=proofs(), **invoice()
        )
    assert refused.value.error_code == "claim_deadline_passed"
    assert stored(approved) == []

    defaults_install(actor=world.admin)
    partner_services.partner_update(
        actor=world.admin, partner=world.berlin, fields={"channel_manager": world.cam_emea}
    )
    with pytest.raises(Invalid):
        claims.claim_extension_ask(actor=world.bob, request=approved, reason=" ")
    with django_capture_on_commit_callbacks(execute=True):
        claims.claim_extension_ask(actor=world.bob, request=approved, reason="Invoice late")
    with pytest.raises(Conflict):
        claims.claim_extension_ask(actor=world.bob, request=approved, reason="again")
    approval = Approval.objects.get(
        run__object_type="mdfrequest", run__object_id=str(approved.pk), decided_at__isnull=True
    )
    with django_capture_on_commit_callbacks(execute=True):
        approval_decide(
            actor=world.cam_emea, approval_id=approval.pk, decision="approved", comment=""
        )
    approved.refresh_from_db()
    assert approved.claim_due_on == timezone.localdate() + dt.timedelta(days=30)
    assert (approved.extensions, approved.extension_asked_at) == (1, None)
    claim = claim_file(
        actor=world.bob, request=approved, amount=cash("2000"), files=proofs(), **invoice()
    )
    assert claim.status == S.SUBMITTED
    with pytest.raises(Conflict) as limit:  # the policy grants one
        claims.claim_extension_ask(actor=world.bob, request=approved, reason="Once more")
    assert limit.value.error_code == "extension_limit"


def test_an_invoice_is_claimed_once_in_the_tenant_whatever_its_spelling(world, approved, funds):
    claim_file(actor=world.bob, request=approved, amount=cash("1000"), files=proofs(), **invoice())
    with pytest.raises(Conflict) as refused:
        claim_file(
            actor=world.bob,
            request=approved,
            amount=cash("1000"),
            files=proofs(),
            **invoice(invoice_number="inv 2026 0042", supplier_tax_id="de123456789"),
        )
    assert refused.value.error_code == "duplicate_invoice"
    assert MdfClaim.objects.filter(request=approved).count() == 1 and len(stored(approved)) == 3
    # Rejected, the invoice may be claimed again (with the proof that was missing, say).
    claim_reject(
        actor=world.cam_emea, claim=MdfClaim.objects.get(request=approved), reason="Blurry photos"
    )
    again = claim_file(
        actor=world.bob, request=approved, amount=cash("1000"), files=proofs(), **invoice()
    )
    assert again.status == S.SUBMITTED


def test_another_partners_request_cannot_be_claimed(world, approved):
    with pytest.raises(NotFound):
        scope.get_request_for(world.carol, approved.pk)
    with pytest.raises(Forbidden):  # vendor staff do not claim
        claim_file(
            actor=world.cam_emea, request=approved, amount=cash("10"), files=proofs(), **invoice()
        )


def test_an_approval_makes_the_amount_payable_and_one_payout_and_is_not_repeated(world, approved):
    claim = claim_file(
        actor=world.bob, request=approved, amount=cash("2000"), files=proofs(), **invoice()
    )
    claim_approve(actor=world.cam_emea, claim=claim, reason="Fine", amount=D("1800.00"))
    fund = approved.fund
    fund.refresh_from_db()
    assert (fund.committed, fund.payable, fund.paid, fund.available) == (
        D("1200"),
        D("1800"),
        0,
        D("2000"),
    )
    [payout] = Payout.objects.filter(claim=claim)
    assert (payout.status, payout.amount, payout.partner) == ("pending", D("1800"), world.berlin)
    assert ledger.ledger_totals(fund)["payable"] == D("1800")
    with pytest.raises(IllegalTransition):
        claim_approve(actor=world.cam_emea, claim=claim)
    assert Payout.objects.filter(claim=claim).count() == 1
    # What the approval for less left is claimable again.
    assert claims.claimable(approved) == D("1200")
    with pytest.raises(Forbidden):
        claim_approve(actor=world.bob, claim=claim)


def finance_user(world):
    return user_create(
        email="fin@world.example",
        role=Role.FINANCE_APPROVER,
        full_name="Fiona Finance",
        send_welcome=False,
    )


def test_the_default_workflows_ask_the_channel_manager_and_finance_above_the_policy_amount(
    world, approved, django_capture_on_commit_callbacks
):
    defaults_install(actor=world.admin)
    partner_services.partner_update(
        actor=world.admin, partner=world.berlin, fields={"channel_manager": world.cam_emea}
    )
    finance = finance_user(world)
    policy = MdfPolicy.current()
    policy.finance_approval_above = D("1000.00")
    policy.save()

    def file(amount: str, number: str) -> MdfClaim:
        with django_capture_on_commit_callbacks(execute=True):
            return claim_file(
                actor=world.bob,
                request=approved,
                amount=cash(amount),
                files=proofs(),
                **invoice(invoice_number=number),
            )

    def decide(claim: MdfClaim, who) -> None:
        approval = Approval.objects.get(
            run__object_type="mdfclaim",
            run__object_id=str(claim.pk),
            approver=who,
            decided_at__isnull=True,
        )
        with django_capture_on_commit_callbacks(execute=True):
            approval_decide(actor=who, approval_id=approval.pk, decision="approved", comment="ok")
        claim.refresh_from_db()

    small, large = file("900", "A-1"), file("1500", "A-2")
    decide(small, world.cam_emea)
    assert small.status == S.APPROVED and small.payouts.count() == 1
    decide(large, world.cam_emea)
    assert large.status == S.SUBMITTED  # finance next
    decide(large, finance)
    assert large.status == S.APPROVED and large.payouts.count() == 1
    approved.fund.refresh_from_db()
    assert approved.fund.payable == D("2400")
