"""The tenant's policies: the reservation policy, the deal policy (with the account
matching's name thresholds) and the list of rejection reasons. Vendor admins change them;
every field is checked beside its name."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils.text import slugify

from deals.models import (
    ConflictRule,
    DealPolicy,
    ProductOverlap,
    RejectionReason,
    ReservationPolicy,
)
from prm.audit import audit_note
from prm.errors import Conflict, Invalid, NotFound
from prm.money import DECIMAL_PLACES, MAX_DIGITS
from prm.permissions import require
from prm.users.models import User

POLICY_FIELDS = (
    "period_days",
    "reminder_days",
    "max_active_per_partner",
    "max_extensions",
    "extension_days",
    "parent_covers_children",
    "child_blocks_parent",
    "name_similarity",
    "core_similarity",
    "possible_min_score",
)
THRESHOLDS = ("name_similarity", "core_similarity", "possible_min_score")


def _check(policy: ReservationPolicy) -> None:
    problems: dict[str, list[str]] = {}
    if not 1 <= policy.period_days <= 730:
        problems["period_days"] = ["A reservation lasts between 1 and 730 days."]
    days = list(policy.reminder_days or [])
    # Reminders are checked against the period only when the period itself is valid (a
    # wrong period is one error, beside the period, not a second one beside the reminders).
    longest = policy.period_days if "period_days" not in problems else 731
    if any(not isinstance(d, int) or not 1 <= d < longest for d in days):
        problems["reminder_days"] = [f"Remind between 1 and {longest - 1} days before the end."]
    elif len(set(days)) != len(days):
        problems["reminder_days"] = ["Name each reminder day once."]
    if policy.max_active_per_partner is not None and policy.max_active_per_partner < 1:
        problems["max_active_per_partner"] = ["Allow at least one, or leave it empty."]
    if not 1 <= policy.extension_days <= 365:
        problems["extension_days"] = ["An extension lasts between 1 and 365 days."]
    for name in THRESHOLDS:
        if not 0.3 <= float(getattr(policy, name)) <= 1:
            problems[name] = ["Choose a similarity between 0.3 and 1."]
    if problems:
        raise Invalid(problems)


def _reservation_policy_update(*, actor: User, fields: dict[str, Any]) -> ReservationPolicy:
    require(actor, "reservations.configure", "Only vendor admins change the reservation policy.")
    unknown = set(fields) - set(POLICY_FIELDS)
    if unknown:
        raise Invalid({name: ["This is not a setting of the policy."] for name in sorted(unknown)})
    policy = ReservationPolicy.for_update()
    for name, value in fields.items():
        setattr(policy, name, value)
    _check(policy)
    policy.reminder_days = sorted(policy.reminder_days or [], reverse=True)
    audit_note(policy, actor, "changed")
    policy.save()
    return policy


reservation_policy_update = transaction.atomic(durable=True)(_reservation_policy_update)


# The deal policy (issue 13 point 6): its own fields and the account matching's name
# thresholds (kept on the reservation policy, which the lookup reads), changed together.
DEAL_POLICY_FIELDS = (
    "min_amount",
    "close_horizon_days",
    "protection_days",
    "reminder_days",
    "max_extensions",
    "extension_days",
    "max_resubmissions",
    "conflict_rule",
    "product_overlap",
    "auto_approve_below",
    "second_approval_above",
    "evidence_above",
    "sla_hours",
)
MAX_DAYS = 3650
LARGEST_AMOUNT = Decimal(10) ** (MAX_DIGITS - DECIMAL_PLACES)
MAX_COUNT = 100


def _check_deal_policy(policy: DealPolicy, matching: ReservationPolicy) -> None:
    problems: dict[str, list[str]] = {}
    for name, most in (
        ("close_horizon_days", MAX_DAYS),
        ("protection_days", MAX_DAYS),
        ("extension_days", MAX_DAYS),
        ("sla_hours", 24 * 365),
    ):
        value = getattr(policy, name)
        unit = "hours" if name == "sla_hours" else "days"
        if not isinstance(value, int) or not 1 <= value <= most:
            problems[name] = [f"Choose between 1 and {most} {unit}."]
    longest = policy.protection_days if "protection_days" not in problems else MAX_DAYS + 1
    days = list(policy.reminder_days or [])
    if any(not isinstance(d, int) or not 1 <= d < longest for d in days):
        problems["reminder_days"] = [f"Remind between 1 and {longest - 1} days before the end."]
    elif len(set(days)) != len(days):
        problems["reminder_days"] = ["Name each reminder day once."]
    for name in ("max_extensions", "max_resubmissions"):
        value = getattr(policy, name)
        if not isinstance(value, int) or not 0 <= value <= MAX_COUNT:
            problems[name] = [f"Choose between 0 and {MAX_COUNT}."]
    for name in ("min_amount", "auto_approve_below", "second_approval_above", "evidence_above"):
        value = getattr(policy, name)
        if value is None and name == "evidence_above":
            continue
        if value is None or Decimal(value) < 0:
            problems[name] = ["An amount cannot be negative."]
        elif Decimal(value) >= LARGEST_AMOUNT:
            problems[name] = [f"Choose an amount below {LARGEST_AMOUNT:,}."]
    if policy.conflict_rule not in ConflictRule.values:
        problems["conflict_rule"] = ["Choose one of the rules."]
    if policy.product_overlap not in ProductOverlap.values:
        problems["product_overlap"] = ["Choose one of the rules."]
    for name in THRESHOLDS:
        value = getattr(matching, name)
        if not isinstance(value, int | float) or not 0.3 <= float(value) <= 1:
            problems[name] = ["Choose a similarity between 0.3 and 1."]
    if problems:
        raise Invalid(problems)


def deal_policy_proposed(*, fields: dict[str, Any]) -> tuple[DealPolicy, ReservationPolicy]:
    """The tenant's deal policy and account matching with ``fields`` changed, checked and
    not saved (the back-test tries them)."""
    unknown = set(fields) - set(DEAL_POLICY_FIELDS) - set(THRESHOLDS)
    if unknown:
        raise Invalid({name: ["This is not a setting of the policy."] for name in sorted(unknown)})
    current, tree = DealPolicy.current(), ReservationPolicy.current()
    policy = DealPolicy(**{f.attname: getattr(current, f.attname) for f in DealPolicy._meta.fields})
    matching = ReservationPolicy(
        **{f.attname: getattr(tree, f.attname) for f in ReservationPolicy._meta.fields}
    )
    for name, value in fields.items():
        setattr(policy if name in DEAL_POLICY_FIELDS else matching, name, value)
    _check_deal_policy(policy, matching)
    return policy, matching


def _deal_policy_update(*, actor: User, fields: dict[str, Any]) -> DealPolicy:
    require(actor, "deals.configure", "Only vendor admins change the deal policy.")
    proposed, matching = deal_policy_proposed(fields=fields)
    policy = DealPolicy.for_update()
    changed = [name for name in DEAL_POLICY_FIELDS if name in fields]
    for name in changed:
        setattr(policy, name, getattr(proposed, name))
    policy.reminder_days = sorted(policy.reminder_days or [], reverse=True)
    audit_note(policy, actor, "changed")
    policy.save()
    thresholds = [name for name in THRESHOLDS if name in fields]
    if thresholds:
        tree = ReservationPolicy.for_update()
        for name in thresholds:
            setattr(tree, name, getattr(matching, name))
        audit_note(tree, actor, "changed: the deal policy's name thresholds")
        tree.save()
    return policy


deal_policy_update = transaction.atomic(durable=True)(_deal_policy_update)


# The tenant's rejection reasons (issue 13 point 8): added, renamed, deactivated (never
# deleted: rejected deals name them), ordered.
def _reason_label(label: str, *, exclude: int | None = None) -> str:
    label = (label or "").strip()
    if not label:
        raise Invalid({"label": ["Name the reason."]})
    if len(label) > 120:
        raise Invalid({"label": ["Keep the reason under 120 characters."]})
    taken = RejectionReason.objects.filter(label__iexact=label)
    if exclude is not None:
        taken = taken.exclude(pk=exclude)
    if taken.exists():
        raise Invalid({"label": ["There is a reason of this name already."]})
    return label


def _rejection_reason_create(*, actor: User, label: str) -> RejectionReason:
    require(actor, "deals.configure", "Only vendor admins change the rejection reasons.")
    label = _reason_label(label)
    base = slugify(label)[:30] or "reason"
    code, n = base, 1
    while RejectionReason.objects.filter(code=code).exists():
        n += 1
        code = f"{base}-{n}"
    last = RejectionReason.objects.aggregate(last=Max("position"))["last"]
    position = (last or 0) + 1
    return RejectionReason.objects.create(code=code, label=label, position=position)


def _rejection_reason_update(
    *,
    actor: User,
    reason: RejectionReason,
    label: str | None = None,
    active: bool | None = None,
) -> RejectionReason:
    require(actor, "deals.configure", "Only vendor admins change the rejection reasons.")
    reason = RejectionReason.objects.select_for_update().get(pk=reason.pk)
    if label is not None:
        reason.label = _reason_label(label, exclude=reason.pk)
    if active is not None:
        if (
            not active
            and not RejectionReason.objects.filter(active=True).exclude(pk=reason.pk).exists()
        ):
            raise Conflict(
                "Keep at least one reason active: a rejection always names one.",
                code="last_active_reason",
            )
        reason.active = active
    reason.save()
    return reason


def _rejection_reason_move(*, actor: User, reason: RejectionReason, by: int) -> None:
    """Move a reason ``by`` places up (negative) or down the list."""
    require(actor, "deals.configure", "Only vendor admins change the rejection reasons.")
    ordered = list(RejectionReason.objects.select_for_update().order_by("position", "label"))
    at = next((i for i, r in enumerate(ordered) if r.pk == reason.pk), None)
    if at is None:
        raise NotFound("No such reason.")
    to = max(0, min(len(ordered) - 1, at + by))
    ordered.insert(to, ordered.pop(at))
    for position, row in enumerate(ordered):
        if row.position != position:
            row.position = position
            row.save(update_fields=["position"])


rejection_reason_create = transaction.atomic(durable=True)(_rejection_reason_create)
rejection_reason_update = transaction.atomic(durable=True)(_rejection_reason_update)
rejection_reason_move = transaction.atomic(durable=True)(_rejection_reason_move)
