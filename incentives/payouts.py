"""Writes of payouts (keyword-only; ``x = atomic(durable=True)(_x)``): finance approves
approved claims' payouts for payment, exports them as a CSV batch for the accounts-payable
system, and marks them paid (one by one, in bulk with one payment reference, or from the
payment confirmation file) or failed. Paying posts the ledger's ``pay`` entry; a paid
payout is undone only by reversing that entry, and the claim's money is owed again through
a new payout. Nothing is deleted after export."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

import tablib
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from incentives import ledger
from incentives.models import (
    PAYOUT_LIFECYCLE,
    Payout,
    PayoutBatch,
    PayoutKind,
    PayoutStatus,
    RewardStatus,
    SpiffPolicy,
    SpiffReward,
)
from prm.audit import audit_note
from prm.errors import Conflict, Invalid
from prm.exports import csv_text
from prm.money import Money
from prm.outbox.events import event_emit
from prm.permissions import require
from prm.users.models import User

S = PayoutStatus
PAY = "Only finance pays market development funds."
CSV_HEADERS = [
    "Payout",
    "Batch",
    "Partner",
    "Partner number",
    "Claim",
    "Payee",
    "Invoice number",
    "Amount",
    "Currency",
    "Payment reference",
    "Paid on",
    "Status",
]


def _locked(payouts: Iterable[Payout]) -> list[Payout]:
    """The payouts, locked in id order (two finance users at once never deadlock)."""
    ids = sorted({p.pk for p in payouts})
    if not ids:
        raise Invalid({"payouts": ["Choose at least one payout."]})
    return list(
        Payout.objects.select_for_update(of=("self",))
        .select_related("fund__program", "partner", "claim")
        .filter(pk__in=ids)
        .order_by("pk")
    )


def _move(payout: Payout, *, actor: User | None, to: str, note: str = "") -> None:
    PAYOUT_LIFECYCLE.check(payout.status, to)
    payout.status = to
    audit_note(payout, actor, f"{to}: {note}" if note else str(to))
    payout.save()
    event_emit(
        event_type=f"payout.{to}",
        obj=payout,
        actor=actor,
        partner_id=payout.partner_id,
        payload={"amount": str(payout.amount), "currency": payout.currency},
    )


def _payouts_approve(*, actor: User, payouts: Sequence[Payout]) -> list[Payout]:
    """Approve waiting payouts for payment (all or none)."""
    require(actor, "mdf.pay", PAY)
    locked = _locked(payouts)
    for payout in locked:
        _move(payout, actor=actor, to=S.APPROVED)
    return locked


payouts_approve = transaction.atomic(durable=True)(_payouts_approve)


def batch_csv(batch: PayoutBatch) -> str:
    """The batch's file for accounts payable (the same file whenever it is downloaded)."""
    data = tablib.Dataset(headers=CSV_HEADERS)
    for p in batch.payouts.select_related("partner", "claim", "payee").order_by("pk"):
        data.append(
            [
                p.number,
                batch.number,
                p.partner.legal_name,
                p.partner_id,
                p.claim_id or "",
                (p.payee.full_name or p.payee.email) if p.payee else "",
                p.claim.invoice_number if p.claim else "SPIFF",
                f"{p.amount:.2f}",
                p.currency,
                p.payment_reference,
                p.paid_on.isoformat() if p.paid_on else "",
                p.get_status_display(),
            ]
        )
    return csv_text(data)


def _payouts_export(*, actor: User, payouts: Sequence[Payout]) -> PayoutBatch:
    """Put approved payouts in a new batch for accounts payable (all or none)."""
    require(actor, "mdf.pay", PAY)
    locked = _locked(payouts)
    batch = PayoutBatch.objects.create(created_by=actor)
    for payout in locked:
        payout.batch = batch
        _move(payout, actor=actor, to=S.EXPORTED, note=batch.number)
    return batch


payouts_export = transaction.atomic(durable=True)(_payouts_export)


def _reference(value: str) -> str:
    value = (value or "").strip()
    if not value:
        raise Invalid({"payment_reference": ["Enter the payment's reference from the bank."]})
    return value[:80]


def _paid_on(value: dt.date | None) -> dt.date:
    today = timezone.localdate()
    if value is None:
        return today
    if value > today:
        raise Invalid({"paid_on": ["A payment is marked paid on or after the day it is made."]})
    return value


def _pay(payout: Payout, *, actor: User, reference: str, paid_on: dt.date) -> None:
    PAYOUT_LIFECYCLE.check(payout.status, S.PAID)
    if payout.kind == PayoutKind.SPIFF:  # rewards are paid outside the MDF funds
        payout.rewards.filter(status=RewardStatus.ACCRUED).update(
            status=RewardStatus.PAID, paid_at=timezone.now()
        )
    else:
        assert payout.fund is not None  # an MDF payout has its fund (CHECK)
        payout.pay_entry = ledger.pay(
            fund=payout.fund,
            amount=Money(payout.amount, payout.currency),
            actor=actor,
            reference=payout.reference,
        )
    payout.payment_reference = reference
    payout.paid_on = paid_on
    _move(payout, actor=actor, to=S.PAID, note=reference)


def _payouts_mark_paid(
    *, actor: User, payouts: Sequence[Payout], reference: str, paid_on: dt.date | None = None
) -> list[Payout]:
    """Mark exported payouts paid with the payment's reference (all or none)."""
    require(actor, "mdf.pay", PAY)
    reference, day = _reference(reference), _paid_on(paid_on)
    locked = _locked(payouts)
    for payout in locked:
        _pay(payout, actor=actor, reference=reference, paid_on=day)
    return locked


payouts_mark_paid = transaction.atomic(durable=True)(_payouts_mark_paid)


def _fail(payout: Payout, *, actor: User, reason: str) -> None:
    reason = (reason or "").strip()
    if not reason:
        raise Invalid({"reason": ["Say why the payment failed, e.g. the bank's message."]})
    payout.failure_reason = reason[:300]
    _move(payout, actor=actor, to=S.FAILED, note=reason[:200])


def _payout_fail(*, actor: User, payout: Payout, reason: str) -> Payout:
    """An exported payment did not go through: it waits to be approved and sent again."""
    require(actor, "mdf.pay", PAY)
    (locked,) = _locked([payout])
    _fail(locked, actor=actor, reason=reason)
    return locked


payout_fail = transaction.atomic(durable=True)(_payout_fail)


def _payout_reverse(*, actor: User, payout: Payout, memo: str) -> Payout:
    """Undo a paid payout (the payment came back): an MDF payout's ``pay`` entry is reversed,
    so the money is payable again; a SPIFF payout's rewards are owed again. A new payout for
    the same claim or rewards waits for finance."""
    require(actor, "mdf.pay", PAY)
    (locked,) = _locked([payout])
    PAYOUT_LIFECYCLE.check(locked.status, S.REVERSED)
    if not (memo or "").strip():
        raise Invalid({"memo": ["Say why the payment is reversed."]})
    if locked.kind == PayoutKind.MDF_CLAIM:
        assert locked.pay_entry is not None  # a paid MDF payout has its entry (CHECK)
        ledger.reverse(entry=locked.pay_entry, actor=actor, memo=memo)
    _move(locked, actor=actor, to=S.REVERSED, note=memo[:200])
    again = Payout.objects.create(
        kind=locked.kind,
        claim_id=locked.claim_id,
        fund_id=locked.fund_id,
        partner_id=locked.partner_id,
        payee_id=locked.payee_id,
        currency=locked.currency,
        amount=locked.amount,
    )
    locked.rewards.update(status=RewardStatus.ACCRUED, paid_at=None, payout=again)
    event_emit(
        event_type="payout.created",
        obj=again,
        actor=actor,
        partner_id=again.partner_id,
        payload={"amount": str(again.amount), "currency": again.currency},
    )
    return locked


payout_reverse = transaction.atomic(durable=True)(_payout_reverse)


def payable_rewards(today: dt.date | None = None) -> QuerySet[SpiffReward]:
    """Rewards to pay: earned, not reversed, in no payout yet, and past the window in which
    a reopened deal takes them back (paid earlier, they could be clawed back)."""
    policy = SpiffPolicy.current()
    until = (today or timezone.localdate()) - dt.timedelta(days=policy.reversal_days)
    return SpiffReward.objects.filter(
        status=RewardStatus.ACCRUED,
        payout__isnull=True,
        won_on__lt=until,
        accrued_at__date__lt=until,
    )


def _spiff_payouts_create(*, actor: User, as_of: dt.date | None = None) -> list[Payout]:
    """One payout per rep (and currency) for the rewards to pay (``payable_rewards`` as of
    ``as_of``, default today: finance's monthly run), each waiting for finance's approval
    like an MDF payout."""
    require(actor, "mdf.pay", PAY)
    rewards = list(
        payable_rewards(as_of).select_for_update(of=("self",)).order_by("rep_id", "currency", "pk")
    )
    groups: dict[tuple[int, int, str], list[SpiffReward]] = {}
    for reward in rewards:
        groups.setdefault((reward.rep_id, reward.partner_id, reward.currency), []).append(reward)
    made = []
    for (rep_id, partner_id, currency), theirs in groups.items():
        payout = Payout.objects.create(
            kind=PayoutKind.SPIFF,
            partner_id=partner_id,
            payee_id=rep_id,
            currency=currency,
            amount=sum((r.amount for r in theirs), Decimal(0)),
        )
        SpiffReward.objects.filter(pk__in=[r.pk for r in theirs]).update(payout=payout)
        event_emit(
            event_type="payout.created",
            obj=payout,
            actor=actor,
            partner_id=partner_id,
            payload={"amount": str(payout.amount), "currency": currency},
        )
        made.append(payout)
    return made


spiff_payouts_create = transaction.atomic(durable=True)(_spiff_payouts_create)


# --- the payment confirmation file ----------------------------------------------------


@dataclass
class ConfirmationReport:
    """What a payment confirmation file did (or would do): rows paid and failed, and the
    errors by row number (1 = the first row after the headers). With errors nothing is
    applied."""

    paid: int = 0
    failed: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)


NUMBER = re.compile(r"^P?0*(\d+)$", re.IGNORECASE)


def _key(header: str) -> str:
    return re.sub(r"[\s_\-]+", "", (header or "").lower())


def _rows(text: str) -> list[dict[str, str]]:
    reader = csv.reader(io.StringIO(text))
    headers = [_key(h) for h in next(reader, [])]
    if "payout" not in headers or not ({"paymentreference", "reference"} & set(headers)):
        raise Invalid(
            {"file": ["The file needs the columns Payout and Payment reference (see the export)."]}
        )
    rows = []
    for cells in reader:
        if any(c.strip() for c in cells):
            rows.append(dict(zip(headers, (c.strip() for c in cells), strict=False)))
    if not rows:
        raise Invalid({"file": ["The file has no rows after its headers."]})
    return rows


def _payouts_confirm(*, actor: User, text: str, visible: QuerySet[Payout]) -> ConfirmationReport:
    """Apply the payment confirmation file of accounts payable: each row names an exported
    payout (``P000123`` or 123, among ``visible``) with its payment reference and date, or
    ``failed`` in its status column with the reason. All rows or none."""
    require(actor, "mdf.pay", PAY)
    rows = _rows(text)
    report = ConfirmationReport()
    wanted: dict[int, tuple[int, dict[str, str]]] = {}
    for n, row in enumerate(rows, start=1):
        match = NUMBER.match(row.get("payout", ""))
        if match is None:
            report.errors.append((n, f"“{row.get('payout', '')}” is not a payout number."))
        elif int(match.group(1)) in wanted:
            report.errors.append((n, f"Payout {row['payout']} is in the file twice."))
        else:
            wanted[int(match.group(1))] = (n, row)
    known = {p.pk: p for p in visible.filter(pk__in=list(wanted))}
    locked = {p.pk: p for p in _locked(known.values())} if known else {}
    for pk, (n, row) in wanted.items():
        payout = locked.get(pk)
        if payout is None:
            report.errors.append((n, f"No payout {row['payout']} waits for payment."))
            continue
        try:
            if row.get("status", "").lower() in ("failed", "rejected", "returned"):
                _fail(payout, actor=actor, reason=row.get("reason", "") or row.get("note", ""))
                report.failed += 1
            else:
                reference = _reference(row.get("paymentreference") or row.get("reference", ""))
                day = _paid_on(_date(row.get("paidon") or row.get("date", "")))
                _pay(payout, actor=actor, reference=reference, paid_on=day)
                report.paid += 1
        except (Invalid, Conflict) as exc:
            report.errors.append((n, f"Payout {payout.number}: {exc.detail}"))
    report.errors.sort()
    if report.errors:
        transaction.set_rollback(True)
        report.paid = report.failed = 0
    return report


def _date(value: str) -> dt.date | None:
    if not value:
        return None
    for pattern in ("%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(value, pattern).date()
        except ValueError:
            continue
    raise Invalid({"paid_on": [f"“{value}” is not a date like 2026-11-30."]})


payouts_confirm = transaction.atomic(durable=True)(_payouts_confirm)
