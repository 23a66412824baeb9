"""The tenant's reservation policy: vendor admins change it (the settings page and its API
come with the portal screens); every field is checked beside its name."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from deals.models import ReservationPolicy
from prm.audit import audit_note
from prm.errors import Invalid
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
