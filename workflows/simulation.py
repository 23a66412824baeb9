"""Simulating a definition over a past period, before enabling it: "had this been live last
quarter, it would have matched 37 events and auto-approved 21".

Event-triggered definitions are evaluated against each event of the period, on its object as
it was at the event (django-simple-history; related records as they are now). Scheduled ones
are evaluated at the start of each period of their schedule, on today's objects, with "has
not happened" looking back from that day. Nothing is written.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.utils import timezone

from prm.outbox.models import Event
from workflows import definitions, subjects
from workflows.engine.schedules import period_label
from workflows.subjects import subject_of

MAX_EVENTS = 20_000  # events or partner checks: a simulation answers within a page load
STEP = {"day": 1, "week": 7, "month": 28, "quarter": 84}  # then deduplicated by label


@dataclass
class Simulation:
    start: date
    end: date
    considered: int = 0
    matched: int = 0
    outcomes: Counter = field(default_factory=Counter)
    examples: list[str] = field(default_factory=list)
    truncated: bool = False
    latest: date | None = None  # event triggers: the day of the trigger's latest event

    def sentence(self, what: str) -> str:
        if self.considered == 0:
            period = f"from {self.start:%-d %b %Y} to {self.end:%-d %b %Y}"
            if self.latest is None:
                return f"There were no {what} {period}: none has happened yet, nothing to try."
            return (
                f"There were no {what} {period}, so nothing to try; the latest was on "
                f"{self.latest:%-d %b %Y}: simulate over a period that includes it."
            )
        head = (
            f"Had this been live from {self.start:%-d %b %Y} to {self.end:%-d %b %Y}, it would "
            f"have matched {self.matched} of {self.considered} {what}"
        )
        parts = [
            f"routed {n} for approval" if verb == "routed for approval" else f"{verb} {n}"
            for verb, n in sorted(self.outcomes.items())
            if n
        ]
        return head + (f" and {', '.join(parts)}." if parts else ".")


DEFAULT_DAYS = 90


def latest_event_day(trigger: str) -> date | None:
    """The day of the latest event of ``trigger`` (None for schedules and when none)."""
    if subjects.is_schedule(trigger):
        return None
    moment = (
        Event.objects.filter(type=trigger)
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    return timezone.localdate(moment) if moment else None


def default_period(trigger: str) -> tuple[date, date]:
    """The editor's simulation period: the last 90 days, or, when the trigger had no event
    in them, the 90 days up to its latest event (so the default has something to show)."""
    today = timezone.localdate()
    end = today
    latest = latest_event_day(trigger)
    if latest is not None and latest < today - timedelta(days=DEFAULT_DAYS - 1):
        end = latest
    return end - timedelta(days=DEFAULT_DAYS - 1), end


def period_problem(start: date, end: date) -> str | None:
    """Why ``start``..``end`` cannot be simulated (pages and API say the same)."""
    if end < start or end > timezone.localdate():
        return "Simulate over a past period: the start before the end, not later than today."
    return None


def outcome(actions: list[dict]) -> str:
    """What a matching run would do first that matters: decide, route, or just act."""
    for action in actions:
        kind = action.get("type")
        if kind == "approve":
            return "auto-approved"
        if kind == "reject":
            return "auto-rejected"
        if kind == "request_approval":
            return "routed for approval"
    return "acted on"


def _as_of(object_type: str, object_id: str, moment: datetime) -> Any:
    subject = subjects.SUBJECTS.get(object_type)
    return subject.as_of(object_id, moment) if subject else None


def simulate(*, trigger: str, definition: dict, start: date, end: date) -> Simulation:
    """Evaluate ``definition`` (already validated) over the days ``start``..``end``."""
    result = Simulation(start, end)
    conditions = definition.get("conditions")
    verdict = outcome(definition.get("actions", []))
    subject = subject_of(trigger)
    if subjects.is_schedule(trigger) and subject is not None and subject.schedule is not None:
        every = (definition.get("schedule") or {}).get("every", "day")
        partners = list(subject.schedule())
        seen: set[str] = set()
        day = start
        while day <= end and result.considered + len(partners) <= MAX_EVENTS:
            label = period_label(every, day)
            if label not in seen:
                seen.add(label)
                moment = timezone.make_aware(datetime.combine(day, time(12)))
                for partner in partners:
                    result.considered += 1
                    if definitions.evaluate(conditions, partner, now=moment)[0]:
                        _count(result, verdict, f"{label}: {partner}")
            day += timedelta(days=STEP[every] if every != "day" else 1)
        result.truncated = day <= end
        return result
    moment_start = timezone.make_aware(datetime.combine(start, time.min))
    moment_end = timezone.make_aware(datetime.combine(end, time.max))
    events = Event.objects.filter(type=trigger, created_at__range=(moment_start, moment_end))
    days_before = definition.get("days_before")
    for event in events.order_by("created_at")[:MAX_EVENTS].iterator():
        if days_before and event.payload.get("days") not in days_before:
            continue
        result.considered += 1
        obj = _as_of(event.object_type, event.object_id, event.created_at)
        if obj is not None and definitions.evaluate(conditions, obj, now=event.created_at)[0]:
            _count(result, verdict, f"{event.created_at:%-d %b}: {obj}")
    result.truncated = events.count() > MAX_EVENTS
    if result.considered == 0:
        result.latest = latest_event_day(trigger)
    return result


def _count(result: Simulation, verdict: str, example: str) -> None:
    result.matched += 1
    result.outcomes[verdict] += 1
    if len(result.examples) < 10:
        result.examples.append(example)
