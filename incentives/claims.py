"""Writes of MDF claims (keyword-only; ``x = atomic(durable=True)(_x)``): a partner claims
(part of) an approved request's money with the invoice and the proof of performance its
approval asked for; the tenant's claim workflow routes it (the "mdfclaim" subject, channel
manager, then finance above the policy's amount); approved, the amount becomes payable in
the ledger and one payout waits for finance (incentives.payouts).

A refused claim stores nothing: no row, and no file left in storage either (the files are
written last, and removed again when the transaction does not commit)."""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ParamSpec, TypeVar

from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Case, DecimalField, Sum, When
from django.utils import timezone

from incentives import ledger, rates
from incentives.figures import figures_refresh
from incentives.models import (
    CLAIM_LIFECYCLE,
    LIVE_CLAIMS,
    ZERO,
    ClaimDocument,
    ClaimStatus,
    MdfClaim,
    MdfPolicy,
    MdfRequest,
    Payout,
    ProofType,
    RequestStatus,
)
from prm.audit import audit_note
from prm.errors import Conflict, IllegalTransition, Invalid
from prm.money import Money
from prm.outbox.events import event_emit
from prm.permissions import require
from prm.portal.templatetags.portal import money
from prm.uploads import upload_check
from prm.users.models import Role, User
from workflows.approvals import approvals_close

S = ClaimStatus
CENT = Decimal("0.01")
PROOF_FILES = frozenset({"pdf", "png", "jpeg", "csv", "xlsx"})
MAX_FILES = 20
DECIDE_CLAIMS = "Only the vendor's channel team and finance decide claims."
# Who may approve a claim above the policy's finance amount (the default workflow's last
# step acts as the admin who wrote it, once finance has approved).
FINANCE_DECIDERS = frozenset({Role.FINANCE_APPROVER, Role.VENDOR_ADMIN})
P = ParamSpec("P")
T = TypeVar("T")


@dataclass(frozen=True)
class ProofIn:
    """One uploaded file of a claim and the proof it is (``ProofType``)."""

    proof_type: str
    upload: UploadedFile


def invoice_key(number: str) -> str:
    """An invoice number as compared for duplicates: "inv-2026/0042" = "INV 2026 0042"."""
    return re.sub(r"[^0-9A-Z]", "", number.upper())[:60]


def claimed_so_far(request: MdfRequest) -> Decimal:
    """What the request's live claims take of its approved amount (an approved claim its
    approved amount, a waiting one what it claims)."""
    total = request.claims.filter(status__in=LIVE_CLAIMS).aggregate(
        total=Sum(
            Case(
                When(status=S.APPROVED, then="approved_amount"),
                default="amount",
                output_field=DecimalField(),
            )
        )
    )["total"]
    return total or ZERO


def claimable(request: MdfRequest) -> Decimal:
    """What may still be claimed against the request."""
    if request.status != RequestStatus.APPROVED or request.approved_amount is None:
        return ZERO
    return max(request.approved_amount - claimed_so_far(request), ZERO)


# The files the running claim service has written to storage, to remove if it fails.
_SAVED: ContextVar[list[str] | None] = ContextVar("claim_files_saved", default=None)


def removing_files_on_failure(service: Callable[P, T]) -> Callable[P, T]:
    """Run ``service`` (a durable transaction) and, when it raises, delete the files it saved
    to storage: a refused or rolled-back claim leaves no orphan file."""

    @functools.wraps(service)
    def run(*args: P.args, **kwargs: P.kwargs) -> T:
        saved: list[str] = []
        token = _SAVED.set(saved)
        try:
            return service(*args, **kwargs)
        except BaseException:
            for name in saved:
                default_storage.delete(name)
            raise
        finally:
            _SAVED.reset(token)

    return run


def _stored(name: str) -> None:
    saved = _SAVED.get()
    if saved is not None:
        saved.append(name)


def _amount(value: Decimal | None, field: str, what: str) -> Decimal:
    if value is None:
        raise Invalid({field: [f"Enter {what}."]})
    if value <= 0:
        raise Invalid({field: [f"Enter {what} above zero."]})
    if value != value.quantize(CENT):
        raise Invalid({field: ["Enter the amount in whole cents."]})
    return value


def _check_fields(request: MdfRequest, fields: dict[str, Any], files: Sequence[ProofIn]) -> None:
    problems: dict[str, list[str]] = {}
    for name, what in (
        ("amount", "the amount you claim"),
        ("invoice_total", "the invoice's total"),
    ):
        try:
            _amount(fields.get(name), name, what)
        except Invalid as exc:
            problems.update(exc.message_dict)
    number = (fields.get("invoice_number") or "").strip()
    if not invoice_key(number):
        problems["invoice_number"] = ["Enter the invoice's number as it is printed on it."]
    if not (fields.get("supplier_tax_id") or "").strip():
        problems["supplier_tax_id"] = ["Enter the supplier's tax or VAT number from the invoice."]
    amounts_given = "amount" not in problems and "invoice_total" not in problems
    if amounts_given and fields["amount"] > fields["invoice_total"]:
        problems["amount"] = ["A claim is at most the invoice's total."]
    for name in ("leads", "attendees"):
        value = fields.get(name)
        if value is not None and (not isinstance(value, int) or value < 0):
            problems[name] = ["Enter a whole number, zero or more."]
    pipeline = fields.get("pipeline")
    if pipeline is not None and (pipeline < 0 or pipeline != pipeline.quantize(CENT)):
        problems["pipeline"] = ["Enter the pipeline in whole cents, zero or more."]
    unknown = [f for f in files if f.proof_type not in ProofType.values]
    if unknown:
        problems["files"] = ["Say for each file which proof it is."]
    elif len(files) > MAX_FILES:
        problems["files"] = [f"Attach at most {MAX_FILES} files."]
    else:
        have = {f.proof_type for f in files}
        missing = [ProofType(p).label.lower() for p in request.required_proofs if p not in have]
        if missing:
            problems["files"] = [f"Attach the proof this activity needs: {', '.join(missing)}."]
    if problems:
        raise Invalid(problems)


def _locked_request(request: MdfRequest) -> MdfRequest:
    return (
        MdfRequest.objects.select_for_update(of=("self",))
        .select_related("fund__program", "partner")
        .get(pk=request.pk)
    )


def _claim_file(
    *,
    actor: User,
    request: MdfRequest,
    amount: Money,
    files: Sequence[ProofIn],
    **fields: Any,
) -> MdfClaim:
    """File a claim against ``request`` (the caller resolved it through the actor's scope):
    ``amount`` (in the program's currency, or in another one converted at the tenant's rate
    in force today: refused without one) at most what is left of the approved amount,
    the invoice (``invoice_number``, ``supplier_tax_id``, ``invoice_total``), the actual
    results (``leads``, ``attendees``, ``pipeline``), a ``note`` and every proof file the
    approval asked for, before the claim deadline. Refused claims store nothing."""
    require(actor, "mdf.request", "Only partner users claim market development funds.")
    locked = _locked_request(request)  # claims of one request are decided one at a time
    if locked.status != RequestStatus.APPROVED:
        raise IllegalTransition("Claims are filed against an approved fund request.")
    today = timezone.localdate()
    assert locked.claim_due_on is not None  # an approved request has its due date (CHECK)
    if today > locked.claim_due_on:
        raise Conflict(
            f"The claim for {locked.title} was due by {locked.claim_due_on:%d %b %Y}: ask "
            "for an extension of the deadline first.",
            code="claim_deadline_passed",
        )
    # Entered in another currency (the invoice's): converted into the program's at the rate
    # in force today before what is left is checked; the invoice's total is compared with
    # the amount as entered.
    converted = rates.convert(amount, locked.currency, on=today)
    fields["amount"] = amount.amount
    _check_fields(locked, fields, files)
    value = ledger.fund_amount(converted.money, locked.fund)
    left = claimable(locked)
    if value > left:
        raise Invalid(
            {
                "amount": [
                    f"At most {money(left, locked.currency)} is left to claim of the "
                    f"{money(locked.approved_amount, locked.currency)} approved."
                ]
            }
        )
    checked = [
        (f, upload_check(f.upload, allowed=PROOF_FILES, folder=f"mdf/{locked.pk}")) for f in files
    ]
    number = fields["invoice_number"].strip()
    claim = MdfClaim(
        request=locked,
        fund=locked.fund,
        partner_id=locked.partner_id,
        claimed_by=actor,
        currency=locked.currency,
        amount=value,
        entered_currency=amount.currency.code if converted.changed else "",
        entered_amount=amount.amount if converted.changed else None,
        exchange_rate=converted.rate if converted.changed else None,
        invoice_number=number[:60],
        invoice_key=invoice_key(number),
        supplier_tax_id=fields["supplier_tax_id"].strip().upper()[:40],
        invoice_total=fields["invoice_total"],
        leads=fields.get("leads") or 0,
        attendees=fields.get("attendees") or 0,
        pipeline=fields.get("pipeline") or ZERO,
        note=(fields.get("note") or "").strip()[:5000],
    )
    _refuse_duplicate(claim)
    audit_note(claim, actor, "claim filed")
    try:
        with transaction.atomic():
            claim.save()
    except IntegrityError:  # the same invoice, claimed at the same moment
        raise _duplicate(claim) from None
    _store(claim, actor, checked)
    event_emit(
        event_type="mdf_claim.submitted",
        obj=claim,
        actor=actor,
        partner_id=claim.partner_id,
        payload={"amount": str(value), "currency": claim.currency},
    )
    return claim


def _duplicate(claim: MdfClaim) -> Conflict:
    return Conflict(
        f"Invoice {claim.invoice_number} of {claim.supplier_tax_id} for "
        f"{money(claim.invoice_total, claim.invoice_currency)} is already claimed.",
        code="duplicate_invoice",
    )


def _refuse_duplicate(claim: MdfClaim) -> None:
    """The tenant takes an invoice once (the database's unique constraint is the last word)."""
    if MdfClaim.objects.filter(
        invoice_key=claim.invoice_key,
        supplier_tax_id=claim.supplier_tax_id,
        invoice_total=claim.invoice_total,
        status__in=LIVE_CLAIMS,
    ).exists():
        raise _duplicate(claim)


claim_file = removing_files_on_failure(transaction.atomic(durable=True)(_claim_file))


def _store(claim: MdfClaim, actor: User, files: Sequence[tuple[ProofIn, Any]]) -> None:
    for proof, check in files:
        name = default_storage.save(check.storage_name, proof.upload)
        _stored(name)
        ClaimDocument.objects.create(
            claim=claim,
            proof_type=proof.proof_type,
            file=name,
            original_name=(proof.upload.name or "file")[-200:],
            content_type=check.content_type,
            size=check.size,
            uploaded_by=actor,
        )


def _claim_documents_add(*, actor: User, claim: MdfClaim, files: Sequence[ProofIn]) -> MdfClaim:
    """More proof for one's claim while it waits for a decision (a photo the channel
    manager asked for)."""
    require(actor, "mdf.request", "Only partner users add proof to their claims.")
    locked = _locked(claim)
    if locked.status != S.SUBMITTED:
        raise IllegalTransition("Proof is added to a claim before it is decided.")
    if not files:
        raise Invalid({"files": ["Attach a file."]})
    if any(f.proof_type not in ProofType.values for f in files):
        raise Invalid({"files": ["Say for each file which proof it is."]})
    if locked.documents.count() + len(files) > MAX_FILES:
        raise Invalid({"files": [f"A claim has at most {MAX_FILES} files."]})
    checked = [
        (f, upload_check(f.upload, allowed=PROOF_FILES, folder=f"mdf/{locked.request_id}"))
        for f in files
    ]
    _store(locked, actor, checked)
    audit_note(locked, actor, f"{len(files)} file(s) added")
    locked.save(update_fields=["updated_at"])
    return locked


claim_documents_add = removing_files_on_failure(
    transaction.atomic(durable=True)(_claim_documents_add)
)


def _locked(claim: MdfClaim) -> MdfClaim:
    return (
        MdfClaim.objects.select_for_update(of=("self",))
        .select_related("request", "fund__program", "partner")
        .get(pk=claim.pk)
    )


def _move(locked: MdfClaim, *, actor: User, to: str, reason: str, **payload: str) -> None:
    CLAIM_LIFECYCLE.check(locked.status, to)
    locked.status = to
    if to in (S.APPROVED, S.REJECTED):
        locked.decided_at = timezone.now()
        locked.decided_by = actor
        locked.decision_note = (reason or "")[:500]
    audit_note(locked, actor, f"{to}: {reason}" if reason else str(to))
    locked.save()
    # Decided by this move (the API, a page, the workflow's own step): what workflows still
    # ask about the claim leaves the inbox.
    approvals_close(
        object_type="mdfclaim",
        object_id=locked.pk,
        reason=reason or str(to),
        decided_by=actor,
        decision={S.APPROVED: "approved", S.REJECTED: "rejected"}.get(S(to), ""),
    )
    event_emit(
        event_type=f"mdf_claim.{to}",
        obj=locked,
        actor=actor,
        partner_id=locked.partner_id,
        payload=payload,
    )


def _claim_approve(
    *, actor: User, claim: MdfClaim, reason: str = "", amount: Decimal | None = None
) -> MdfClaim:
    """Approve the claim (for ``amount``, at most what it claims): the amount moves from the
    request's commitment to payable in the ledger and one payout waits for finance. What an
    approval for less leaves stays committed to the request, to be claimed again."""
    if actor is not None:
        require(
            actor, "mdf.decide_claims", "Only the vendor's channel team and finance decide claims."
        )
    locked = _locked(claim)
    CLAIM_LIFECYCLE.check(locked.status, S.APPROVED)
    approved = locked.amount if amount is None else amount
    if approved <= 0 or approved > locked.amount or approved != approved.quantize(CENT):
        raise Invalid(
            {
                "amount": [
                    "Approve an amount above zero and at most the "
                    f"{money(locked.amount, locked.currency)} claimed."
                ]
            }
        )
    ledger.claim(
        fund=locked.fund,
        amount=Money(approved, locked.currency),
        actor=actor,
        reference=locked.reference,
    )
    locked.approved_amount = approved
    _move(locked, actor=actor, to=S.APPROVED, reason=reason, amount=str(approved))
    payout = Payout.objects.create(
        claim=locked,
        fund=locked.fund,
        partner_id=locked.partner_id,
        currency=locked.currency,
        amount=approved,
    )
    event_emit(
        event_type="payout.created",
        obj=payout,
        actor=actor,
        partner_id=payout.partner_id,
        payload={"amount": str(approved), "currency": payout.currency},
    )
    figures_refresh([locked.request_id])  # its spend and leads, for the ROI pages
    return locked


claim_approve = transaction.atomic(durable=True)(_claim_approve)


def _claim_reject(*, actor: User, claim: MdfClaim, reason: str = "") -> MdfClaim:
    """Reject the claim: its amount stays committed to the request, which may be claimed
    again (with the missing proof, say) until its deadline."""
    if actor is not None:
        require(
            actor, "mdf.decide_claims", "Only the vendor's channel team and finance decide claims."
        )
    locked = _locked(claim)
    _move(locked, actor=actor, to=S.REJECTED, reason=reason, note=reason[:500])
    return locked


claim_reject = transaction.atomic(durable=True)(_claim_reject)


def _claim_withdraw(*, actor: User, claim: MdfClaim, reason: str = "") -> MdfClaim:
    """The partner takes back a claim not yet decided."""
    require(actor, "mdf.request", "Only partner users withdraw their claims.")
    locked = _locked(claim)
    _move(locked, actor=actor, to=S.WITHDRAWN, reason=reason)
    return locked


claim_withdraw = transaction.atomic(durable=True)(_claim_withdraw)


# --- the claim deadline and its extensions ------------------------------------------------


def _claim_extension_ask(*, actor: User, request: MdfRequest, reason: str) -> MdfRequest:
    """Ask for a later claim deadline (once at a time, up to the policy's number), routed by
    the fund request workflow's extension approval (``mdf_request.extension_requested``)."""
    require(actor, "mdf.request", "Only partner users ask for a later claim deadline.")
    locked = _locked_request(request)
    policy = MdfPolicy.current()
    if locked.status != RequestStatus.APPROVED:
        raise IllegalTransition("Only an approved request's claim deadline is extended.")
    if locked.extension_asked_at is not None:
        raise Conflict("A later deadline is already asked for.", code="extension_pending")
    if locked.extensions >= policy.max_extensions:
        raise Conflict(
            f"This request had its {policy.max_extensions} extension(s) of the deadline.",
            code="extension_limit",
        )
    reason = (reason or "").strip()
    if not reason:
        raise Invalid({"reason": ["Say why the claim cannot be filed in time."]})
    locked.extension_reason = reason[:500]
    locked.extension_asked_at = timezone.now()
    audit_note(locked, actor, f"later claim deadline asked: {reason[:200]}")
    locked.save()
    event_emit(
        event_type="mdf_request.extension_requested",
        obj=locked,
        actor=actor,
        partner_id=locked.partner_id,
        payload={"days": str(policy.extension_days), "reason": reason[:500]},
    )
    return locked


claim_extension_ask = transaction.atomic(durable=True)(_claim_extension_ask)


def extension_pending(request: MdfRequest) -> bool:
    return request.status == RequestStatus.APPROVED and request.extension_asked_at is not None


def _claim_extension_decide(
    *, actor: User, request: MdfRequest, grant: bool, reason: str = ""
) -> MdfRequest:
    """Grant (the deadline moves the policy's days on) or refuse the pending ask."""
    require(actor, "mdf.decide", "Only the vendor's channel team decides extensions.")
    locked = _locked_request(request)
    if not extension_pending(locked):
        raise Conflict("No later deadline is asked for.", code="no_extension_pending")
    assert locked.claim_due_on is not None
    if grant:
        locked.claim_due_on = max(locked.claim_due_on, timezone.localdate()) + dt.timedelta(
            days=MdfPolicy.current().extension_days
        )
        locked.extensions += 1
    locked.extension_asked_at = None
    locked.extension_reason = ""
    what = "granted" if grant else "refused"
    audit_note(locked, actor, f"later claim deadline {what}: {reason}" if reason else what)
    locked.save()
    approvals_close(
        object_type="mdfrequest",
        object_id=locked.pk,
        reason=reason or f"later claim deadline {what}",
        decided_by=actor,
        decision="approved" if grant else "rejected",
    )
    event_emit(
        event_type=f"mdf_request.extension_{what}",
        obj=locked,
        actor=actor,
        partner_id=locked.partner_id,
        payload={"claim_due_on": locked.claim_due_on.isoformat(), "reason": reason[:500]},
    )
    return locked


claim_extension_decide = transaction.atomic(durable=True)(_claim_extension_decide)
