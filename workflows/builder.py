"""The editor's no-code builder: rows of conditions and actions as form fields, turned into
a definition (and back). The definition is then validated by definitions.validate like any
other; this module only types the admin's inputs and names the rows in error messages.

Form fields: ``match`` (all/any), ``conditions`` (row count), ``c{i}-field|op|value|days``,
``actions`` (row count), ``a{i}-type`` and ``a{i}-<param>``, ``every`` (schedules),
``days_before`` (certification reminders)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.http import QueryDict
from django.utils.text import capfirst

from prm.outbox.events import EVENT_TYPES
from prm.users.models import VENDOR_ROLES, Role
from workflows import definitions, subjects
from workflows.subjects import Subject, subject_of

ABSENCE = "not_happened:"  # a condition row's field for "has not happened"
MAX_ROWS = 40
PARAMS: dict[str, list[str]] = {
    "notify": ["to", "title", "body", "email"],
    "request_approval": ["from", "user", "role", "unit", "note"],
    "escalate": ["after_hours", "to"],
    "wait": ["hours", "until"],
    "set_field": ["field", "value"],
    "webhook": ["url"],
    "start_workflow": ["workflow"],
    "approve": ["reason"],
    "reject": ["reason"],
}
LABELS = {
    "notify": "Notify",
    "request_approval": "Request approval",
    "escalate": "Escalate if not decided",
    "wait": "Wait",
    "set_field": "Set a field",
    "webhook": "Call a webhook",
    "start_workflow": "Start another workflow",
    "approve": "Approve",
    "reject": "Reject",
}
NUMBERS = {"hours", "after_hours", "workflow"}
OPERATOR_LABELS = {
    "=": "is",
    "!=": "is not",
    "<": "is less than",
    "<=": "is at most",
    ">": "is more than",
    ">=": "is at least",
    "in": "is one of (comma-separated)",
    "contains": "contains",
    "is empty": "is empty",
}


@dataclass
class Param:
    name: str
    label: str
    kind: str  # text, textarea, number, date, checkbox, select
    value: str
    choices: list[tuple[str, str]] | None = None


def _choices(values, obj: Subject | None) -> list[tuple[str, str]]:
    """Recipients or approvers by their labels, as the subjects declare them."""
    labelled = [(v, capfirst(definitions.who_label(obj, v))) for v in values]
    return sorted(labelled, key=lambda pair: pair[1])


def param(
    kind: str, name: str, value: str, obj: Subject | None, workflows: list[tuple[str, str]]
) -> Param:
    """How one parameter of an action is asked for."""
    if name == "to":
        targets = definitions.recipients(obj) if kind == "notify" else definitions.approvers(obj)
        return Param(name, "To", "select", value, _choices(targets, obj))
    if name == "from":
        approvers = definitions.approvers(obj) | definitions.NAMED_APPROVERS
        return Param(name, "Ask", "select", value, _choices(approvers, obj))
    if name == "role":
        roles = [("", "—")] + [(r, Role(r).label) for r in sorted(VENDOR_ROLES)]
        return Param(name, "Role (when asking a role)", "select", value, roles)
    if name == "field":
        settable = obj.settable if obj else {}
        choices = [(f, str(spec.label)) for f, spec in settable.items()]
        return Param(name, "Field", "select", value, choices)
    if name == "workflow":
        return Param(name, "Workflow", "select", value, workflows)
    simple = {
        "title": ("Title", "text"),
        "body": ("Message", "textarea"),
        "email": ("Also by e-mail", "checkbox"),
        "user": ("User's e-mail (when asking a user)", "text"),
        "unit": ("Within org unit (optional)", "text"),
        "note": ("What is asked", "text"),
        "after_hours": ("After hours", "number"),
        "hours": ("Hours", "number"),
        "until": ("or until", "date"),
        "value": ("Value", "text"),
        "url": ("URL", "text"),
        "reason": ("Reason", "text"),
    }
    label, widget = simple[name]
    return Param(name, label, widget, value)


def empty_rows() -> dict[str, Any]:
    return {"match": "all", "conditions": [], "actions": [], "every": "day", "days_before": ""}


def rows_from_definition(definition: dict) -> dict[str, Any] | None:
    """The builder's rows for a definition; None when it nests groups (JSON only)."""
    rows = empty_rows()
    group = definition.get("conditions") or {"all": []}
    rows["match"], items = next(iter(group.items()))
    for item in items:
        if set(item) <= {"all", "any"}:
            return None
        if "not_happened" in item:
            field, days = ABSENCE + item["not_happened"], str(item.get("days", ""))
            rows["conditions"].append({"field": field, "op": "", "value": "", "days": days})
            continue
        value = item.get("value", "")
        if isinstance(value, list):
            value = ", ".join(str(v) for v in value)
        elif isinstance(value, bool):
            value = "true" if value else "false"
        rows["conditions"].append(
            {"field": item.get("field", ""), "op": item.get("op", ""), "value": str(value)}
        )
    for action in definition.get("actions", []):
        values = {k: ("on" if v is True else str(v)) for k, v in action.items() if v is not False}
        rows["actions"].append(values)
    rows["every"] = (definition.get("schedule") or {}).get("every", "day")
    rows["days_before"] = ", ".join(str(d) for d in definition.get("days_before") or [])
    return rows


def rows_from_post(data: QueryDict) -> dict[str, Any]:
    """The rows as posted, untyped (so a re-rendered form keeps exactly what was typed)."""

    def count(key: str) -> int:
        try:
            return max(0, min(int(data.get(key, 0)), MAX_ROWS))
        except ValueError:
            return 0

    rows = empty_rows()
    rows["match"] = "any" if data.get("match") == "any" else "all"
    rows["every"] = data.get("every", "day")
    rows["days_before"] = data.get("days_before", "")
    for i in range(count("conditions")):
        row = {k: data.get(f"c{i}-{k}", "").strip() for k in ("field", "op", "value", "days")}
        rows["conditions"].append(row)
    for i in range(count("actions")):
        kind = data.get(f"a{i}-type", "notify")
        action = {"type": kind}
        for name in PARAMS.get(kind, []):
            if value := data.get(f"a{i}-{name}", "").strip():
                action[name] = value
        rows["actions"].append(action)
    return rows


def rows_apply(rows: dict[str, Any], op: str) -> None:
    """A builder button: add or remove a row, move an action up."""
    name, _, index = op.partition(":")
    i = int(index) if index.isdigit() else -1
    if name == "add_condition" and len(rows["conditions"]) < MAX_ROWS:
        rows["conditions"].append({"field": "status", "op": "=", "value": "", "days": ""})
    elif name == "add_action" and len(rows["actions"]) < MAX_ROWS:
        rows["actions"].append({"type": "notify", "to": "channel_manager"})
    elif name == "remove_condition" and 0 <= i < len(rows["conditions"]):
        rows["conditions"].pop(i)
    elif name == "remove_action" and 0 <= i < len(rows["actions"]):
        rows["actions"].pop(i)
    elif name == "up_action" and 0 < i < len(rows["actions"]):
        actions = rows["actions"]
        actions[i - 1], actions[i] = actions[i], actions[i - 1]


def _typed(text: str, kind: str) -> Any:
    if kind == "int":
        return int(text) if re.fullmatch(r"-?\d+", text) else float(text)
    if kind == "bool":
        lowered = text.lower()
        if lowered not in {"true", "false", "yes", "no"}:
            raise ValueError
        return lowered in {"true", "yes"}
    return text


def to_definition(trigger: str, rows: dict[str, Any]) -> tuple[dict, list[str]]:
    """Type the rows into a definition; the errors name the row ("Condition 2: …")."""
    fields = definitions.fields_of(subject_of(trigger))
    errors: list[str] = []
    items: list[dict] = []
    for n, row in enumerate(rows["conditions"], 1):
        if row["field"].startswith(ABSENCE):
            days = row.get("days", "")
            if not days.isdigit():
                errors.append(f"Condition {n}: say in how many days (a whole number).")
                continue
            items.append({"not_happened": row["field"][len(ABSENCE) :], "days": int(days)})
            continue
        condition: dict[str, Any] = {"field": row["field"], "op": row["op"]}
        if row["op"] != "is empty":
            kind = "str" if fields.get(row["field"]) == "list" else fields.get(row["field"], "str")
            try:
                if row["op"] == "in":
                    parts = [p.strip() for p in row["value"].split(",") if p.strip()]
                    condition["value"] = [_typed(p, kind) for p in parts]
                else:
                    condition["value"] = _typed(row["value"], kind)
            except ValueError:
                wanted = {"int": "a number", "bool": "true or false"}[kind]
                label = subjects.field_label(trigger, row["field"])
                errors.append(f"Condition {n}: {label} needs {wanted}.")
                continue
        items.append(condition)
    actions: list[dict] = []
    for n, row in enumerate(rows["actions"], 1):
        action: dict[str, Any] = {"type": row.get("type", "")}
        for name in PARAMS.get(action["type"], []):
            value = row.get(name, "")
            if value == "":
                continue
            if name == "email":
                action[name] = value == "on"
            elif name in NUMBERS:
                try:
                    action[name] = _typed(value, "int")
                except ValueError:
                    errors.append(f"Action {n}: {name.replace('_', ' ')} is a number.")
            else:
                action[name] = value
        actions.append(action)
    definition: dict[str, Any] = {"conditions": {rows["match"]: items}, "actions": actions}
    if subjects.is_schedule(trigger):
        definition["schedule"] = {"every": rows.get("every") or "day"}
    if trigger in definitions.threshold_events() and rows.get("days_before", "").strip():
        try:
            definition["days_before"] = [int(d) for d in rows["days_before"].split(",")]
        except ValueError:
            errors.append("Days before expiry: whole numbers separated by commas, e.g. 60, 30, 7.")
    return definition, errors


WHERE = [
    (re.compile(r"^conditions\.(?:all|any)\[(\d+)\][^:]*:"), "Condition"),
    (re.compile(r"^actions\[(\d+)\]:"), "Action"),
]


def readable(message: str) -> str:
    """``actions[1]: …`` becomes ``Action 2: …`` for the builder."""
    for pattern, noun in WHERE:
        if match := pattern.match(message):
            return f"{noun} {int(match.group(1)) + 1}:{message[match.end() :]}"
    return message


def context(trigger: str, rows: dict[str, Any], workflows: list[tuple[str, str]]) -> dict:
    """What the builder template shows for ``rows`` under ``trigger``."""
    obj = subject_of(trigger)
    field_choices = [(f.path, str(f.label)) for f in obj.fields] if obj else []
    if obj is not None and obj.partner_of is not None:  # a partner's events: "has not happened"
        field_choices += [
            (ABSENCE + e, f"Has not happened: {subjects.trigger_label(e)}")
            for e in EVENT_TYPES
            if (about := subject_of(e)) is not None and about.partner_of is not None
        ]
    conditions = [
        {**row, "absence": row["field"].startswith(ABSENCE), "index": i}
        for i, row in enumerate(rows["conditions"])
    ]
    kinds = [(k, LABELS[k]) for k in PARAMS if _fits(k, trigger, obj)]
    actions = [
        {
            "index": i,
            "type": row.get("type", ""),
            "params": [
                param(row.get("type", ""), name, row.get(name, ""), obj, workflows)
                for name in PARAMS.get(row.get("type", ""), [])
            ],
        }
        for i, row in enumerate(rows["actions"])
    ]
    return {
        "rows": rows,
        "conditions": conditions,
        "actions": actions,
        "field_choices": field_choices,
        "operators": list(OPERATOR_LABELS.items()),
        "action_kinds": kinds,
        "periods": definitions.PERIODS,
        "is_schedule": subjects.is_schedule(trigger),
        "is_reminder": trigger in definitions.threshold_events(),
        "object_label": obj.label if obj else "",
    }


def _fits(kind: str, trigger: str, obj: Subject | None) -> bool:
    spec = definitions.ACTIONS[kind]
    if spec.get("not_on_schedule") and subjects.is_schedule(trigger):
        return False
    return "needs" not in spec or bool(obj is not None and getattr(obj, spec["needs"]))


def describe(obj: Subject | None, action: dict, workflows: dict[str, str] | None = None) -> str:
    """One action as a sentence in the admin's words, for the dry run and the run page:
    "Notify the partner's channel manager: “Welcome”", "Wait until 31 Dec 2026"."""
    kind = action.get("type", "")

    def who(key: str) -> str:
        return definitions.who_label(obj, str(key))

    if kind == "notify":
        text = f"Notify {who(action.get('to', ''))}"
        return text + (f": “{action['title']}”" if action.get("title") else "")
    if kind == "request_approval":
        asked = action.get("from", "")
        if asked == "user":
            target = action.get("user", "a named user")
        elif asked == "role":
            role = action.get("role", "")
            target = f"the {Role(role).label.lower()}s" if role in Role.values else "a role"
            target += f" of {action['unit']}" if action.get("unit") else ""
        else:
            target = who(asked)
        return f"Ask {target} to approve" + (f": “{action['note']}”" if action.get("note") else "")
    if kind == "escalate":
        hours = action.get("after_hours")
        within = f"within {hours:g} hours" if isinstance(hours, int | float) else "in time"
        return f"If not decided {within}, ask {who(action.get('to', ''))}"
    if kind == "wait":
        if action.get("until"):
            try:
                return f"Wait until {date.fromisoformat(str(action['until'])):%-d %b %Y}"
            except ValueError:
                return f"Wait until {action['until']}"
        hours = action.get("hours", "")
        return f"Wait {hours:g} hours" if isinstance(hours, int | float) else "Wait"
    if kind == "set_field":
        field = str(action.get("field", ""))
        spec = obj.settable.get(field) if obj else None
        return f"Set {spec.label if spec else field} to {action.get('value', '')}"
    if kind == "webhook":
        return f"Call the webhook {action.get('url', '')}"
    if kind == "start_workflow":
        name = (workflows or {}).get(str(action.get("workflow", "")), "another workflow")
        return f"Start the workflow “{name}”"
    if kind in {"approve", "reject"}:
        verb = "Approve" if kind == "approve" else "Reject"
        reason = f": “{action['reason']}”" if action.get("reason") else ""
        return f"{verb} the {obj.label if obj else 'record'}{reason}"
    return LABELS.get(kind, kind)
