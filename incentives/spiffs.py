"""Writes of SPIFFs (keyword-only; ``x = atomic(durable=True)(_x)``): vendor admins set up
rules (``rule_create``), change them (``rule_change``: in place while nothing has accrued
under the open version, otherwise a new version that closes the old one) and close them
(``rule_close``); rewards accrue when a deal is won (``rewards_accrue_for_deal``, from the
``deal.won`` handler) and are reversed when it is reopened within the policy's window
(``rewards_reverse_for_deal``, from ``deal.reopened``).

Handlers run after the deal's commit and may run twice (prm.outbox.events): both are
idempotent. An accrual locks the rule version it accrues under, so two deals won at once
cannot together exceed a cap, and the database's unique (version, line, rep) keeps a
second delivery of the same event from paying twice."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.utils import timezone

from deals.models import Deal, DealStatus, ProductLine
from incentives.models import (
    ZERO,
    RewardKind,
    RewardStatus,
    SpiffPolicy,
    SpiffReward,
    SpiffRule,
    SpiffRuleVersion,
)
from partners.models import Tier
from prm.errors import Conflict, Invalid
from prm.money import is_currency
from prm.outbox.events import on_event
from prm.outbox.models import Event
from prm.permissions import require
from prm.tenancy.context import current_tenant
from prm.users.models import User

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
NAME_MAX = 120
REASON_MAX = 300
CONFIGURE = "Only vendor admins set up SPIFFs."
# What a rule's version holds: the fields a change may give (``tiers`` a list of tiers).
TERMS = (
    "name",
    "starts_on",
    "ends_on",
    "product_line",
    "tiers",
    "kind",
    "fixed_amount",
    "percent",
    "currency",
    "partner_cap",
    "rep_cap",
    "active",
)


def _amount_problem(value: Decimal | None, *, required: bool, what: str) -> str:
    if value is None:
        return f"Enter {what}." if required else ""
    if value <= 0:
        return "Enter an amount above zero."
    if value != value.quantize(CENT):
        return "Enter the amount in whole cents."
    return ""


def _check(terms: dict[str, Any]) -> None:
    """Every problem of a version's terms at once, beside its field."""
    problems: dict[str, list[str]] = {}
    name = (terms.get("name") or "").strip()
    if not name:
        problems["name"] = ["Name the SPIFF, e.g. “Firewall push Q3”."]
    elif len(name) > NAME_MAX:
        problems["name"] = [f"Keep the name under {NAME_MAX} characters."]
    starts, ends = terms.get("starts_on"), terms.get("ends_on")
    if starts is None:
        problems["starts_on"] = ["Enter the first day deals count."]
    if ends is None:
        problems["ends_on"] = ["Enter the last day deals count."]
    elif starts is not None and ends < starts:
        problems["ends_on"] = ["The last day is on or after the first."]
    kind = terms.get("kind")
    if kind not in RewardKind.values:
        problems["kind"] = ["Choose how the reward is counted."]
    elif kind == RewardKind.FIXED:
        problem = _amount_problem(
            terms.get("fixed_amount"), required=True, what="the amount per won deal line"
        )
        if problem:
            problems["fixed_amount"] = [problem]
    else:
        percent = terms.get("percent")
        if percent is None:
            problems["percent"] = ["Enter the percentage, such as 2.5."]
        elif not (0 < percent <= HUNDRED) or percent != percent.quantize(CENT):
            problems["percent"] = ["Enter a percentage above 0 and up to 100, such as 2.5."]
    if not is_currency(terms.get("currency") or ""):
        problems["currency"] = ["Use three capital letters, such as USD or EUR."]
    for field in ("partner_cap", "rep_cap"):
        problem = _amount_problem(terms.get(field), required=False, what="")
        if problem:
            problems[field] = [problem + " Leave it empty for no cap."]
    if problems:
        raise Invalid(problems)


def _normalised(terms: dict[str, Any]) -> dict[str, Any]:
    """The terms as stored: the name trimmed, only the amount of the chosen kind."""
    terms = dict(terms)
    terms["name"] = (terms.get("name") or "").strip()
    if terms.get("kind") == RewardKind.FIXED:
        terms["percent"] = None
    elif terms.get("kind") == RewardKind.PERCENT:
        terms["fixed_amount"] = None
    return terms


def _save_version(version: SpiffRuleVersion, terms: dict[str, Any]) -> SpiffRuleVersion:
    tiers = list(terms.get("tiers") or [])
    for field in TERMS:
        if field != "tiers":
            setattr(version, field, terms.get(field))
    version.save()
    version.tiers.set(tiers)
    return version


def _rule_create(
    *,
    actor: User,
    name: str,
    starts_on: dt.date | None,
    ends_on: dt.date | None,
    kind: str,
    fixed_amount: Decimal | None = None,
    percent: Decimal | None = None,
    product_line: ProductLine | None = None,
    tiers: Iterable[Tier] = (),
    currency: str = "",
    partner_cap: Decimal | None = None,
    rep_cap: Decimal | None = None,
    active: bool = True,
) -> SpiffRuleVersion:
    """A new rule and its first version (``currency`` empty: the program's). Returns the
    version."""
    require(actor, "mdf.configure", CONFIGURE)
    terms = _normalised(
        {
            "name": name,
            "starts_on": starts_on,
            "ends_on": ends_on,
            "product_line": product_line,
            "tiers": list(tiers),
            "kind": kind,
            "fixed_amount": fixed_amount,
            "percent": percent,
            "currency": currency or current_tenant().currency,
            "partner_cap": partner_cap,
            "rep_cap": rep_cap,
            "active": active,
        }
    )
    _check(terms)
    rule = SpiffRule.objects.create(created_by=actor)
    version = SpiffRuleVersion(rule=rule, number=1, created_by=actor)
    if not active:
        version.closed_at = timezone.now()
    return _save_version(version, terms)


rule_create = transaction.atomic(durable=True)(_rule_create)


def _open_version(rule: SpiffRule, *, lock: bool) -> SpiffRuleVersion:
    versions = SpiffRuleVersion.objects.filter(rule_id=rule.pk, superseded_at__isnull=True)
    if lock:
        versions = versions.select_for_update(of=("self",))
    return versions.select_related("product_line").get()


def terms_of(version: SpiffRuleVersion) -> dict[str, Any]:
    """A version's terms, as ``rule_create`` takes them."""
    terms = {field: getattr(version, field) for field in TERMS if field != "tiers"}
    terms["tiers"] = list(version.tiers.order_by("rank"))
    return terms


def has_accruals(version: SpiffRuleVersion) -> bool:
    """Whether anything was ever accrued under ``version`` (reversed rewards count: they
    were paid out under these terms and are kept)."""
    return version.rewards.exists()


def _rule_change(*, actor: User, rule: SpiffRule, fields: dict[str, Any]) -> SpiffRuleVersion:
    """Change a rule's terms (``fields``: any of ``TERMS``; those left out stay). While
    nothing has accrued under its open version the version is changed in place; once
    something has, the change is the rule's next version and the open one is closed, so
    every reward keeps the terms it was accrued under. Returns the open version."""
    require(actor, "mdf.configure", CONFIGURE)
    unknown = set(fields) - set(TERMS)
    if unknown:
        raise Invalid({name: ["A SPIFF has no such field."] for name in sorted(unknown)})
    current = _open_version(rule, lock=True)
    before = terms_of(current)
    if "currency" in fields and not fields["currency"]:
        fields = fields | {"currency": current_tenant().currency}  # empty: the program's
    terms = _normalised(before | fields)
    _check(terms)
    if _same(before, terms):
        return current
    now = timezone.now()
    if terms.get("active") and not current.active:
        current.closed_at = None
    elif not terms.get("active") and current.active:
        current.closed_at = now
    if not has_accruals(current) or _changed(before, terms) == {"active"}:
        return _save_version(current, terms)  # opening or closing is no change of terms
    current.superseded_at = now
    current.closed_at = current.closed_at or now
    current.active = False
    current.save(update_fields=["superseded_at", "closed_at", "active"])
    successor = SpiffRuleVersion(
        rule=current.rule,
        number=current.number + 1,
        created_by=actor,
        closed_at=None if terms.get("active") else now,
    )
    try:
        with transaction.atomic():
            return _save_version(successor, terms)
    except IntegrityError:  # the version number or the open version: someone was first
        raise Conflict("Someone else changed this SPIFF at the same time: reload it.") from None


rule_change = transaction.atomic(durable=True)(_rule_change)


def _changed(before: dict[str, Any], after: dict[str, Any]) -> set[str]:
    def key(terms: dict[str, Any]) -> dict[str, Any]:
        return terms | {"tiers": sorted(t.pk for t in terms.get("tiers") or [])}

    old, new = key(before), key(after)
    return {field for field in TERMS if old.get(field) != new.get(field)}


def _same(before: dict[str, Any], after: dict[str, Any]) -> bool:
    return not _changed(before, after)


def _rule_close(*, actor: User, rule: SpiffRule) -> SpiffRuleVersion:
    """Close a rule: deals won from now on earn nothing under it (what has accrued stays)."""
    require(actor, "mdf.configure", CONFIGURE)
    current = _open_version(rule, lock=True)
    if not current.active:
        raise Conflict(f"{current.name} is already closed.")
    current.active = False
    current.closed_at = timezone.now()
    current.save(update_fields=["active", "closed_at"])
    return current


rule_close = transaction.atomic(durable=True)(_rule_close)


# --- rewards ---------------------------------------------------------------------------


def _line_basis(line_amount: Decimal, deal: Deal) -> Decimal:
    """What a percentage is taken of: the line's amount, or its share of the final amount
    when the deal was won for less than its lines add up to (never more)."""
    final = deal.final_amount
    if final is not None and deal.amount and final < deal.amount:
        return line_amount * final / deal.amount
    return line_amount


def _reward_for(version: SpiffRuleVersion, line_amount: Decimal, deal: Deal) -> Decimal:
    if version.kind == RewardKind.FIXED:
        return version.fixed_amount or ZERO
    percent = version.percent or ZERO
    return (_line_basis(line_amount, deal) * percent / HUNDRED).quantize(
        CENT, rounding=ROUND_HALF_UP
    )


def _left(version: SpiffRuleVersion, deal: Deal) -> tuple[Decimal | None, Decimal | None]:
    """What the rule's caps per partner and per rep still leave the deal's partner and rep
    (None: no cap), from what the rule (every version) has given them so far, reversed
    rewards aside (a new version does not start the caps again): one query, none without
    caps."""
    if version.partner_cap is None and version.rep_cap is None:
        return None, None
    used = (
        SpiffReward.objects.filter(version__rule_id=version.rule_id)
        .exclude(status=RewardStatus.REVERSED)
        .aggregate(
            partner=Sum("amount", filter=Q(partner_id=deal.partner_id)),
            rep=Sum("amount", filter=Q(rep_id=deal.submitter_id)),
        )
    )
    return (
        None if version.partner_cap is None else version.partner_cap - (used["partner"] or ZERO),
        None if version.rep_cap is None else version.rep_cap - (used["rep"] or ZERO),
    )


def _rewards_accrue_for_deal(*, deal: Deal, at: dt.datetime | None = None) -> list[SpiffReward]:
    """The rewards a won deal earns its submitter: under each open, active rule version
    whose period holds the close date, in the deal's currency, of a product line of the
    deal's lines (or every line) and a tier among the rule's (or any tier), one per line;
    each no more than what the caps per partner and per rep leave. Idempotent: what was
    accrued before (same version, line and rep) is not accrued again. ``at``: when the win
    was recorded (the event's time; default now). Returns the rewards it created."""
    deal = Deal.objects.select_related("partner").get(pk=deal.pk)
    if deal.status != DealStatus.WON or deal.closed_on is None:
        return []  # reopened (or never won) before the handler ran
    lines = list(deal.lines.select_related("product"))
    line_ids = {line.product.line_id for line in lines}
    candidates = (
        SpiffRuleVersion.objects.filter(
            superseded_at__isnull=True,
            active=True,
            starts_on__lte=deal.closed_on,
            ends_on__gte=deal.closed_on,
            currency=deal.currency,
        )
        .filter(Q(product_line__isnull=True) | Q(product_line__in=line_ids))
        .order_by("pk")
        .select_for_update(of=("self",))  # the caps: one accrual per version at a time
        .prefetch_related("tiers")
    )
    accrued_at = at or timezone.now()
    created: list[SpiffReward] = []
    for version in candidates:
        tiers = {tier.pk for tier in version.tiers.all()}
        if tiers and deal.partner.tier_id not in tiers:
            continue
        # Once per version, line and rep (the database's constraint); and a line that
        # earned under an earlier version of the rule is not paid again under this one.
        done = set(
            SpiffReward.objects.filter(
                version__rule_id=version.rule_id, deal=deal, rep_id=deal.submitter_id
            )
            .filter(Q(version=version) | ~Q(status=RewardStatus.REVERSED))
            .values_list("line_id", flat=True)
        )
        partner_left, rep_left = _left(version, deal)
        for line in lines:
            if line.pk in done:
                continue
            if version.product_line_id and line.product.line_id != version.product_line_id:
                continue
            amount = _reward_for(version, line.amount, deal)
            for left in (partner_left, rep_left):
                if left is not None:
                    amount = min(amount, left)
            if amount <= 0:
                continue
            reward = SpiffReward(
                version=version,
                deal=deal,
                line=line,
                rep_id=deal.submitter_id,
                partner_id=deal.partner_id,
                currency=deal.currency,
                amount=amount,
                won_on=deal.closed_on,
                accrued_at=accrued_at,
            )
            try:
                with transaction.atomic():
                    reward.save()
            except IntegrityError:
                continue  # accrued by another delivery of the same event
            created.append(reward)
            if partner_left is not None:
                partner_left -= amount
            if rep_left is not None:
                rep_left -= amount
    return created


rewards_accrue_for_deal = transaction.atomic(durable=True)(_rewards_accrue_for_deal)


def reversible_until(reward: SpiffReward, policy: SpiffPolicy | None = None) -> dt.date:
    """The last day a reopened deal takes ``reward`` back: the policy's days after the win
    (counted from the day it was recorded, if later than the close date it gives)."""
    policy = policy or SpiffPolicy.current()
    start = max(reward.won_on, timezone.localdate(reward.accrued_at))
    return start + dt.timedelta(days=policy.reversal_days)


def _rewards_reverse_for_deal(
    *, deal: Deal, reason: str, at: dt.datetime | None = None
) -> list[SpiffReward]:
    """A reopened deal's unpaid rewards are reversed (kept, with when and why) if it was
    reopened within the policy's window after the win; later, or paid, they stay. Nothing
    is reversed when the deal is won again by the time this runs. Idempotent. ``at``: when
    the deal was reopened (the event's time; default now). Returns the rewards reversed."""
    if Deal.objects.filter(pk=deal.pk, status=DealStatus.WON).exists():
        return []
    policy = SpiffPolicy.current()
    now = at or timezone.now()
    reversed_: list[SpiffReward] = []
    rewards = SpiffReward.objects.select_for_update().filter(
        deal_id=deal.pk, status=RewardStatus.ACCRUED
    )
    for reward in rewards.order_by("pk"):
        if timezone.localdate(now) > reversible_until(reward, policy):
            continue
        reward.status = RewardStatus.REVERSED
        reward.reversed_at = now
        reward.reversal_reason = (
            f"The deal was reopened: {reason}" if reason else "The deal was reopened."
        )[:REASON_MAX]
        reward.save(update_fields=["status", "reversed_at", "reversal_reason"])
        reversed_.append(reward)
    return reversed_


rewards_reverse_for_deal = transaction.atomic(durable=True)(_rewards_reverse_for_deal)


def _policy_set(*, actor: User, reversal_days: int, tax_form_threshold: Decimal) -> SpiffPolicy:
    require(actor, "mdf.configure", "Only vendor admins change the SPIFF policy.")
    problems: dict[str, list[str]] = {}
    if not 0 <= reversal_days <= 3650:
        problems["reversal_days"] = ["Enter a number of days from 0 to 3650."]
    problem = _amount_problem(tax_form_threshold, required=True, what="the yearly total")
    if problem:
        problems["tax_form_threshold"] = [problem]
    if problems:
        raise Invalid(problems)
    policy = SpiffPolicy.for_update()
    policy.reversal_days = reversal_days
    policy.tax_form_threshold = tax_form_threshold
    policy.save()
    return policy


policy_set = transaction.atomic(durable=True)(_policy_set)


# --- the handlers ------------------------------------------------------------------------


def _deal_of(event: Event) -> Deal | None:
    return Deal.objects.filter(pk=event.object_id).first() if event.object_id.isdigit() else None


def deal_won(event: Event) -> None:
    """``deal.won``: the deal's rewards (inside the event's processing transaction)."""
    deal = _deal_of(event)
    if deal is not None:
        _rewards_accrue_for_deal(deal=deal, at=event.created_at)


def deal_reopened(event: Event) -> None:
    """``deal.reopened``: its rewards reversed within the window."""
    deal = _deal_of(event)
    if deal is not None:
        _rewards_reverse_for_deal(
            deal=deal, reason=str(event.payload.get("reason", "")), at=event.created_at
        )


def register() -> None:
    """Called from ``IncentivesConfig.ready`` (the deals app declared the events)."""
    on_event("deal.won")(deal_won)
    on_event("deal.reopened")(deal_reopened)
