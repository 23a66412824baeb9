"""The audit trail is django-simple-history. ``audit_note`` names who and why for the next
save; ``audit_trail`` reads an object's history as people read it: sentences ("Tier changed
from Silver to Gold by Cam Channel"), field labels and formatted values, and the people by
name (a partner's users never see the vendor's staff e-mail addresses).

Labels are the model fields' verbose names unless the model's app declares better ones
with ``audit_declare`` (once, beside the model), so every app's history reads the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db import models
from django.utils import dateformat, timezone
from django.utils.text import capfirst

REASON_MAX = 100  # history_change_reason's column


def audit_note(instance: Any, actor: Any, reason: str) -> None:
    """Who and why for the history row the next save of ``instance`` writes. A reason of
    the form ``"what: note"`` keeps the person's own words after the colon."""
    instance._history_user = actor
    instance._change_reason = reason[:REASON_MAX]


@dataclass(frozen=True)
class AuditLabels:
    labels: dict[str, str] = field(default_factory=dict)
    hidden: frozenset[str] = frozenset()


AUDIT: dict[type[models.Model], AuditLabels] = {}
ALWAYS_HIDDEN = frozenset({"path", "depth", "numchild", "updated_at"})  # bookkeeping
ACTIONS = {"+": "created", "~": "changed", "-": "deleted"}
LONG_TEXT = 80  # characters of a value shown in a sentence


def audit_declare(
    model: type[models.Model], *, labels: dict[str, str] | None = None, hidden: tuple = ()
) -> None:
    """How ``model``'s history reads: better labels than the verbose names, and fields
    whose changes say nothing to people (the row's own time already says when)."""
    AUDIT[model] = AuditLabels(dict(labels or {}), frozenset(hidden))


def field_label(model: type[models.Model], name: str) -> str:
    declared = AUDIT.get(model)
    if declared and name in declared.labels:
        return declared.labels[name]
    try:
        return capfirst(str(getattr(model._meta.get_field(name), "verbose_name", name)))
    except Exception:  # a field the model no longer has: its name, readable
        return capfirst(name.replace("_", " "))


@dataclass
class Viewer:
    """Who reads the trail: partner users see vendor staff without their e-mail address."""

    partner_side: bool
    vendor: str  # the vendor's name: "Acme staff"

    def person(self, user: Any) -> str:
        if user is None:
            return ""
        if self.partner_side and not getattr(user, "is_partner_side", False):
            name = getattr(user, "full_name", "")
            return f"{name} ({self.vendor} staff)" if name else f"{self.vendor} staff"
        return str(user)


def viewer_of(user: Any) -> Viewer:
    from prm.tenancy.context import current_tenant

    try:
        vendor = current_tenant().name
    except Exception:  # no tenant active (operator tools): a neutral name
        vendor = "Vendor"
    return Viewer(partner_side=bool(getattr(user, "is_partner_side", False)), vendor=vendor)


def audit_trail(obj: Any, viewer: Viewer) -> list[dict]:
    """The history of ``obj``, newest first: per record when, who (as ``viewer`` may see
    them), the reason as given, the changes (field, label, before and after as values and
    as text) and ``summary``, the sentence that says what happened."""
    model = type(obj)
    records = list(obj.history.select_related("history_user").order_by("history_date", "pk"))
    entries: list[dict] = []
    names: dict[tuple, Any] = {}  # (model, pk) -> the row (or None), each read once
    declared = AUDIT.get(model, AuditLabels())
    hidden = ALWAYS_HIDDEN | declared.hidden
    base = None  # the record before the operation at hand
    for group in _operations(records):
        first, last = group[0], group[-1]
        kind = "+" if first.history_type == "+" else last.history_type
        changes: list[dict] = []
        if base is not None and kind == "~":
            changes = [
                _change(model, c.field, c.old, c.new, names, viewer)
                for c in last.diff_against(base).changes
                if c.field not in hidden
            ]
        base = last
        reason = first.history_change_reason or ""
        by = viewer.person(first.history_user)
        summary, listed = _summary(kind, reason, changes, by)
        entries.append(
            {
                "at": first.history_date,
                "action": ACTIONS.get(kind, kind),
                "by": by or None,
                "reason": reason or None,
                "changes": changes,
                "summary": summary,
                # the changes the summary does not spell out, one sentence each
                "details": [] if listed else [c["text"] for c in changes],
            }
        )
    return entries[::-1]


SAME_OPERATION = timedelta(seconds=5)


def _operations(records: list) -> list[list]:
    """History records grouped by operation: one service call may save a row more than
    once (a profile update saves the row, then clears and sets its many-to-many fields),
    each save a record with the same author and reason, moments apart."""
    groups: list[list] = []
    for record in records:
        last = groups[-1][-1] if groups else None
        if (
            last is not None
            and record.history_type == "~"
            and record.history_user_id == last.history_user_id
            and (record.history_change_reason or "") == (last.history_change_reason or "")
            and record.history_date - last.history_date <= SAME_OPERATION
        ):
            groups[-1].append(record)
        else:
            groups.append([record])
    return groups


MAX_IN_SUMMARY = 2  # more changes than this: the summary says what, the details list them


def _summary(kind: str, reason: str, changes: list[dict], by: str) -> tuple[str, bool]:
    """What happened, as a sentence: the changes (or, for a creation or many changes, the
    reason's words), by whom, and the person's own words or the workflow that did it. Also
    whether the sentence spells out every change."""
    what, _, note = reason.partition(": ")
    listed = kind == "~" and 0 < len(changes) <= MAX_IN_SUMMARY
    if kind == "+":
        head = capfirst(what) if what else "Created"
    elif kind == "-":
        head = "Deleted"
    elif listed:
        head = "; ".join(c["text"] for c in changes)
        head = head[0].upper() + head[1:]
    elif changes and what and not what.startswith("workflow "):
        head = capfirst(what)
    elif changes:
        head = f"{len(changes)} changes"
    else:
        head = capfirst(what) if what else "Saved without changes"
    if by:
        head += f" by {by}"
    if what.startswith("workflow ") and kind == "~":
        head += f" (through the {what})"
    if note:
        head += f": “{note}”"
    return head + ("" if head.endswith((".", "”")) else "."), listed or not changes


def _change(model, name: str, old: Any, new: Any, names: dict, viewer: Viewer) -> dict:
    label = field_label(model, name)
    try:
        model_field = model._meta.get_field(name)
    except Exception:
        model_field = None
    before = _value(model_field, old, names, viewer, readable=False)
    after = _value(model_field, new, names, viewer, readable=False)
    shown_before = _value(model_field, old, names, viewer, readable=True)
    shown_after = _value(model_field, new, names, viewer, readable=True)
    before_text, after_text = _text(shown_before), _text(shown_after)
    if isinstance(before, list) and isinstance(after, list):
        added = [v for v in after if v not in before]
        removed = [v for v in before if v not in after]
        parts = ([f"added {', '.join(added)}"] if added else []) + (
            [f"removed {', '.join(removed)}"] if removed else []
        )
        text = f"{label}: {'; '.join(parts) or 'reordered'}"
    elif before_text == "":
        text = f"{label} set to {after_text}"
    elif after_text == "":
        text = f"{label} cleared (was {before_text})"
    else:
        text = f"{label} changed from {before_text} to {after_text}"
    return {
        "field": name,
        "label": label,
        "before": before,
        "after": after,
        "before_text": before_text,
        "after_text": after_text,
        "text": text,
    }


def _value(model_field: Any, value: Any, names: dict, viewer: Viewer, *, readable: bool) -> Any:
    """A history value: related rows by name (people as ``viewer`` may see them),
    many-to-many as a sorted list of names. ``readable``: as people read it (choices by
    their label, dates in the portal's one format, yes/no); else as the API gives values
    (choice codes, ISO dates, JSON scalars)."""
    if value is None or value == "" or value == []:
        return value if not readable else ("" if not isinstance(value, list) else [])
    related = getattr(model_field, "related_model", None)
    if related is not None:
        if getattr(model_field, "many_to_many", False):
            key = related._meta.model_name
            ids = [row[key] for row in value if isinstance(row, dict) and key in row]
            return sorted(_name(related, pk, names, viewer) for pk in ids)
        return _name(related, value, names, viewer)
    if not readable:
        return _json(value)
    choices = dict(getattr(model_field, "flatchoices", None) or ())
    if choices and isinstance(value, str | int) and value in choices:
        return str(choices[value])
    return _plain(value)


def _json(value: Any) -> Any:
    if isinstance(value, list):
        return [_json(v) for v in value]
    if isinstance(value, dict):
        return {k: _json(v) for k, v in value.items()}
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value if isinstance(value, int | float | bool) else str(value)


def _name(model: Any, pk: Any, names: dict, viewer: Viewer) -> str:
    if (model, pk) not in names:
        names[(model, pk)] = model._default_manager.filter(pk=pk).first()
    found = names[(model, pk)]
    if found is None:
        return "a deleted record"
    if model is get_user_model():
        return viewer.person(found)
    return str(found)


def _plain(value: Any) -> Any:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        moment = timezone.localtime(value) if timezone.is_aware(value) else value
        return dateformat.format(moment, "j M Y H:i")
    if isinstance(value, date):
        return dateformat.format(value, "j M Y")
    if isinstance(value, int | float | Decimal):
        return str(value)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return str(value)


def _text(value: Any) -> str:
    """A value inside a sentence: lists joined, long texts cut."""
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    text = str(value)
    if len(text) > LONG_TEXT:
        text = text[: LONG_TEXT - 1].rstrip() + "…"
    return text
