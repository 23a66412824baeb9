"""The deal subject's decisions (workflows.subjects.Decide): whatever is pending on a deal
when its workflow approves or rejects — the registration, an extension of its protection,
or a dispute of its rejection."""

from __future__ import annotations

from deals.models import DisputeReason, RejectionReason
from deals.models.registrations import Deal, DealStatus
from deals.selectors import open_dispute
from deals.services.deals import (
    _deal_extend,
    _decide_approve,
    _decide_reject,
    _locked,
    extension_request_key,
)
from deals.services.disputes import _dispute_decide
from prm import limits
from prm.audit import audit_note
from prm.outbox.models import Event
from prm.users.models import User

S = DealStatus


def extension_requested(deal: Deal) -> bool:
    """Is an extension of the deal's protection asked for and not yet decided?"""
    return Event.objects.filter(
        type="deal.extension_requested", dedupe_key=extension_request_key(deal)
    ).exists()


def pending_request(deal: Deal) -> str:
    """What a decision on ``deal`` decides now: ``registration`` (submitted or under
    review), ``extension`` (approved, an extension asked for), ``dispute`` (rejected,
    disputed), or ``""`` (nothing: a late approval changes nothing)."""
    if deal.status in (S.SUBMITTED, S.UNDER_REVIEW):
        return "registration"
    if deal.status == S.APPROVED and extension_requested(deal):
        return "extension"
    if deal.status == S.REJECTED and open_dispute(deal) is not None:
        return "dispute"
    return ""


def decide_approve(deal: Deal, actor: User | None, reason: str) -> Deal:
    """Approve the registration, extend the protection, or overturn the rejection."""
    pending = pending_request(deal)
    if pending == "extension":
        return _deal_extend(actor=actor, deal=deal, note=reason)
    if pending == "dispute":
        dispute = open_dispute(deal)
        assert dispute is not None
        _dispute_decide(
            actor=None, dispute=dispute, overturn=True, reason_code=DisputeReason.OTHER, text=reason
        )
        deal.refresh_from_db()
        return deal
    return _decide_approve(_locked(deal), actor=actor, note=(reason or "")[: limits.NOTE])


def decide_reject(deal: Deal, actor: User | None, reason: str) -> Deal:
    """Reject the registration (reason code ``other`` unless the workflow's reason names one
    of the tenant's codes), refuse the extension (the protection runs to its end), or
    uphold the rejection."""
    pending = pending_request(deal)
    if pending == "extension":
        locked = _locked(deal)
        locked.extension_refusals += 1
        audit_note(locked, actor, f"extension refused: {reason}" if reason else "extension refused")
        locked.save(update_fields=["extension_refusals", "updated_at"])
        return locked
    if pending == "dispute":
        dispute = open_dispute(deal)
        assert dispute is not None
        _dispute_decide(
            actor=None,
            dispute=dispute,
            overturn=False,
            reason_code=DisputeReason.OTHER,
            text=reason,
        )
        return deal
    code = reason if RejectionReason.objects.filter(code=reason).exists() else "other"
    found = RejectionReason.objects.filter(code=code).first()
    note = (reason or "")[: limits.NOTE]
    return _decide_reject(_locked(deal), actor=actor, reason=found, note=note)
