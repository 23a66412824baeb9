"""Workflow subjects: the object types workflows start on and act on, each declared once by
its own app (partners declares partner, agreement and application; deals will declare deal
and reservation). The engine, validation, builder, dry run, simulation, analytics and the
approvals inbox read these declarations and import no domain app.

A declaration says::

    subject_declare(Subject(
        name="partner", model=Partner, label="partner",
        events={"partner.enrolled": "A partner organisation was enrolled."},
        event_labels={"partner.enrolled": "Partner enrolled"},  # short, for lists
        fields=[Field("tier.name", "str", "Partner's tier"), ...],
        settable={"status": Settable(...)},        # set_field, through the owner's service
        decide=Decide(approve=..., reject=...),   # approve / reject actions
        placeholders={"tier": lambda obj, payload: obj.tier},
        recipients={"channel_manager": ...}, approvers={"unit_manager": ...},
        labels={"channel_manager": "the partner's channel manager", ...},  # of both
        partner_of=lambda obj: obj, is_partner=True,  # deals: partner_of=lambda d: d.partner
        url=lambda pk: f"/partners/{pk}/",
        schedule_trigger="schedule", schedule=lambda: Partner.objects.all(),
        schedule_label="On a schedule, for each partner",
        defaults=[{...default workflows...}],
        visible_to=partners_visible_to, find=..., history=lambda: Partner.history,
    ))

Recipients, approvers and placeholders a subject does not have itself are looked up on the
subject of the partner it concerns (``partner_of``), so a deal workflow can ask "the
channel manager" without the deals app saying how. Their labels too: every name the editor,
the run page and the lists show (of a trigger, a field, a recipient or approver) comes from
these declarations (``trigger_label``, ``field_label``, ``people_label``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.db.models import QuerySet
from django.http import Http404

from prm.outbox.events import EVENT_TYPES, events_declare
from prm.users.models import User

Reader = Callable[[Any], Any]
People = Callable[[Any], Iterable[User]]


@dataclass(frozen=True)
class Field:
    """A condition field: its path (``tier.rank``), type (str, int, bool, list: names) and
    label in the admin's words. ``read`` computes it; by default the path is followed."""

    path: str
    kind: str
    label: str
    read: Reader | None = None


@dataclass(frozen=True)
class SetContext:
    """What a ``set_field`` change is done with: in whose name, why, and how an admin's
    text with placeholders (``{qualified_tier}``) becomes the value."""

    actor: User | None
    reason: str
    render: Callable[[str], str]


@dataclass(frozen=True)
class Settable:
    """A field ``set_field`` may change. ``validate`` returns an error message for a value
    that can never be right (checked when the workflow is saved); ``apply`` changes the
    object through the owning app's service (so its lifecycle rules apply) and returns
    (before, after) for the step's record. ``choices`` feeds the builder."""

    label: str
    validate: Callable[[Any], str | None]
    apply: Callable[[Any, Any, SetContext], tuple[Any, Any]]
    choices: Callable[[], list[str]] = list


@dataclass(frozen=True)
class Decide:
    """The subject's decision services, for the approve / reject actions and a rejected
    approval: ``approve(obj, actor, reason)``, ``reject(obj, actor, reason)``."""

    approve: Callable[[Any, User, str], object]
    reject: Callable[[Any, User, str], object]


@dataclass(frozen=True)
class Subject:
    name: str  # the object_type events record: the model name
    model: type[models.Model]
    label: str  # in the admin's words: "application"
    events: dict[str, str] = field(default_factory=dict)
    # Short names of the events, in the admin's words ("Partner status changed"); the
    # description above is the longer explanation.
    event_labels: dict[str, str] = field(default_factory=dict)
    fields: list[Field] = field(default_factory=list)
    settable: dict[str, Settable] = field(default_factory=dict)
    decide: Decide | None = None
    placeholders: dict[str, Callable[[Any, dict], Any]] = field(default_factory=dict)
    recipients: dict[str, People] = field(default_factory=dict)
    approvers: dict[str, People] = field(default_factory=dict)
    # Recipients' and approvers' names in a sentence's words: "the partner's channel manager"
    labels: dict[str, str] = field(default_factory=dict)
    partner_of: Reader | None = None
    url: Callable[[str], str] | None = None  # object id -> its page (inbox, runs, mails)
    schedule_trigger: str | None = None  # the trigger of scheduled workflows on this subject
    schedule: Callable[[], QuerySet] | None = None  # what a scheduled workflow checks
    schedule_label: str = ""  # the schedule trigger's name: "On a schedule, for each partner"
    defaults: list[dict[str, Any]] = field(default_factory=list)
    # Events that come some days before a date (payload "days"); a workflow on one may pick
    # which distances start it (``days_before``).
    threshold_events: frozenset[str] = frozenset()
    visible_to: Callable[[User], QuerySet] | None = None  # dry runs: what a user may try
    find: Callable[[User, str], Any] | None = None  # the editor's dry run: by name
    history: Callable[[], Any] | None = None  # simple-history manager: the object's past
    select_related: tuple[str, ...] = ()
    # The subject of partner organisations themselves: others reach it through partner_of.
    is_partner: bool = False
    # What a decider should know of an object at a glance (the approvals inbox): short
    # sentences in the users' words ("2 conflicts, highest score 0.95").
    summary: Callable[[Any], list[str]] | None = None

    def field_named(self, path: str) -> Field | None:
        return next((f for f in self.fields if f.path == path), None)

    def field_label(self, path: str) -> str:
        """A field's label ("Partner's tier"); the path only for a field it does not have."""
        found = self.field_named(path)
        return str(found.label) if found is not None else path

    def load(self, object_id: str | int) -> Any:
        """The object, or None when it is gone (conditions on it are then false)."""
        rows = self.model._default_manager.select_related(*self.select_related)
        return rows.filter(pk=object_id).first()

    def get_for(self, user: User, object_id: Any) -> Any:
        """The object if ``user`` may see it; the same 404 for missing and out of scope."""
        rows = self.visible_to(user) if self.visible_to else self.model._default_manager.none()
        try:
            return rows.get(pk=object_id)
        except (ObjectDoesNotExist, ValueError, TypeError):
            raise Http404(f"No such {self.label}.") from None

    def as_of(self, object_id: str, moment: Any) -> Any:
        """The object as it was at ``moment`` (its last history row by then), in one query;
        as it is now when the subject keeps no history."""
        if self.history is None:
            return self.load(object_id)
        row = (
            self.history()
            .filter(id=object_id, history_date__lte=moment)
            .order_by("-history_date")
            .first()
        )
        return row.instance if row is not None and row.history_type != "-" else None


SUBJECTS: dict[str, Subject] = {}
TRIGGERS: dict[str, str] = {}  # trigger (event type or schedule) -> subject name


def subject_declare(subject: Subject) -> Subject:
    """Register a subject and its events (from the app's ``AppConfig.ready``)."""
    events_declare(subject.events)
    SUBJECTS[subject.name] = subject
    for event_type in subject.events:
        TRIGGERS[event_type] = subject.name
    if subject.schedule_trigger:
        TRIGGERS[subject.schedule_trigger] = subject.name
    return subject


def subject_withdraw(name: str) -> None:
    """Forget a subject (tests that declare one of their own)."""
    subject = SUBJECTS.pop(name, None)
    if subject is None:
        return
    for trigger in [t for t, s in TRIGGERS.items() if s == name]:
        del TRIGGERS[trigger]


def subject_of(trigger_or_type: str) -> Subject | None:
    """The subject of a trigger, or the subject named so (a run's ``object_type``)."""
    name = TRIGGERS.get(trigger_or_type, trigger_or_type)
    return SUBJECTS.get(name)


def trigger_label(trigger: str) -> str:
    """A trigger in the admin's words: the event's short name as its subject declares it
    ("Partner status changed"), the schedule's, or the event's description."""
    subject = subject_of(trigger)
    if subject is not None:
        if trigger in subject.event_labels:
            return subject.event_labels[trigger]
        if trigger == subject.schedule_trigger and subject.schedule_label:
            return subject.schedule_label
    return EVENT_TYPES.get(trigger, trigger)


def field_label(trigger_or_type: str, path: str) -> str:
    """The label of a condition field of a trigger's (or object type's) subject."""
    subject = subject_of(trigger_or_type)
    return subject.field_label(path) if subject is not None else path


def people_label(subject: Subject | None, key: str, generic: dict[str, str]) -> str:
    """A recipient's or approver's name in a sentence's words ("the partner's channel
    manager"): the engine's own (``generic``), the subject's, or its partner's."""
    if key in generic:
        return generic[key]
    if subject is not None:
        if key in subject.labels:
            return subject.labels[key]
        of_partner = partner_subject() if subject.partner_of is not None else None
        if of_partner is not None and key in of_partner.labels:
            return of_partner.labels[key]
    return key.replace("_", " ")


def object_names(object_type: str, object_ids: Iterable[str]) -> dict[str, str]:
    """The names of a subject's objects by id, in one query ("Northwind", not "#38");
    objects that are gone are left out."""
    subject = SUBJECTS.get(object_type)
    ids = {str(i) for i in object_ids}
    if subject is None or not ids:
        return {}
    rows = subject.model._default_manager.select_related(*subject.select_related)
    try:
        return {str(obj.pk): str(obj) for obj in rows.filter(pk__in=ids)}
    except (ValueError, TypeError):
        return {}


def pick_list(subject: Subject | None, user: User, limit: int = 500) -> list[tuple[str, str]]:
    """What ``user`` may try a workflow on (the dry run's picker): (id, name), by name."""
    if subject is None or subject.visible_to is None:
        return []
    rows = subject.visible_to(user).select_related(*subject.select_related)[:limit]
    return sorted(((str(obj.pk), str(obj)) for obj in rows), key=lambda pair: pair[1].lower())


def is_schedule(trigger: str) -> bool:
    subject = subject_of(trigger)
    return subject is not None and subject.schedule_trigger == trigger


def load_object(object_type: str, object_id: str) -> Any:
    """The run's or event's object; None when it or its subject is gone."""
    subject = SUBJECTS.get(object_type)
    return subject.load(object_id) if subject else None


def object_url(object_type: str, object_id: str) -> str:
    """The page of a run's object, as its subject declares it ("" when it has none)."""
    subject = SUBJECTS.get(object_type)
    return subject.url(object_id) if subject and subject.url else ""


def object_summary(object_type: str, object_id: str) -> list[str]:
    """What the subject says of an object at a glance ([] when it says nothing or the
    object is gone)."""
    subject = SUBJECTS.get(object_type)
    if subject is None or subject.summary is None:
        return []
    obj = subject.load(object_id)
    return list(subject.summary(obj)) if obj is not None else []


def partner_subject() -> Subject | None:
    """The subject whose objects other subjects concern (``partner_of`` returns one)."""
    return next((s for s in SUBJECTS.values() if s.is_partner), None)


def _partner_and_its_subject(subject: Subject, obj: Any) -> tuple[Any, Subject | None]:
    if subject.partner_of is None or obj is None:
        return None, None
    partner = subject.partner_of(obj)
    return (partner, partner_subject()) if partner is not None else (None, None)


def _lookup(subject: Subject, attribute: str, key: str, obj: Any) -> tuple[Any, Any] | None:
    """A subject's own recipient/approver/placeholder, or that of the partner it concerns:
    (function, the object to call it with)."""
    own = getattr(subject, attribute).get(key)
    if own is not None:
        return own, obj
    partner, of_partner = _partner_and_its_subject(subject, obj)
    if of_partner is not None and of_partner is not subject:
        found = getattr(of_partner, attribute).get(key)
        if found is not None:
            return found, partner
    return None


def people(subject: Subject, kind: str, key: str, obj: Any) -> list[User] | None:
    """``kind`` "recipients" or "approvers": the users ``key`` names for ``obj``; None when
    the subject (and its partner's) has no such key."""
    found = _lookup(subject, kind, key, obj)
    if found is None:
        return None
    function, target = found
    return list(function(target))


def keys_of(subject: Subject | None, kind: str) -> set[str]:
    """The recipient or approver names a subject offers (its own and its partner's)."""
    if subject is None:
        return set()
    keys = set(getattr(subject, kind))
    if subject.partner_of is not None:
        of_partner = partner_subject()
        if of_partner is not None:
            keys |= set(getattr(of_partner, kind))
    return keys


def placeholder(subject: Subject, key: str, obj: Any, payload: dict) -> Callable[[], Any] | None:
    found = _lookup(subject, "placeholders", key, obj)
    if found is None:
        return None
    function, target = found
    return lambda: function(target, payload)


PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")  # {name}: the only form a text may use
BRACED = re.compile(r"\{[^{}]*\}")  # anything an admin wrote in braces


def placeholder_names(subject: Subject | None) -> set[str]:
    """Every ``{name}`` a text of a workflow on ``subject`` may use: the object by its type
    and label, ``{status}``, its own placeholders and those of the partner it concerns."""
    if subject is None:
        return set()
    names = {subject.name, subject.label, "status", *subject.placeholders}
    if subject.partner_of is not None and (of_partner := partner_subject()) is not None:
        names |= {of_partner.label, *of_partner.placeholders}
    return names


def partner_id_of(subject: Subject | None, obj: Any) -> int | None:
    if subject is None or subject.partner_of is None or obj is None:
        return None
    partner = subject.partner_of(obj)
    return partner.pk if partner is not None else None


def all_defaults() -> list[dict[str, Any]]:
    """Every subject's default workflows, in declaration order."""
    return [spec for subject in SUBJECTS.values() for spec in subject.defaults]


@dataclass
class Directory:
    """The vendor's org units, for approvers named by role within a unit. The app that owns
    org units registers these (partners); without it, no unit is known."""

    unit_exists: Callable[[str], bool] = lambda name: False
    in_unit: Callable[[QuerySet, str], QuerySet] = lambda users, name: users.none()


DIRECTORY = Directory()


def directory_register(
    *, unit_exists: Callable[[str], bool], in_unit: Callable[[QuerySet, str], QuerySet]
) -> None:
    DIRECTORY.unit_exists, DIRECTORY.in_unit = unit_exists, in_unit
