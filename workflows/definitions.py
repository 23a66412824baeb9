"""Workflow definitions: what a vendor admin may write, how it is validated, and how its
conditions are evaluated against an object (PRODUCT.md §7).

A definition is JSON::

    {"conditions": {"all": [{"field": "tier.name", "op": "=", "value": "Gold"},
                            {"any": [...]}]},
     "actions": [{"type": "notify", "to": "channel_manager", "title": "…"}, …]}

Fields are paths on the trigger's object (``tier.rank`` on a partner), as its subject
declares them (workflows.subjects). A path through a missing related object yields no
value, and every comparison with no value is false.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from prm.errors import Invalid
from prm.outbox.events import EVENT_TYPES
from prm.users.models import VENDOR_ROLES, User
from workflows import outbound, subjects
from workflows.subjects import DIRECTORY, Subject, subject_of

PERIODS = ("day", "week", "month", "quarter")
OPERATORS = {"=", "!=", "<", "<=", ">", ">=", "in", "contains", "is empty"}
NUMERIC_OPS = {"<", "<=", ">", ">="}
# Recipients and approvers every subject has; subjects add theirs (``subjects.keys_of``).
GENERIC_RECIPIENTS = {"vendor_admins", "actor"}
GENERIC_APPROVERS = {"vendor_admins", "finance_approver", "legal_approver"}
NAMED_APPROVERS = {"user", "role"}  # a named user; a role, optionally within an org unit
# Their names in a sentence's words (subjects label their own: ``Subject.labels``).
GENERIC_LABELS = {
    "vendor_admins": "the vendor admins",
    "actor": "whoever caused the event",
    "finance_approver": "the finance approvers",
    "legal_approver": "the legal approvers",
    "user": "a named user",
    "role": "everyone with a role",
}
ACTIONS: dict[str, dict[str, Any]] = {
    # type -> required keys, what the subject must offer, the triggers it does not fit
    "notify": {"required": {"to", "title"}},
    "set_field": {"required": {"field", "value"}, "needs": "settable"},
    "request_approval": {"required": {"from"}},
    "approve": {"required": set(), "needs": "decide", "not_on_schedule": True},
    "reject": {"required": {"reason"}, "needs": "decide", "not_on_schedule": True},
    "wait": {"required": set()},
    "escalate": {"required": {"after_hours", "to"}},
    "webhook": {"required": {"url"}},
    "start_workflow": {"required": {"workflow"}},
}


def recipients(subject: Subject | None) -> set[str]:
    return GENERIC_RECIPIENTS | subjects.keys_of(subject, "recipients")


def approvers(subject: Subject | None) -> set[str]:
    return GENERIC_APPROVERS | subjects.keys_of(subject, "approvers")


def who_label(subject: Subject | None, key: str) -> str:
    """A recipient or approver key in the admin's words ("whoever caused the event")."""
    return subjects.people_label(subject, key, GENERIC_LABELS)


def fields_of(subject: Subject | None) -> dict[str, str]:
    """Condition field path -> type."""
    return {f.path: f.kind for f in subject.fields} if subject else {}


def _type_of(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "int"
    if isinstance(value, str):
        return "str"
    if isinstance(value, list):
        return "list"
    return type(value).__name__


def validate(
    trigger: str,
    definition: Any,
    *,
    starts: dict[int, set[int]] | None = None,
    workflow_id: int | None = None,
) -> None:
    """Refuse a definition that cannot run: unknown trigger, field or operator, a value of
    the wrong type, an action that does not fit the trigger, or a cycle of workflows
    starting each other (``starts``: workflow id -> ids it starts, for the others)."""
    errors: list[str] = []
    subject = subject_of(trigger) if trigger in subjects.TRIGGERS else None
    if subject is None:
        known = ", ".join(sorted(subjects.TRIGGERS))
        raise Invalid({"trigger": [f"Unknown trigger {trigger!r}; choose one of {known}."]})
    schedule = subjects.is_schedule(trigger)
    if len(json.dumps(definition, default=str)) > MAX_DEFINITION:
        raise Invalid({"definition": [f"A definition is at most {MAX_DEFINITION // 1024} KB."]})
    if not isinstance(definition, dict):
        raise Invalid({"definition": ["A definition is an object with conditions and actions."]})
    conditions = definition.get("conditions") or {"all": []}
    _check_group(conditions, subject, "conditions", errors)
    _check_trigger_options(trigger, subject, definition, errors)
    actions = definition.get("actions")
    if not isinstance(actions, list) or not actions:
        errors.append("actions: give at least one action.")
        actions = []
    started: set[int] = set()
    for i, action in enumerate(actions):
        where = f"actions[{i}]"
        kind = action.get("type") if isinstance(action, dict) else None
        spec = ACTIONS.get(kind or "")
        if spec is None:
            errors.append(f"{where}: unknown action {kind!r}; choose one of {', '.join(ACTIONS)}.")
            continue
        if missing := spec["required"] - set(action):
            errors.append(f"{where}: {kind} needs {', '.join(sorted(missing))}.")
        if spec.get("not_on_schedule") and schedule:
            errors.append(
                f"{where}: {kind} does not fit a schedule trigger: nothing was submitted to decide."
            )
        elif "needs" in spec and not getattr(subject, spec["needs"]):
            errors.append(f"{where}: {kind} does not apply to a {subject.label}.")
        _check_texts(action, subject, where, errors)
        if kind == "notify" and not isinstance(action.get("email", False), bool):
            errors.append(f"{where}: 'email' is true or false.")
        if kind == "notify" and action.get("to") not in (to := recipients(subject)):
            errors.append(f"{where}: notify 'to' must be one of {', '.join(sorted(to))}.")
        if kind == "request_approval":
            _check_approver(action, subject, where, errors)
        if kind == "escalate" and action.get("to") not in (up := approvers(subject)):
            errors.append(f"{where}: escalate to one of {', '.join(sorted(up))}.")
        if kind == "wait":
            _check_wait(action, where, errors)
        if kind == "escalate" and (i == 0 or actions[i - 1].get("type") != "request_approval"):
            errors.append(f"{where}: escalate follows the request_approval it watches.")
        if kind == "set_field" and subject.settable:
            _check_set_field(action, subject, where, errors)
        for key in ("hours", "after_hours"):
            if key in action and (not isinstance(action[key], int | float) or action[key] <= 0):
                errors.append(f"{where}: {key} must be a positive number.")
        if kind == "webhook" and (problem := outbound.url_problem(str(action.get("url", "")))):
            errors.append(f"{where}: {problem}")
        if kind == "start_workflow":
            if not isinstance(action.get("workflow"), int):
                errors.append(f"{where}: 'workflow' is the id of another workflow.")
            else:
                started.add(action["workflow"])
    if workflow_id is not None and starts is not None and started:
        graph = {**starts, workflow_id: started}
        if _reaches(graph, workflow_id):
            errors.append("actions: these workflows would start each other in a cycle.")
    if errors:
        raise Invalid({"definition": errors})


def _check_trigger_options(
    trigger: str, subject: Subject, definition: dict, errors: list[str]
) -> None:
    """``schedule``: how often a scheduled workflow runs per object; ``days_before``: at
    which distances from a date the subject's threshold events (certification reminders)
    start the workflow."""
    schedule = definition.get("schedule")
    if schedule is not None:
        if not subjects.is_schedule(trigger):
            errors.append("schedule: only a scheduled workflow has a schedule.")
        elif not isinstance(schedule, dict) or schedule.get("every") not in PERIODS:
            errors.append(f"schedule: every is one of {', '.join(PERIODS)}.")
    days = definition.get("days_before")
    if days is not None:
        if trigger not in (with_days := threshold_events()):
            errors.append(f"days_before: only {', '.join(sorted(with_days))} workflows have it.")
        elif (
            not isinstance(days, list)
            or not days
            or any(_type_of(d) != "int" or not 0 < d <= 365 for d in days)
        ):
            errors.append("days_before: a list of whole days between 1 and 365, e.g. [60, 30, 7].")


MAX_DEFINITION = 64 * 1024  # characters of JSON: far above any real workflow
TEXTS = ("title", "body", "note", "reason", "value")  # action texts that take placeholders
MAX_TEXT = 2000


def _check_texts(action: dict, subject: Subject, where: str, errors: list[str]) -> None:
    """Texts use ``{name}`` placeholders the subject offers, nothing else in braces (no
    format specs, indexes or attributes: a text is filled by name only)."""
    allowed = subjects.placeholder_names(subject)
    for key in TEXTS:
        text = action.get(key)
        if text is None:
            continue
        if not isinstance(text, str):
            errors.append(f"{where}: {key} is a text.")
            continue
        if len(text) > MAX_TEXT:
            errors.append(f"{where}: {key} is longer than {MAX_TEXT} characters.")
        unknown = [
            braced for braced in subjects.BRACED.findall(text) if braced[1:-1] not in allowed
        ]
        if unknown:
            names = ", ".join("{" + n + "}" for n in sorted(allowed))
            errors.append(f"{where}: unknown placeholder {unknown[0]} in {key}; use {names}.")


def threshold_events() -> set[str]:
    """Events whose payload says how many ``days`` before a date they come (reminders)."""
    return {e for s in subjects.SUBJECTS.values() for e in s.threshold_events}


def _check_approver(action: dict, subject: Subject, where: str, errors: list[str]) -> None:
    who = action.get("from")
    if who == "user":
        email = str(action.get("user", ""))
        if not User.objects.filter(email__iexact=email, role__in=VENDOR_ROLES, is_active=True):
            errors.append(f"{where}: no active vendor user {email!r} to ask.")
    elif who == "role":
        if action.get("role") not in VENDOR_ROLES:
            errors.append(f"{where}: role is one of {', '.join(sorted(VENDOR_ROLES))}.")
        unit = action.get("unit")
        if unit and not DIRECTORY.unit_exists(unit):
            errors.append(f"{where}: no org unit named {unit!r}.")
    elif who not in approvers(subject):
        choices = ", ".join(sorted(approvers(subject) | NAMED_APPROVERS))
        errors.append(f"{where}: approvers are one of {choices}.")


def _check_wait(action: dict, where: str, errors: list[str]) -> None:
    if ("hours" in action) == ("until" in action):
        errors.append(f"{where}: wait needs hours or until (a date), one of them.")
    elif "until" in action:
        try:
            date.fromisoformat(str(action["until"]))
        except ValueError:
            errors.append(f"{where}: until is a date like 2026-12-31.")


def _check_set_field(action: dict, subject: Subject, where: str, errors: list[str]) -> None:
    field, value = action.get("field"), action.get("value")
    settable = subject.settable.get(str(field))
    if settable is None:
        errors.append(f"{where}: {field!r} cannot be set on a {subject.label}.")
    elif (problem := settable.validate(value)) is not None:
        errors.append(f"{where}: {problem}")


def _check_group(group: Any, obj: Subject, where: str, errors: list[str]) -> None:
    if not isinstance(group, dict) or len(group) != 1 or next(iter(group)) not in {"all", "any"}:
        errors.append(f'{where}: a group is {{"all": [...]}} or {{"any": [...]}}.')
        return
    kind, items = next(iter(group.items()))
    if not isinstance(items, list):
        errors.append(f"{where}.{kind}: a list of conditions.")
        return
    for i, item in enumerate(items):
        here = f"{where}.{kind}[{i}]"
        if isinstance(item, dict) and set(item) <= {"all", "any"} and item:
            _check_group(item, obj, here, errors)
        elif isinstance(item, dict) and "not_happened" in item:
            _check_absence(item, obj, here, errors)
        else:
            _check_condition(item, obj, here, errors)


def _check_absence(cond: dict, obj: Subject, where: str, errors: list[str]) -> None:
    """``{"not_happened": "partner.contacted", "days": 60}``: no such event about the
    partner in the last N days (on the workflows of subjects that concern a partner)."""
    if obj.partner_of is None:
        errors.append(f"{where}: 'has not happened' looks at a partner's events.")
    elif cond["not_happened"] not in EVENT_TYPES:
        errors.append(f"{where}: unknown event {cond['not_happened']!r}.")
    elif _type_of(cond.get("days")) != "int" or cond["days"] <= 0:
        errors.append(f"{where}: days must be a positive whole number.")


def _check_condition(cond: Any, obj: Subject, where: str, errors: list[str]) -> None:
    if not isinstance(cond, dict):
        errors.append(f"{where}: a condition is {{field, op, value}}.")
        return
    field, op = cond.get("field"), cond.get("op")
    known = fields_of(obj)
    kind = known.get(field or "")
    if kind is None:
        errors.append(
            f"{where}: unknown field {field!r} of a {obj.name}; known: {', '.join(sorted(known))}."
        )
        return
    if op not in OPERATORS:
        errors.append(f"{where}: unknown operator {op!r}.")
        return
    if op == "is empty":
        return
    if "value" not in cond:
        errors.append(f"{where}: {op} needs a value.")
        return
    value = cond["value"]
    label = obj.field_label(str(field))
    if op in NUMERIC_OPS and (kind != "int" or _type_of(value) != "int"):
        errors.append(f"{where}: {op} compares numbers; {label} is {kind}, value {value!r}.")
    elif op == "in" and (_type_of(value) != "list" or any(_type_of(v) != kind for v in value)):
        errors.append(f"{where}: 'in' needs a list of {kind} values.")
    elif op == "contains" and (kind not in {"list", "str"} or _type_of(value) != "str"):
        errors.append(f"{where}: 'contains' looks for a text in a text or list field.")
    elif op in {"=", "!="} and _type_of(value) != ("str" if kind == "list" else kind):
        errors.append(f"{where}: {label} is {kind}, but the value {value!r} is not.")


def _reaches(graph: dict[int, set[int]], start: int) -> bool:
    seen: set[int] = set()
    stack = list(graph.get(start, ()))
    while stack:
        node = stack.pop()
        if node == start:
            return True
        if node not in seen:
            seen.add(node)
            stack.extend(graph.get(node, ()))
    return False


# --- evaluation -----------------------------------------------------------------------


def resolve(obj: Any, path: str) -> Any:
    """The value at ``path`` on ``obj`` (the subject's reader when it declares one); None
    when any step is missing."""
    subject = subjects.SUBJECTS.get(getattr(obj._meta, "model_name", "")) if obj else None
    declared = subject.field_named(path) if subject else None
    if declared is not None and declared.read is not None:
        return declared.read(obj)
    value = obj
    for part in path.split("."):
        if value is None:
            return None
        value = getattr(value, part, None)
        if callable(value):
            value = value()
        if hasattr(value, "all") and hasattr(value, "model"):  # a related manager
            value = [str(v) for v in value.all()]
    return value


def _compare(actual: Any, op: str, expected: Any) -> bool:
    if op == "is empty":
        return actual in (None, "", [])
    if actual is None:
        return False
    try:
        return {
            "=": lambda: actual == expected,
            "!=": lambda: actual != expected,
            "<": lambda: actual < expected,
            "<=": lambda: actual <= expected,
            ">": lambda: actual > expected,
            ">=": lambda: actual >= expected,
            "in": lambda: actual in expected,
            "contains": lambda: expected in actual,
        }[op]()
    except TypeError:
        return False


@dataclass
class Check:
    field: str
    op: str
    value: Any
    actual: Any
    matched: bool
    event: str = ""  # a "has not happened" check: the event type and the days looked back
    days: int = 0


def evaluate(
    conditions: dict | None, obj: Any, now: datetime | None = None
) -> tuple[bool, list[Check]]:
    """Do ``conditions`` hold for ``obj``? Also returns each condition's outcome, which the
    dry run shows. An empty definition matches. ``now``: the moment "has not happened"
    looks back from (the simulation evaluates the past)."""
    checks: list[Check] = []

    def group(g: dict) -> bool:
        kind, items = next(iter(g.items()))
        results = [
            group(item) if set(item) <= {"all", "any"} and item else condition(item)
            for item in items
        ]
        return all(results) if kind == "all" else any(results)

    def condition(c: dict) -> bool:
        if "not_happened" in c:
            matched = not happened(obj, c["not_happened"], c["days"], now)
            label = f"{c['not_happened']} in {c['days']} days"
            checks.append(
                Check(
                    label,
                    "has not happened",
                    "",
                    not matched,
                    matched,
                    c["not_happened"],
                    c["days"],
                )
            )
            return matched
        actual = resolve(obj, c["field"])
        matched = _compare(actual, c["op"], c.get("value"))
        checks.append(Check(c["field"], c["op"], c.get("value"), actual, matched))
        return matched

    return group(conditions or {"all": []}), checks


@dataclass
class DryRun:
    matched: bool  # do the conditions hold?
    checks: list[Check]  # each condition's outcome, in the definition's order
    actions: list[dict]  # what would run: the definition's actions, none when unmatched


def dry_run(definition: dict, obj: Any) -> DryRun:
    """What ``definition`` would do to ``obj`` now, without doing it. The API's
    ``dry-run/`` (JSON fields) and the editor's dry run (the builder's words) both render
    this one result."""
    matched, checks = evaluate(definition.get("conditions"), obj)
    return DryRun(matched, checks, list(definition.get("actions", [])) if matched else [])


def happened(obj: Any, event_type: str, days: int, now: datetime | None = None) -> bool:
    """Did an event of ``event_type`` about the partner ``obj`` concerns happen in the
    ``days`` before ``now``?"""
    from django.utils import timezone

    from prm.outbox.models import Event

    now = now or timezone.now()
    partner_id = subjects.partner_id_of(subjects.SUBJECTS.get(obj._meta.model_name or ""), obj)
    return Event.objects.filter(
        partner_id=partner_id,
        type=event_type,
        created_at__gt=now - timedelta(days=days),
        created_at__lte=now,
    ).exists()


def considered_what(trigger: str, *, events: str) -> str:
    """What a simulation of ``trigger`` counts: "partner checks" for a schedule, else
    ``events``."""
    subject = subject_of(trigger)
    if subjects.is_schedule(trigger) and subject is not None:
        return f"{subject.label} checks"
    return events


def trigger_choices() -> list[tuple[str, str]]:
    """The triggers by their subjects' labels ("Partner's status changed")."""
    return [(t, subjects.trigger_label(t)) for t in subjects.TRIGGERS]
