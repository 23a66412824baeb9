"""Eligibility of a registration on submit (PRODUCT.md §5, issue 13 point 4), in one
place: partner active, current agreement accepted by the submitter, the tier and
certification each product needs, the tenant's minimum deal size, evidence files above
the policy's amount, a close date in the future and within the policy horizon. Each
problem is a field error that says what to do."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from django.db.models import Q
from django.utils.formats import date_format

from deals.models import EVIDENCE_KINDS, Deal, DealLine, DealPolicy
from partners.models import Certification, Partner, PartnerStatus
from partners.selectors import has_accepted_current_terms
from prm.portal.templatetags.portal import money
from prm.users.models import User


def _certified(partner: Partner, name: str, today: date) -> bool:
    current = Q(expires_on__isnull=True) | Q(expires_on__gte=today)
    return Certification.objects.filter(current, partner=partner, name__iexact=name).exists()


def deal_eligibility(
    *,
    deal: Deal,
    lines: Sequence[DealLine],
    partner: Partner,
    submitter: User,
    policy: DealPolicy,
    today: date,
) -> dict[str, list[str]]:
    """The problems that keep ``deal`` (with ``lines``) from being submitted, by field
    (empty: eligible). Called by deal_submit, and by the new-deal page before submitting."""
    errors: dict[str, list[str]] = {}

    def add(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    who = partner.display_name
    if partner.status != PartnerStatus.ACTIVE:
        add(
            "partner",
            f"{who} is {partner.get_status_display().lower()}: only active partners register "
            "deals. Ask your channel manager.",
        )
    if not has_accepted_current_terms(submitter):
        add("agreement", "Accept the current program agreement before you register deals.")
    if not lines:
        add("lines", "Add at least one product.")
    tier = partner.tier
    for line in lines:
        product = line.product
        if not product.active:
            add("lines", f"{product.name} is no longer sold: remove it from the deal.")
        if product.currency != deal.currency:
            add(
                "currency",
                f"{product.name} is priced in {product.currency}: register the deal in "
                f"{product.currency}.",
            )
        if product.min_tier is not None and (tier is None or tier.rank < product.min_tier.rank):
            add(
                "lines",
                f"{who} must be {product.min_tier.name} or above to register {product.name}"
                + (f" (it is {tier.name})." if tier is not None else "."),
            )
        needed = product.required_certification
        if needed and not _certified(partner, needed, today):
            add("lines", f"{who} needs a {needed} to register {product.name}.")
    if lines and deal.amount < policy.min_amount:
        add(
            "lines",
            f"The smallest deal the program registers is {money(policy.min_amount)}; this one "
            f"is {money(deal.amount, deal.currency)}.",
        )
    needs_evidence = policy.evidence_above is not None and deal.amount > policy.evidence_above
    if needs_evidence and not deal.documents.filter(kind__in=EVIDENCE_KINDS).exists():
        add(
            "documents",
            f"Deals above {money(policy.evidence_above)} need evidence: attach a letter of "
            "intent, a purchase order or a proposal.",
        )
    close = deal.expected_close_date
    horizon = today + timedelta(days=policy.close_horizon_days)
    if close <= today:
        add("expected_close_date", "The expected close date must be in the future.")
    elif close > horizon:
        add(
            "expected_close_date",
            f"Register deals that close within {policy.close_horizon_days} days (by "
            f"{date_format(horizon)}).",
        )
    return errors
