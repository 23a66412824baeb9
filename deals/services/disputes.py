"""Services of a deal's files and of disputes.

- Evidence: the partner attaches letters of intent, purchase orders and proposals to its
  deal (PDF, images, Word; the type read from the content: prm.uploads); above the policy's
  amount a deal needs one to be submitted (deals.eligibility).
- Disputes: a partner whose deal was rejected for a conflict disputes it once, with a
  statement and files (``deal.disputed``: by default the manager of the channel manager's
  unit decides, through the engine's approval); a competing partner adds its own evidence;
  the decision upholds the rejection or overturns it (the deal is approved and takes
  priority: the undecided competing registrations queue behind it), with a reason code and
  text, in the audit trail."""

from __future__ import annotations

from collections.abc import Sequence

from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction

from deals import scope
from deals.models import (
    DealConflict,
    DealDispute,
    DealDocument,
    DisputeReason,
    DisputeResponse,
    DisputeStatus,
    DocumentKind,
)
from deals.models.registrations import Deal, DealStatus
from deals.services._common import server_now
from deals.services.deals import _decide_approve, _locked, _locked_for, _move, _partner_side
from prm import limits
from prm.audit import audit_note
from prm.errors import Conflict, IllegalTransition, Invalid, NotFound
from prm.outbox.events import event_emit
from prm.permissions import require
from prm.uploads import upload_check
from prm.users.models import User

EVIDENCE_TYPES = frozenset({"pdf", "png", "jpeg", "docx"})
DISPUTE_TYPES = frozenset({"pdf", "png", "jpeg", "docx", "xlsx", "csv"})
MAX_FILES = 10
# Rejections a partner may dispute: those for a conflict with another registration.
CONFLICT_REASONS = frozenset({"duplicate", "existing_customer", "direct_sales"})


def _store(
    *,
    actor: User,
    deal: Deal,
    upload: UploadedFile,
    kind: str,
    allowed: frozenset[str],
    response: DisputeResponse | None = None,
) -> DealDocument:
    checked = upload_check(upload, allowed=allowed, folder=f"deals/{deal.pk}")
    name = default_storage.save(checked.storage_name, upload)
    # The file is written before the row commits: a rolled back transaction leaves an
    # unreferenced file, never a row without its file.
    return DealDocument.objects.create(
        deal=deal,
        dispute_response=response,
        kind=kind,
        file=name,
        original_name=(upload.name or "file")[-200:],
        content_type=checked.content_type,
        size=checked.size,
        uploaded_by=actor,
    )


def _deal_document_add(*, actor: User, deal: Deal, upload: UploadedFile, kind: str) -> DealDocument:
    """Attach evidence of the opportunity to the partner's own deal, before it is decided."""
    _partner_side(actor)
    locked = _locked_for(actor, deal)
    if kind not in {k.value for k in DocumentKind} - {DocumentKind.DISPUTE}:
        raise Invalid(
            {"kind": ["Say what the file is: letter of intent, purchase order, proposal or other."]}
        )
    if locked.status not in (
        DealStatus.DRAFT,
        DealStatus.SUBMITTED,
        DealStatus.UNDER_REVIEW,
        DealStatus.INFO_REQUESTED,
    ):
        raise IllegalTransition("Files are added to a deal before it is decided.")
    if locked.documents.count() >= MAX_FILES:
        raise Conflict(f"A deal has at most {MAX_FILES} files.", code="too_many_files")
    document = _store(actor=actor, deal=locked, upload=upload, kind=kind, allowed=EVIDENCE_TYPES)
    audit_note(locked, actor, f"file added: {document.original_name}")
    locked.save(update_fields=["updated_at"])
    return document


deal_document_add = transaction.atomic(durable=True)(_deal_document_add)


def _statement(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise Invalid({"statement": ["Explain what happened and why the decision is wrong."]})
    if len(text) > limits.DESCRIPTION:
        raise Invalid({"statement": [f"Keep it under {limits.DESCRIPTION:,} characters."]})
    return text


def _files(files: Sequence[UploadedFile]) -> None:
    if len(files) > MAX_FILES:
        raise Invalid({"files": [f"Attach at most {MAX_FILES} files."]})


def _deal_dispute(
    *, actor: User, deal: Deal, statement: str, files: Sequence[UploadedFile] = ()
) -> DealDispute:
    """Dispute the rejection of one's deal for a conflict, once."""
    _partner_side(actor)
    locked = _locked_for(actor, deal)
    statement = _statement(statement)
    _files(files)
    if locked.status != DealStatus.REJECTED:
        raise IllegalTransition("Only a rejected registration can be disputed.")
    reason = locked.rejection_reason.code if locked.rejection_reason else ""
    if reason not in CONFLICT_REASONS and not locked.conflict_count:
        raise Conflict(
            "Only a rejection for a conflict with another registration can be disputed; "
            "submit the deal again instead.",
            code="not_disputable",
        )
    if DealDispute.objects.filter(deal=locked).exists():
        raise Conflict("This rejection has been disputed already.", code="already_disputed")
    try:
        with transaction.atomic():
            dispute = DealDispute.objects.create(deal=locked, opened_by=actor, statement=statement)
    except IntegrityError:
        raise Conflict(
            "This rejection has been disputed already.", code="already_disputed"
        ) from None
    for upload in files:
        _store(
            actor=actor,
            deal=locked,
            upload=upload,
            kind=DocumentKind.DISPUTE,
            allowed=DISPUTE_TYPES,
        )
    audit_note(locked, actor, f"disputed: {statement[:200]}")
    locked.save(update_fields=["updated_at"])
    event_emit(
        event_type="deal.disputed",
        obj=locked,
        actor=actor,
        partner_id=locked.partner_id,
        payload={"dispute_id": dispute.pk},
    )
    return dispute


deal_dispute = transaction.atomic(durable=True)(_deal_dispute)


def _dispute_respond(
    *, actor: User, dispute: DealDispute, statement: str, files: Sequence[UploadedFile] = ()
) -> DisputeResponse:
    """A competing partner's evidence (its statement replaces an earlier one)."""
    partner = _partner_side(actor)
    found = (
        scope.disputes_answerable_by(actor).select_for_update(of=("self",)).filter(pk=dispute.pk)
    )
    locked = found.first()
    if locked is None:
        raise NotFound("No such dispute.")
    statement = _statement(statement)
    _files(files)
    response, _ = DisputeResponse.objects.update_or_create(
        dispute=locked, partner=partner, defaults={"author": actor, "statement": statement}
    )
    for upload in files:
        _store(
            actor=actor,
            deal=locked.deal,
            upload=upload,
            kind=DocumentKind.DISPUTE,
            allowed=DISPUTE_TYPES,
            response=response,
        )
    return response


dispute_respond = transaction.atomic(durable=True)(_dispute_respond)


def _dispute_decide(
    *,
    actor: User | None,
    dispute: DealDispute,
    overturn: bool,
    reason_code: str,
    text: str = "",
) -> DealDispute:
    """Uphold the rejection or overturn it. Overturned, the deal is reviewed again and
    approved, and takes priority: the competing registrations not yet decided queue behind
    it (an approved competitor keeps its approval; both are then flagged to the channel
    manager). A person deciding needs ``deals.decide`` and to see the deal; the workflow
    engine decides as its approval was answered."""
    if actor is not None:
        require(actor, "deals.decide", "You cannot decide disputes.")
        scope.get_deal_for(actor, dispute.deal_id)
    locked = DealDispute.objects.select_for_update().get(pk=dispute.pk)
    if locked.status != DisputeStatus.OPEN:
        raise Conflict("This dispute has been decided already.", code="already_decided")
    if reason_code not in DisputeReason.values:
        choices = ", ".join(DisputeReason.values)
        raise Invalid({"reason_code": [f"Choose one of the reasons: {choices}."]})
    text = (text or "").strip()
    if len(text) > limits.NOTE:
        raise Invalid({"text": [f"Keep it under {limits.NOTE:,} characters."]})
    deal = _locked(locked.deal)
    locked.status = DisputeStatus.OVERTURNED if overturn else DisputeStatus.UPHELD
    locked.decided_by = actor
    locked.decided_at = server_now()
    locked.reason_code = reason_code
    locked.decision_text = text
    why = f"{DisputeReason(reason_code).label}. {text}".strip()
    audit_note(locked, actor, f"{locked.get_status_display().lower()}: {why}")
    locked.save()
    if overturn:
        _move(deal, DealStatus.UNDER_REVIEW, actor=actor, event=None, note="dispute overturned")
        _decide_approve(deal, actor=actor, note=f"dispute overturned: {why}")
        competing = DealConflict.objects.filter(deal=deal, competing_deal__isnull=False)
        for waiting in Deal.objects.filter(
            pk__in=competing.values("competing_deal"),
            status__in=(DealStatus.SUBMITTED, DealStatus.UNDER_REVIEW, DealStatus.INFO_REQUESTED),
        ).select_for_update(of=("self",), no_key=True):
            waiting.queued_behind = deal
            audit_note(waiting, actor, f"queued: a dispute gave {deal.name} priority")
            waiting.save(update_fields=["queued_behind", "updated_at"])
    event_emit(
        event_type="deal.dispute_decided",
        obj=deal,
        actor=actor,
        partner_id=deal.partner_id,
        payload={"outcome": locked.status, "reason_code": reason_code, "reason": why},
    )
    return locked


dispute_decide = transaction.atomic(durable=True)(_dispute_decide)
