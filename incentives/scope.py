"""Who sees which MDF programs and funds: the querysets every view and API uses. A fund out
of scope is the same 404 as a missing one."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from incentives.models import (
    ActivityFigures,
    ClaimDocument,
    Fund,
    LedgerEntry,
    MdfClaim,
    MdfProgram,
    MdfRequest,
    Payout,
    PayoutKind,
)
from incentives.spiff_scope import rewards_visible_to
from partners.scope import partners_visible_to
from prm.errors import NotFound
from prm.permissions import can
from prm.users.models import User


def programs_visible_to(user: User) -> QuerySet[MdfProgram]:
    """Vendor staff see every program; partners the programs they have a fund in."""
    if not user.is_authenticated or not user.is_active or not can(user, "mdf.view"):
        return MdfProgram.objects.none()
    if user.is_vendor_side:
        return MdfProgram.objects.all()
    return MdfProgram.objects.filter(funds__in=funds_visible_to(user)).distinct()


def funds_visible_to(user: User) -> QuerySet[Fund]:
    """Every fund for admins and finance; otherwise the funds of the partners the user
    sees (a channel manager's territory, a partner's own company); shared pools to vendor
    staff only."""
    if not user.is_authenticated or not user.is_active or not can(user, "mdf.view"):
        return Fund.objects.none()
    if can(user, "mdf.see_all"):
        return Fund.objects.all()
    return Fund.objects.filter(partner__in=partners_visible_to(user).values("pk"))


def get_fund_for(user: User, fund_id: int | str) -> Fund:
    try:
        return funds_visible_to(user).select_related("program", "partner").get(pk=fund_id)
    except (Fund.DoesNotExist, ValueError, TypeError):
        raise NotFound("No such fund.") from None


def requests_visible_to(user: User) -> QuerySet[MdfRequest]:
    """The fund requests of the funds ``user`` sees."""
    return MdfRequest.objects.filter(fund__in=funds_visible_to(user).values("pk"))


def figures_visible_to(user: User) -> QuerySet[ActivityFigures]:
    """The ROI figures of the approved activities of the funds ``user`` sees."""
    return ActivityFigures.objects.filter(fund__in=funds_visible_to(user).values("pk"))


def get_request_for(user: User, request_id: int | str) -> MdfRequest:
    try:
        return (
            requests_visible_to(user).select_related("fund__program", "partner").get(pk=request_id)
        )
    except (MdfRequest.DoesNotExist, ValueError, TypeError):
        raise NotFound("No such fund request.") from None


def claims_visible_to(user: User) -> QuerySet[MdfClaim]:
    """The claims of the funds ``user`` sees."""
    return MdfClaim.objects.filter(fund__in=funds_visible_to(user).values("pk"))


def get_claim_for(user: User, claim_id: int | str) -> MdfClaim:
    try:
        return (
            claims_visible_to(user)
            .select_related("request", "fund__program", "partner", "claimed_by")
            .get(pk=claim_id)
        )
    except (MdfClaim.DoesNotExist, ValueError, TypeError):
        raise NotFound("No such claim.") from None


def claim_documents_visible_to(user: User, claim: MdfClaim) -> QuerySet[ClaimDocument]:
    """The files of a claim, for those who see the claim (the caller got it through
    ``get_claim_for``; the filter repeats the scope so a file id alone never leaks)."""
    return ClaimDocument.objects.filter(claim__in=claims_visible_to(user).filter(pk=claim.pk))


def payouts_visible_to(user: User) -> QuerySet[Payout]:
    """MDF payouts of the funds ``user`` sees; SPIFF payouts of the rewards they see (a rep
    sees their own, a partner admin their company's, finance every one)."""
    return Payout.objects.filter(
        Q(kind=PayoutKind.MDF_CLAIM, fund__in=funds_visible_to(user).values("pk"))
        | Q(
            kind=PayoutKind.SPIFF,
            pk__in=rewards_visible_to(user).filter(payout__isnull=False).values("payout"),
        )
    )


def get_payout_for(user: User, payout_id: int | str) -> Payout:
    try:
        return (
            payouts_visible_to(user)
            .select_related("claim__request", "fund__program", "partner")
            .get(pk=payout_id)
        )
    except (Payout.DoesNotExist, ValueError, TypeError):
        raise NotFound("No such payout.") from None


def entries_visible_to(user: User) -> QuerySet[LedgerEntry]:
    """The ledger entries of the funds ``user`` sees."""
    return LedgerEntry.objects.filter(fund__in=funds_visible_to(user).values("pk"))


def get_entry_for(user: User, entry_id: int | str) -> LedgerEntry:
    try:
        return entries_visible_to(user).select_related("fund__program").get(pk=entry_id)
    except (LedgerEntry.DoesNotExist, ValueError, TypeError):
        raise NotFound("No such ledger entry.") from None
