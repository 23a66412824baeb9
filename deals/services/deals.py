"""Services of deal registrations: create and edit a draft, submit (eligibility, then the
conflict check under the lock of the customer's account tree), the decisions, won / lost /
reopen, the protection period's expiry and reminders, extensions, sharing.

One transition function (``_move``) changes a deal's status: it checks the lifecycle
(``DEAL_LIFECYCLE``: 409 ``illegal_transition``, nothing changes), writes the audit row
and emits the ``deal.<event>`` event in the same transaction, so workflows, webhooks and
notifications see every transition.

Registration order is the server's commit order: a submission locks the top of the
customer's account tree (``_lock_account_line``) before it reads the competing
registrations and takes its timestamp, and holds the lock until it commits."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.timezone import localtime
from guardian.shortcuts import assign_perm

from deals import scope
from deals.conflicts import Found, active_registrations, deal_conflicts
from deals.eligibility import deal_eligibility
from deals.models import (
    DEAL_LIFECYCLE,
    EDITABLE_STATUSES,
    ConflictCode,
    ConflictRule,
    CustomerAccount,
    Deal,
    DealConflict,
    DealLine,
    DealPolicy,
    DealStatus,
    Product,
    RejectionReason,
    ReservationPolicy,
)
from deals.selectors import MATCH, account_candidates, account_vendor_owner
from deals.services._common import _lock_account_line, server_now
from deals.services.accounts import _account_create
from prm import limits
from prm.audit import audit_note
from prm.errors import Conflict, Forbidden, IllegalTransition, Invalid, NotFound
from prm.money import DECIMAL_PLACES, MAX_DIGITS, Money, is_currency, total
from prm.outbox.events import event_emit
from prm.permissions import require
from prm.users.models import User
from workflows.approvals import approvals_close

S = DealStatus


@dataclass(frozen=True)
class LineIn:
    """A product line as given: the product, how many, at what unit price."""

    product: Product
    quantity: int
    unit_price: Decimal


# --- helpers --------------------------------------------------------------------------


def _locked(deal: Deal) -> Deal:
    return Deal.objects.select_for_update(of=("self",), no_key=True).get(pk=deal.pk)


def _locked_for(actor: User, deal: Deal, related: Sequence[str] = ()) -> Deal:
    """The deal locked, if ``actor`` sees it; the same 404 as a missing one. ``related``:
    rows read with it (not locked), as ``select_related`` names them."""
    locked = (
        scope.deals_visible_to(actor, one=True)
        .select_for_update(of=("self",), no_key=True)
        .select_related(*related)
        .filter(pk=deal.pk)
        .first()
    )
    if locked is None:
        raise NotFound("No such deal.")
    return locked


def _move(
    deal: Deal,
    target: str,
    *,
    actor: User | None,
    event: str | None,
    note: str = "",
    payload: dict[str, Any] | None = None,
    fields: Sequence[str] = (),
) -> Deal:
    """The one transition: check, save ``status`` (and ``fields``), audit, and emit
    ``event`` (none: the caller emits the event that says what happened next)."""
    DEAL_LIFECYCLE.check(deal.status, target)
    deal.status = target
    label = DEAL_LIFECYCLE.label(target).lower()
    audit_note(deal, actor, f"{label}: {note}" if note else label)
    deal.save(update_fields=["status", "updated_at", *fields])
    if target == S.UNDER_REVIEW:  # a review starting (or a queue) decides nothing yet
        return _emit(deal, target, actor=actor, event=event, payload=payload)
    # What workflows still ask about the deal was decided by this move: their approvals
    # leave the inbox (the run deciding it now, if any, is not waiting).
    approvals_close(
        object_type="deal",
        object_id=deal.pk,
        reason=note or label,
        decided_by=actor,
        decision={"approved": "approved", "rejected": "rejected"}.get(str(target), ""),
    )
    return _emit(deal, target, actor=actor, event=event, payload=payload)


def _emit(
    deal: Deal,
    target: str,
    *,
    actor: User | None,
    event: str | None,
    payload: dict[str, Any] | None,
) -> Deal:
    if event is None:
        return deal
    event_emit(
        event_type=event,
        obj=deal,
        actor=actor,
        partner_id=deal.partner_id,
        payload={"status": target, **(payload or {})},
    )
    return deal


def _note(text: str, field: str = "note") -> str:
    text = (text or "").strip()
    if len(text) > limits.NOTE:
        raise Invalid({field: [f"Keep it under {limits.NOTE:,} characters."]})
    return text


def _check_lines(lines: Sequence[LineIn], currency: str) -> None:
    errors: list[str] = []
    if not lines:
        errors.append("Add at least one product.")
    largest = Decimal(10) ** (MAX_DIGITS - DECIMAL_PLACES) - 1
    amounts = []
    for number, line in enumerate(lines, 1):
        if not line.product.active:
            errors.append(f"Line {number}: {line.product.name} is no longer sold.")
        if not isinstance(line.quantity, int) or line.quantity < 1:
            errors.append(f"Line {number}: the quantity must be a whole number of at least 1.")
        elif line.unit_price is None or line.unit_price < 0:
            errors.append(f"Line {number}: the unit price cannot be negative.")
        elif line.unit_price != line.unit_price.quantize(Decimal("0.01")):
            errors.append(f"Line {number}: give the unit price in cents at most (e.g. 99.95).")
        elif line.quantity * line.unit_price > largest:
            errors.append(f"Line {number}: the amount is larger than the program registers.")
        else:
            amounts.append(line.quantity * line.unit_price)
    if not errors and sum(amounts) > largest:
        errors.append("The deal's amount is larger than the program registers.")
    if errors:
        raise Invalid({"lines": errors})
    if not is_currency(currency):
        raise Invalid({"currency": ["Give a currency code such as USD or EUR."]})


def _write_lines(deal: Deal, lines: Sequence[LineIn], *, new: bool = False) -> None:
    """``lines`` replace the deal's (``new``: a deal just inserted has none to delete)."""
    if not new:
        deal.lines.all().delete()
    DealLine.objects.bulk_create(
        DealLine(deal=deal, product=x.product, quantity=x.quantity, unit_price=x.unit_price)
        for x in lines
    )
    amount = total((Money(x.unit_price * x.quantity, deal.currency) for x in lines), deal.currency)
    deal.amount = amount.amount


def _refuse_vendor_owned(account: CustomerAccount, tree: ReservationPolicy | None = None) -> None:
    """Refused when the vendor sells to the account, or (as the multi-office policy
    ``tree`` covers it) to an account above it: the vendor-owned part of its standing, read
    without its reservations."""
    whose = account_vendor_owner(account, policy=tree or ReservationPolicy.current())
    if whose is not None:
        raise Conflict(
            f"{account.name} cannot be registered: the vendor sells to {whose} directly.",
            code="account_vendor_owned",
        )


def _new_account(actor: User, fields: dict[str, Any]) -> CustomerAccount:
    """The customer created with the deal, after the duplicate check: an account that
    already exists for certain (a ``match``) is named, so the partner picks it instead."""
    name = (fields.get("name") or "").strip()
    if not name:
        raise Invalid({"account": ["Choose the customer, or give the new customer's name."]})
    policy = ReservationPolicy.current()
    domains = list(fields.get("domains") or [])
    queries = [{"q": name, "country": fields.get("country", "")}] + [{"domain": d} for d in domains]
    for query in queries:
        for candidate in account_candidates(**query, policy=policy):
            if candidate.verdict == MATCH:
                raise Invalid(
                    {
                        "account": [
                            f"{candidate.account.name} is already a customer account ("
                            + "; ".join(candidate.reasons)
                            + "): choose it instead of adding a new one."
                        ]
                    }
                )
    return _account_create(actor=actor, **fields)


def _partner_side(actor: User) -> Any:
    require(actor, "deals.register", "Only partner users register deals.")
    partner = scope.partner_of(actor)
    if partner is None:
        raise Forbidden("You are not a member of a partner, so you cannot register deals.")
    return partner


# --- create and edit ------------------------------------------------------------------


def _deal_create(
    *,
    actor: User,
    name: str,
    lines: Sequence[LineIn],
    currency: str,
    expected_close_date: date,
    account: CustomerAccount | None = None,
    new_account: dict[str, Any] | None = None,
    description: str = "",
    campaign_code: str = "",
) -> Deal:
    """A draft registration for the actor's partner, on ``account`` or on a customer
    created in the same transaction (``new_account``: name, country, domains…)."""
    partner = _partner_side(actor)
    name = (name or "").strip()
    if not name:
        raise Invalid({"name": ["Name the opportunity, e.g. “Firewall refresh 2027”."]})
    _check_lines(lines, currency)
    if account is None and new_account is None:
        raise Invalid({"account": ["Choose the customer, or give the new customer's name."]})
    if account is None:
        assert new_account is not None
        account = _new_account(actor, new_account)
    _refuse_vendor_owned(account)
    deal = Deal(
        account=account,
        partner=partner,
        submitter=actor,
        name=name,
        description=(description or "").strip(),
        currency=currency,
        expected_close_date=expected_close_date,
        campaign_code=(campaign_code or "").strip(),
    )
    audit_note(deal, actor, "created")
    deal.save()
    _write_lines(deal, lines, new=True)
    deal.save(update_fields=["amount"])
    return deal


deal_create = transaction.atomic(durable=True)(_deal_create)

EDITABLE_FIELDS = {"name", "description", "currency", "expected_close_date", "campaign_code"}


def _deal_update(
    *, actor: User, deal: Deal, fields: dict[str, Any], lines: Sequence[LineIn] | None = None
) -> Deal:
    """Change a draft, or a registration the vendor asked for more information on."""
    _partner_side(actor)
    locked = _locked_for(actor, deal)
    if locked.status not in EDITABLE_STATUSES:
        raise Conflict(
            f"A deal that is {locked.get_status_display().lower()} cannot be changed.",
            code="illegal_transition",
        )
    unknown = set(fields) - EDITABLE_FIELDS
    if unknown:
        raise Invalid({name: ["This cannot be changed here."] for name in sorted(unknown)})
    for name, value in fields.items():
        setattr(locked, name, value.strip() if isinstance(value, str) else value)
    if not locked.name:
        raise Invalid({"name": ["Name the opportunity."]})
    if lines is not None:
        _check_lines(lines, locked.currency)
        _write_lines(locked, lines)
    elif "currency" in fields:
        _check_lines([_line_in(x) for x in locked.lines.select_related("product")], locked.currency)
    audit_note(locked, actor, "changed")
    locked.save()
    return locked


def _line_in(line: DealLine) -> LineIn:
    return LineIn(line.product, line.quantity, line.unit_price)


deal_update = transaction.atomic(durable=True)(_deal_update)


# --- submit: eligibility, conflicts, the policy ---------------------------------------


def _store_conflicts(deal: Deal, found: list[Found]) -> None:
    deal.conflicts.all().delete()
    DealConflict.objects.bulk_create(
        DealConflict(
            deal=deal,
            code=f.code,
            score=f.score,
            reasons=f.reasons,
            warning=f.warning,
            competing_deal=f.competing_deal,
            competing_reservation=f.competing_reservation,
            competing_account=f.competing_account,
            competing_partner_id=f.competing_partner_id,
        )
        for f in found
    )
    real = [f for f in found if not f.warning]
    deal.conflict_count = len(real)
    deal.conflict_score = max((f.score for f in real), default=0)
    deal.conflict_codes = sorted({f.code for f in real})


def _blocking_approved(found: list[Found]) -> Deal | None:
    """The earliest approved, still protected registration this one competes with."""
    approved = [
        f.competing_deal
        for f in found
        if not f.warning and f.competing_deal is not None and f.competing_deal.status == S.APPROVED
    ]
    return min(approved, key=lambda d: (d.registered_at, d.pk), default=None)


def _check_conflicts(
    deal: Deal,
    *,
    actor: User | None,
    policy: DealPolicy,
    lines: Sequence[DealLine] | None = None,
    tree: ReservationPolicy | None = None,
) -> list[Found]:
    """Under the tree's lock: record what competes with ``deal`` and return it. ``lines``:
    the deal's lines with their products and product lines, when the caller read them;
    ``tree``: the multi-office policy, when the caller read it."""
    if lines is None:
        lines = list(deal.lines.select_related("product__line"))
    found = deal_conflicts(
        deal, lines, now=server_now(), policy=policy, tree=tree or ReservationPolicy.current()
    )
    _store_conflicts(deal, found)
    return found


def _route(deal: Deal, found: list[Found], *, actor: User | None, policy: DealPolicy) -> Deal:
    """After the conflicts are stored: queue behind an earlier approved registration,
    reject at once when the policy says so, or hand the deal to the workflows."""
    blocking = _blocking_approved(found)
    payload = {
        "amount": str(deal.amount),
        "currency": deal.currency,
        "conflict_count": deal.conflict_count,
        "conflict_codes": deal.conflict_codes,
    }
    if blocking is not None:
        deal.queued_behind = blocking
        until = blocking.protected_until or server_now()  # approved: always set
        return _move(
            deal,
            S.UNDER_REVIEW,
            actor=None,
            event="deal.queued",
            note=f"queued behind an earlier registration, protected until "
            f"{date_format(localtime(until))}",
            payload={**payload, "protected_until": until.isoformat()},
            fields=["queued_behind", *CONFLICT_FIELDS],
        )
    deal.queued_behind = None
    earlier = [f for f in found if not f.warning and f.code != ConflictCode.VENDOR_OWNED]
    if earlier and policy.conflict_rule == ConflictRule.REJECT:
        _move(deal, S.UNDER_REVIEW, actor=None, event=None)
        reason = RejectionReason.objects.filter(code="duplicate").first()
        return _decide_reject(
            deal,
            actor=None,
            reason=reason,
            note="; ".join(earlier[0].reasons),
        )
    event_emit(
        event_type="deal.submitted",
        obj=deal,
        actor=actor,
        partner_id=deal.partner_id,
        payload=payload,
    )
    deal.save(update_fields=["queued_behind", *CONFLICT_FIELDS])
    return deal


CONFLICT_FIELDS = ["conflict_count", "conflict_score", "conflict_codes"]


def _hoarding(deal: Deal, policy: DealPolicy, lines: Sequence[DealLine]) -> None:
    """One active registration per partner per customer and product line (``lines``: the
    deal's, with their products)."""
    mine = {line.product.line_id for line in lines}
    others = (
        Deal.objects.filter(active_registrations(server_now()), account=deal.account)
        .filter(partner_id=deal.partner_id, lines__product__line_id__in=mine)
        .exclude(pk=deal.pk)
        .distinct()
        .first()
    )
    if others is not None:
        raise Conflict(
            f"{deal.partner.display_name} already has an active registration of "
            f"{deal.account.name} for these products (“{others.name}”): update that one.",
            code="duplicate_registration",
        )


def _deal_submit(*, actor: User, deal: Deal) -> Deal:
    """Submit a draft, answer an information request, or submit a rejected registration
    again (within the policy's limit). Refused with field errors when not eligible, and
    with 409 when the lifecycle does not allow it; otherwise the conflicts are recorded
    and the deal is queued, rejected at once by the policy, or handed to the workflows
    (``deal.submitted``)."""
    _partner_side(actor)
    # With what the checks below read: its customer, partner and the partner's tier.
    locked = _locked_for(actor, deal, related=("account", "partner__tier"))
    DEAL_LIFECYCLE.check(locked.status, S.SUBMITTED)
    policy = DealPolicy.current()
    if locked.status == S.REJECTED and locked.submissions > policy.max_resubmissions:
        raise Conflict(
            f"This registration was submitted {locked.submissions} times, the most the "
            "program allows: register a new deal if the situation changed.",
            code="resubmission_limit",
        )
    tree = ReservationPolicy.current()
    # The account as the lock read it (committed, after any change before the lock).
    line = _lock_account_line(locked.account)
    account = next((a for a in line if a.pk == locked.account_id), None)
    if account is None:  # moved in the tree before the lock: read it again
        locked.account.refresh_from_db()
    else:
        locked.account = account
    _refuse_vendor_owned(locked.account, tree)
    lines = list(locked.lines.select_related("product__line", "product__min_tier"))
    errors = deal_eligibility(
        deal=locked,
        lines=lines,
        partner=locked.partner,
        submitter=actor,
        policy=policy,
        today=timezone.localdate(),
    )
    if errors:
        raise Invalid(errors)
    _hoarding(locked, policy, lines)
    if locked.registered_at is None:
        locked.registered_at = server_now()
    locked.submissions += 1
    _move(locked, S.SUBMITTED, actor=actor, event=None, fields=["registered_at", "submissions"])
    found = _check_conflicts(locked, actor=actor, policy=policy, lines=lines, tree=tree)
    return _route(locked, found, actor=actor, policy=policy)


deal_submit = transaction.atomic(durable=True)(_deal_submit)


# --- decisions ------------------------------------------------------------------------


def _decider(actor: User | None, deal: Deal) -> Deal:
    """The deal locked for a decision: a person must be allowed to decide and see it; the
    workflow engine (no actor, or acting for an approver it asked) decides as routed."""
    if actor is None:
        return _locked(deal)
    require(actor, "deals.decide", "You cannot decide deal registrations.")
    return _locked_for(actor, deal)


def _as_reviewed(status: str) -> str:
    """A decision on a submitted deal starts its review first."""
    return S.UNDER_REVIEW if status == S.SUBMITTED else status


def _start_review(deal: Deal, actor: User | None) -> None:
    if deal.status == S.SUBMITTED:
        _move(deal, S.UNDER_REVIEW, actor=actor, event=None)


def _decide_approve(deal: Deal, *, actor: User | None, note: str = "") -> Deal:
    if deal.queued_behind_id is not None:
        raise Conflict(
            "This registration is queued behind an earlier approved one; it is decided "
            "when that one ends.",
            code="deal_queued",
        )
    _start_review(deal, actor)
    policy = DealPolicy.current()
    now = server_now()
    deal.decided_at = now
    deal.decided_by = actor
    deal.decision_note = note
    deal.rejection_reason = None
    deal.protected_until = now + timedelta(days=policy.protection_days)
    return _move(
        deal,
        S.APPROVED,
        actor=actor,
        event="deal.approved",
        note=note,
        payload={"protected_until": deal.protected_until.isoformat(), "reason": note},
        fields=["decided_at", "decided_by", "decision_note", "rejection_reason", "protected_until"],
    )


def _decide_reject(
    deal: Deal, *, actor: User | None, reason: RejectionReason | None, note: str = ""
) -> Deal:
    _start_review(deal, actor)
    deal.decided_at = server_now()
    deal.decided_by = actor
    deal.rejection_reason = reason
    deal.decision_note = note[: limits.NOTE]
    deal.queued_behind = None
    why = reason.label if reason is not None else "rejected"
    return _move(
        deal,
        S.REJECTED,
        actor=actor,
        event="deal.rejected",
        note=f"{why}. {note}".strip() if note else why,
        payload={"reason_code": reason.code if reason else "", "reason": note},
        fields=["decided_at", "decided_by", "rejection_reason", "decision_note", "queued_behind"],
    )


def _deal_approve(*, actor: User | None, deal: Deal, note: str = "") -> Deal:
    """Approve a registration: it protects the partner for the policy's period."""
    locked = _decider(actor, deal)
    return _decide_approve(locked, actor=actor, note=_note(note))


deal_approve = transaction.atomic(durable=True)(_deal_approve)


def _rejection_reason(code: str) -> RejectionReason:
    reason = RejectionReason.objects.filter(code=code, active=True).first()
    if reason is None:
        choices = ", ".join(
            RejectionReason.objects.filter(active=True).values_list("code", flat=True)
        )
        raise Invalid({"reason_code": [f"Choose one of the reasons: {choices}."]})
    return reason


def _deal_reject(*, actor: User | None, deal: Deal, reason_code: str, note: str = "") -> Deal:
    """Reject a registration with one of the tenant's reasons (and words of one's own)."""
    locked = _decider(actor, deal)
    reason = _rejection_reason(reason_code)
    DEAL_LIFECYCLE.check(
        locked.status if locked.status != S.SUBMITTED else S.UNDER_REVIEW, S.REJECTED
    )
    return _decide_reject(locked, actor=actor, reason=reason, note=_note(note))


deal_reject = transaction.atomic(durable=True)(_deal_reject)


def _deal_request_info(*, actor: User, deal: Deal, note: str) -> Deal:
    """Ask the partner for more information; their answer submits the deal again."""
    locked = _decider(actor, deal)
    note = _note(note)
    if not note:
        raise Invalid({"note": ["Say what information the partner should add."]})
    DEAL_LIFECYCLE.check(_as_reviewed(locked.status), S.INFO_REQUESTED)
    _start_review(locked, actor)
    locked.decision_note = note
    return _move(
        locked,
        S.INFO_REQUESTED,
        actor=actor,
        event="deal.info_requested",
        note=note,
        payload={"question": note},
        fields=["decision_note"],
    )


deal_request_info = transaction.atomic(durable=True)(_deal_request_info)


def _deal_withdraw(*, actor: User, deal: Deal) -> Deal:
    _partner_side(actor)
    locked = _locked_for(actor, deal)
    return _move(locked, S.WITHDRAWN, actor=actor, event="deal.withdrawn")


deal_withdraw = transaction.atomic(durable=True)(_deal_withdraw)


# --- after approval -------------------------------------------------------------------


def _unqueue_behind(deal: Deal) -> None:
    """The registrations queued behind ``deal`` (which ended) are checked again and handed
    on: to the next earlier registration's queue, or to the workflows."""
    policy = DealPolicy.current()
    for waiting in Deal.objects.filter(queued_behind=deal).select_for_update(
        of=("self",), no_key=True
    ):
        found = _check_conflicts(waiting, actor=None, policy=policy)
        blocking = _blocking_approved(found)
        waiting.queued_behind = blocking
        if blocking is not None:
            waiting.save(update_fields=["queued_behind", *CONFLICT_FIELDS])
            continue
        audit_note(waiting, None, f"no longer queued: {deal.name} ended")
        waiting.save(update_fields=["queued_behind", *CONFLICT_FIELDS])
        event_emit(
            event_type="deal.submitted",
            obj=waiting,
            actor=None,
            partner_id=waiting.partner_id,
            payload={
                "amount": str(waiting.amount),
                "currency": waiting.currency,
                "conflict_count": waiting.conflict_count,
                "conflict_codes": waiting.conflict_codes,
                "unqueued": True,
            },
        )


def _deal_won(
    *, actor: User, deal: Deal, closed_on: date, final_amount: Decimal | None = None
) -> Deal:
    """The partner won the customer: the close date and the final amount (default: the
    registered amount)."""
    _partner_side(actor)
    locked = _locked_for(actor, deal)
    DEAL_LIFECYCLE.check(locked.status, S.WON)
    if closed_on > timezone.localdate():
        raise Invalid({"closed_on": ["The close date cannot be in the future."]})
    if final_amount is not None and final_amount < 0:
        raise Invalid({"final_amount": ["The final amount cannot be negative."]})
    locked.closed_on = closed_on
    locked.final_amount = locked.amount if final_amount is None else final_amount
    return _move(
        locked,
        S.WON,
        actor=actor,
        event="deal.won",
        payload={"final_amount": str(locked.final_amount), "closed_on": closed_on.isoformat()},
        fields=["closed_on", "final_amount"],
    )


deal_won = transaction.atomic(durable=True)(_deal_won)


def _deal_lost(*, actor: User, deal: Deal, reason: str) -> Deal:
    _partner_side(actor)
    locked = _locked_for(actor, deal)
    reason = (reason or "").strip()
    DEAL_LIFECYCLE.check(locked.status, S.LOST)
    if not reason:
        raise Invalid({"reason": ["Say why the deal was lost (e.g. price, competitor)."]})
    if len(reason) > 200:
        raise Invalid({"reason": ["Keep it under 200 characters."]})
    locked.lost_reason = reason
    locked.closed_on = timezone.localdate()
    _move(
        locked,
        S.LOST,
        actor=actor,
        event="deal.lost",
        note=reason,
        payload={"reason": reason},
        fields=["lost_reason", "closed_on"],
    )
    _unqueue_behind(locked)
    return locked


deal_lost = transaction.atomic(durable=True)(_deal_lost)


def _deal_reopen(*, actor: User, deal: Deal, reason: str) -> Deal:
    """Vendor staff reopen a won or lost deal (with a reason): it is approved again, and
    protected for the rest of its period (or a fresh one, if that has run out)."""
    require(actor, "deals.reopen", "Only vendor staff reopen deals.")
    locked = _locked_for(actor, deal)
    reason = _note(reason, "reason")
    if not reason:
        raise Invalid({"reason": ["Say why the deal is reopened."]})
    DEAL_LIFECYCLE.check(locked.status, S.APPROVED)
    now = server_now()
    if locked.protected_until is None or locked.protected_until <= now:
        locked.protected_until = now + timedelta(days=DealPolicy.current().protection_days)
    locked.closed_on = None
    locked.final_amount = None
    locked.lost_reason = ""
    return _move(
        locked,
        S.APPROVED,
        actor=actor,
        event="deal.reopened",
        note=reason,
        payload={"reason": reason},
        fields=["protected_until", "closed_on", "final_amount", "lost_reason"],
    )


deal_reopen = transaction.atomic(durable=True)(_deal_reopen)


def deals_expire(*, limit: int = 500) -> int:
    """The sweep: approved registrations whose protection has run out expire, one
    transaction each (``skip_locked``: a second sweep takes other rows); the deals queued
    behind one are handed on. Returns how many expired."""
    expired = 0
    for _ in range(limit):
        with transaction.atomic(durable=True):
            deal = (
                Deal.objects.select_for_update(skip_locked=True, of=("self",), no_key=True)
                .filter(status=S.APPROVED, protected_until__lte=server_now())
                .order_by("protected_until", "pk")
                .first()
            )
            if deal is None:
                break
            _move(deal, S.EXPIRED, actor=None, event="deal.expired")
            _unqueue_behind(deal)
            expired += 1
    return expired


def deals_remind() -> int:
    """``deal.expiring`` on each of the policy's reminder days before the protection
    ends, once per deal, day and protection end."""
    policy = DealPolicy.current()
    now = server_now()
    sent = 0
    for day in sorted(set(policy.reminder_days), reverse=True):
        due = Deal.objects.filter(
            status=S.APPROVED,
            protected_until__gt=now,
            protected_until__lte=now + timedelta(days=day),
        )
        for deal in due:
            key = f"deal.expiring:{deal.pk}:{day}:{deal.protected_until:%Y%m%d}"
            with transaction.atomic(durable=True):
                if event_emit(
                    event_type="deal.expiring",
                    obj=deal,
                    actor=None,
                    partner_id=deal.partner_id,
                    payload={"days": day, "protected_until": str(deal.protected_until)},
                    dedupe_key=key,
                ):
                    sent += 1
    return sent


def extension_request_key(deal: Deal) -> str:
    """One request per extension and refusal: a refused request closes it."""
    return f"deal.extension_requested:{deal.pk}:{deal.extensions + 1}:{deal.extension_refusals}"


def _deal_extend_request(*, actor: User, deal: Deal) -> Deal:
    """Ask for a longer protection; the tenant's workflow sends it for approval."""
    _partner_side(actor)
    locked = _locked_for(actor, deal)
    if locked.status != S.APPROVED:
        raise IllegalTransition("Only an approved registration's protection can be extended.")
    policy = DealPolicy.current()
    if locked.extensions >= policy.max_extensions:
        raise Conflict(
            f"This registration has had {locked.extensions} of the {policy.max_extensions} "
            "extension(s) the program allows.",
            code="extension_limit",
        )
    if not event_emit(
        event_type="deal.extension_requested",
        obj=locked,
        actor=actor,
        partner_id=locked.partner_id,
        payload={"extension": locked.extensions + 1, "days": policy.extension_days},
        dedupe_key=extension_request_key(locked),
    ):
        raise Conflict("An extension has been asked for already.", code="extension_pending")
    return locked


deal_extend_request = transaction.atomic(durable=True)(_deal_extend_request)


def _deal_extend(*, actor: User | None, deal: Deal, note: str = "") -> Deal:
    """The approval of an extension request: the policy's extension days more."""
    locked = _locked(deal)
    policy = DealPolicy.current()
    if locked.status != S.APPROVED or locked.protected_until is None:
        raise Conflict("The registration ended before its extension was decided.")
    if locked.extensions >= policy.max_extensions:
        raise Conflict("The registration has had every extension the program allows.")
    locked.protected_until += timedelta(days=policy.extension_days)
    locked.extensions += 1
    audit_note(locked, actor, f"extended: {note}" if note else "extended")
    locked.save(update_fields=["protected_until", "extensions", "updated_at"])
    event_emit(
        event_type="deal.extended",
        obj=locked,
        actor=actor,
        partner_id=locked.partner_id,
        payload={"protected_until": locked.protected_until.isoformat()},
    )
    return locked


def _deal_share(*, actor: User, deal: Deal, colleague: User) -> Deal:
    """Share a deal with a colleague of the same partner (they may see it)."""
    require(actor, "deals.share", "You cannot share deals.")
    locked = _locked_for(actor, deal)
    # A colleague: a member of the same partner company (any unit of its tree).
    partner = scope.partner_of(colleague) if colleague.is_active else None
    company = locked.partner.path[: locked.partner.steplen]
    if partner is None or not partner.path.startswith(company):
        raise NotFound("No such colleague.")
    assign_perm("deals.view_deal", colleague, locked)
    audit_note(locked, actor, f"shared with {colleague}")
    locked.save(update_fields=["updated_at"])
    return locked


deal_share = transaction.atomic(durable=True)(_deal_share)
