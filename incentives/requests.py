"""Writes of MDF requests (keyword-only; ``x = atomic(durable=True)(_x)``): a partner asks
for funds for an activity, the tenant's fund request workflow routes it (the "mdfrequest"
subject, incentives/subjects.py), an approval commits the approved amount from the fund
(incentives.ledger), a cancellation gives back what is committed."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from incentives import ledger, rates
from incentives.figures import figures_refresh
from incentives.models import (
    MDF_REQUEST_LIFECYCLE,
    REQUIRED_PROOFS,
    ZERO,
    ActivityCap,
    ActivityType,
    EntryKind,
    Fund,
    MdfPolicy,
    MdfProgram,
    MdfRequest,
    RequestStatus,
)
from prm.audit import audit_note
from prm.errors import Conflict, Forbidden, Invalid
from prm.money import Money
from prm.outbox.events import event_emit
from prm.permissions import require
from prm.portal.templatetags.portal import money
from prm.users.models import User
from workflows.approvals import approvals_close

S = RequestStatus
CENT = Decimal("0.01")
HORIZON = dt.timedelta(days=3653)  # ten years: how far ahead an activity may be planned


def _money_problem(value: Decimal | None, *, required: bool) -> str:
    if value is None:
        return "Enter an amount." if required else ""
    if value < 0 or (required and value == 0):
        return "Enter an amount above zero." if required else "Enter zero or more."
    if value != value.quantize(CENT):
        return "Enter the amount in whole cents."
    return ""


def _check(fields: dict[str, Any], today: dt.date) -> None:
    problems: dict[str, list[str]] = {}
    if fields.get("activity_type") not in ActivityType.values:
        problems["activity_type"] = ["Choose the kind of activity."]
    if not (fields.get("title") or "").strip():
        problems["title"] = ["Name the activity, e.g. “Security roadshow Munich”."]
    starts, ends = fields.get("starts_on"), fields.get("ends_on")
    if starts is None:
        problems["starts_on"] = ["Enter the day the activity starts."]
    elif starts < today:
        problems["starts_on"] = ["Ask before the activity: it cannot start in the past."]
    if ends is None:
        problems["ends_on"] = ["Enter the day the activity ends."]
    elif starts is not None and ends < starts:
        problems["ends_on"] = ["The activity ends on or after the day it starts."]
    elif ends > today + HORIZON:  # the claim's due date is counted from it
        problems["ends_on"] = ["Ask for an activity that ends within the next ten years."]
    for name, required in (
        ("requested_amount", True),
        ("partner_contribution", False),
        ("expected_pipeline", False),
    ):
        problem = _money_problem(fields.get(name), required=required)
        if problem:
            problems[name] = [problem]
    if problems:
        raise Invalid(problems)


def _percent(value: Decimal) -> str:
    """60.00 -> "60", 12.50 -> "12.5"."""
    return f"{value:f}".rstrip("0").rstrip(".") if "." in f"{value:f}" else f"{value:f}"


def cap_problem(
    program: MdfProgram, activity_type: str, amount: Decimal, contribution: Decimal
) -> str:
    """What the program's cap for the kind of activity says of ``amount`` asked from the
    fund beside the partner's ``contribution`` ("" when within it)."""
    cap = ActivityCap.objects.filter(program=program, activity_type=activity_type).first()
    if cap is None:
        return ""
    label = ActivityType(activity_type).label.lower()
    kind = f"{'an' if label[0] in 'aeiou' else 'a'} {label}"
    if cap.max_amount is not None and amount > cap.max_amount:
        return (
            f"{program.name} pays at most {money(cap.max_amount, program.currency)} for a {kind}."
        )
    cost = amount + contribution
    if cap.max_percent is not None and cost > 0 and amount * 100 > cap.max_percent * cost:
        most = (cost * cap.max_percent / 100).quantize(CENT)
        return (
            f"{program.name} pays at most {_percent(cap.max_percent)}% of {kind}'s cost: "
            f"{money(most, program.currency)} of {money(cost, program.currency)}."
        )
    return ""


def _entered_in(fields: dict[str, Any], to: str, today: dt.date) -> rates.Converted:
    """The request's amounts entered in ``fields["currency"]`` (default ``to``, the
    program's), converted in place into ``to`` at the rate in force ``today`` (``Invalid``
    on ``currency`` without one); what the requested amount was, as entered."""
    currency = (fields.pop("currency", None) or to).strip().upper()
    requested = rates.convert(rates.entered(fields["requested_amount"], currency), to, on=today)
    if requested.changed:
        fields["requested_amount"] = requested.money.amount
        for name in ("partner_contribution", "expected_pipeline"):
            if fields.get(name):
                fields[name] = rates.convert(
                    Money(fields[name], currency), to, on=today
                ).money.amount
        if fields["requested_amount"] <= 0:
            raise Invalid(
                {"requested_amount": [f"In {to} this is less than a cent: enter a larger amount."]}
            )
    return requested


def _mdf_request_create(
    *, actor: User, fund: Fund, submit: bool = True, **fields: Any
) -> MdfRequest:
    """A request for ``fund`` (the actor's partner's; scope is the caller's selector) with
    the activity's type, title, description, dates, requested amount, the partner's own
    contribution, expected leads and pipeline and a campaign code; submitted at once
    unless ``submit`` is False (a draft). The amounts may be in another ``currency`` than
    the program's: they are converted into it at the tenant's rate in force today before
    any check (the request keeps what was entered and the rate), refused without a rate."""
    require(actor, "mdf.request", "Only partner users ask for market development funds.")
    if fund.partner_id is None:
        raise Forbidden("A shared pool is drawn on through a partner's own fund.")
    program = fund.program
    if not program.active:
        raise Conflict(f"{program.name} is closed: it takes no more requests.")
    today = timezone.localdate()
    _check(fields, today)
    entered = _entered_in(fields, program.currency, today)
    problem = cap_problem(
        program,
        fields["activity_type"],
        fields["requested_amount"],
        fields.get("partner_contribution") or ZERO,
    )
    if problem:
        raise Invalid({"requested_amount": [problem]})
    request = MdfRequest(
        entered_currency=entered.original.currency.code if entered.changed else "",
        entered_amount=entered.original.amount if entered.changed else None,
        exchange_rate=entered.rate if entered.changed else None,
        fund=fund,
        partner_id=fund.partner_id,
        requested_by=actor,
        currency=program.currency,
        activity_type=fields["activity_type"],
        title=fields["title"].strip(),
        description=(fields.get("description") or "").strip(),
        starts_on=fields["starts_on"],
        ends_on=fields["ends_on"],
        requested_amount=fields["requested_amount"],
        partner_contribution=fields.get("partner_contribution") or ZERO,
        expected_leads=fields.get("expected_leads") or 0,
        expected_pipeline=fields.get("expected_pipeline") or ZERO,
        campaign_code=(fields.get("campaign_code") or "").strip(),
    )
    audit_note(request, actor, "created")
    request.save()
    if submit:
        return _mdf_request_submit(actor=actor, request=request)
    return request


mdf_request_create = transaction.atomic(durable=True)(_mdf_request_create)


def _locked(request: MdfRequest) -> MdfRequest:
    return (
        MdfRequest.objects.select_for_update(of=("self",))
        .select_related("fund__program", "partner")
        .get(pk=request.pk)
    )


def _move(
    locked: MdfRequest, *, actor: User, to: str, reason: str = "", **payload: str
) -> MdfRequest:
    """One move of the request's lifecycle (already checked): saved with who and why, and
    its event (``mdf_request.<status>``) in the same transaction."""
    locked.status = to
    if to in (S.APPROVED, S.REJECTED):
        locked.decided_at = timezone.now()
        locked.decided_by = actor
        locked.decision_note = (reason or "")[:500]
    elif to == S.SUBMITTED:
        locked.submitted_at = timezone.now()
    audit_note(locked, actor, f"{to}: {reason}" if reason else str(to))
    locked.save()
    if to in (S.APPROVED, S.CANCELLED):
        figures_refresh([locked.pk])  # an approved activity counts on the ROI pages
    if to != S.SUBMITTED:
        # Decided by this move (through the API, a page or the inbox itself): what workflows
        # still ask about the request leaves the inbox (the run deciding it now, if any, is
        # not waiting).
        approvals_close(
            object_type="mdfrequest",
            object_id=locked.pk,
            reason=reason or str(to),
            decided_by=actor,
            decision={S.APPROVED: "approved", S.REJECTED: "rejected"}.get(S(to), ""),
        )
    event_emit(
        event_type=f"mdf_request.{to}",
        obj=locked,
        actor=actor,
        partner_id=locked.partner_id,
        payload=payload,
    )
    return locked


def _mdf_request_submit(*, actor: User, request: MdfRequest) -> MdfRequest:
    require(actor, "mdf.request", "Only partner users ask for market development funds.")
    locked = _locked(request)
    MDF_REQUEST_LIFECYCLE.check(locked.status, S.SUBMITTED)
    return _move(
        locked,
        actor=actor,
        to=S.SUBMITTED,
        amount=str(locked.requested_amount),
        currency=locked.currency,
    )


mdf_request_submit = transaction.atomic(durable=True)(_mdf_request_submit)


def _mdf_request_approve(
    *, actor: User, request: MdfRequest, reason: str = "", amount: Decimal | None = None
) -> MdfRequest:
    """Approve the request, for ``amount`` if given (at most the requested amount): the
    approved amount is committed from the fund, the claim is due the policy's days after
    the activity ends, with the proofs its kind of activity needs. ``Conflict``
    (``insufficient_funds``) when the fund cannot cover it: nothing changes."""
    require(actor, "mdf.decide", "Only the vendor's channel team decides fund requests.")
    locked = _locked(request)
    MDF_REQUEST_LIFECYCLE.check(locked.status, S.APPROVED)
    approved = locked.requested_amount if amount is None else amount
    if approved <= 0 or approved > locked.requested_amount or approved != approved.quantize(CENT):
        raise Invalid(
            {
                "amount": [
                    "Approve an amount above zero and at most the "
                    f"{money(locked.requested_amount, locked.currency)} requested."
                ]
            }
        )
    problem = cap_problem(
        locked.fund.program, locked.activity_type, approved, locked.partner_contribution
    )
    if problem:
        raise Invalid({"amount": [problem]})
    _draw_from_pool(locked, approved, actor)
    ledger.commit(
        fund=locked.fund,
        amount=Money(approved, locked.currency),
        actor=actor,
        reference=locked.reference,
    )
    locked.approved_amount = approved
    locked.claim_due_on = locked.ends_on + dt.timedelta(days=MdfPolicy.current().claim_days)
    locked.required_proofs = [str(p) for p in REQUIRED_PROOFS[locked.activity_type]]
    return _move(
        locked,
        actor=actor,
        to=S.APPROVED,
        reason=reason,
        amount=str(approved),
        claim_due_on=locked.claim_due_on.isoformat(),
    )


mdf_request_approve = transaction.atomic(durable=True)(_mdf_request_approve)


def _draw_from_pool(request: MdfRequest, amount: Decimal, actor: User) -> None:
    """When the partner's fund cannot cover ``amount`` and the program has a shared pool,
    the shortfall moves from the pool to the fund first (first come, first served: the
    pool's row lock orders the approvals; an empty pool leaves the fund short, and the
    commitment is then refused as ``insufficient_funds``). Locks the partner's fund, then
    the pool: every approval takes them in that order."""
    fund = Fund.objects.select_for_update().get(pk=request.fund_id)
    shortfall = amount - fund.available
    program = request.fund.program
    if shortfall <= 0 or not program.shared_pool:
        return
    pool = (
        Fund.objects.select_for_update()
        .filter(program=program, partner__isnull=True)
        .select_related("program")
        .first()
    )
    if pool is None or pool.available < shortfall:
        return
    what = f"{request.partner} for {request.title}"
    ledger.post(
        fund=pool,
        kind=EntryKind.ALLOCATE,
        actor=actor,
        allocated=-shortfall,
        memo=f"From the shared pool to {what}",
        reference=request.reference,
    )
    ledger.post(
        fund=fund,
        kind=EntryKind.ALLOCATE,
        actor=actor,
        allocated=shortfall,
        memo=f"From the shared pool for {request.title}",
        reference=request.reference,
    )


def _mdf_request_reject(*, actor: User, request: MdfRequest, reason: str = "") -> MdfRequest:
    require(actor, "mdf.decide", "Only the vendor's channel team decides fund requests.")
    locked = _locked(request)
    MDF_REQUEST_LIFECYCLE.check(locked.status, S.REJECTED)
    return _move(locked, actor=actor, to=S.REJECTED, reason=reason, note=reason[:500])


mdf_request_reject = transaction.atomic(durable=True)(_mdf_request_reject)


def _mdf_request_cancel(*, actor: User, request: MdfRequest, reason: str = "") -> MdfRequest:
    """Cancel a draft, a waiting or an approved request (the partner or the channel team);
    an approved one gives its committed amount back to the fund."""
    if not (actor.is_partner_side or actor.is_vendor_side):
        raise Forbidden("You cannot cancel fund requests.")
    require(
        actor,
        "mdf.request" if actor.is_partner_side else "mdf.decide",
        "You cannot cancel fund requests.",
    )
    locked = _locked(request)
    MDF_REQUEST_LIFECYCLE.check(locked.status, S.CANCELLED)
    if locked.status == S.APPROVED and locked.approved_amount:
        ledger.release(
            fund=locked.fund,
            amount=Money(locked.approved_amount, locked.currency),
            actor=actor,
            reference=locked.reference,
        )
    return _move(locked, actor=actor, to=S.CANCELLED, reason=reason, note=reason[:500])


mdf_request_cancel = transaction.atomic(durable=True)(_mdf_request_cancel)
