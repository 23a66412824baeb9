"""Scheduled workflows: once per period (day, week, month, quarter) and object."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone

from prm.tasks import enqueue_on_commit
from workflows import definitions, subjects
from workflows.models import Workflow, WorkflowRun
from workflows.tasks import run_advance as run_advance_task


def period_label(every: str, day: date) -> str:
    """The schedule period ``day`` falls in: a scheduled workflow runs once per period and
    object, at the first sweep of the period (a quarterly tier review at quarter start)."""
    if every == "week":
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    if every == "month":
        return f"{day:%Y-%m}"
    if every == "quarter":
        return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    return day.isoformat()


def schedules_run() -> int:
    """Start this period's runs of the enabled scheduled workflows: the first sweep of a
    period (a day unless the definition's ``schedule`` says week, month or quarter) checks
    every object the subject's schedule lists and starts one run per object whose conditions
    hold ("no profile review in 180 days"); later sweeps of the period leave the workflow
    alone. A sweep that dies half-way is finished by the next one: the runs it started are
    skipped."""
    today = timezone.localdate()
    started = 0
    triggers = [t for t in subjects.TRIGGERS if subjects.is_schedule(t)]
    workflows = Workflow.objects.filter(trigger__in=triggers, enabled=True)
    for workflow in workflows.select_related("current"):
        subject = subjects.subject_of(workflow.trigger)
        if workflow.current is None or subject is None or subject.schedule is None:
            continue
        definition = workflow.current.definition
        label = period_label((definition.get("schedule") or {}).get("every", "day"), today)
        checked = f"{label}:v{workflow.current.number}"  # a new version is checked anew
        if workflow.checked_period == checked:
            continue
        done = set(
            WorkflowRun.objects.filter(workflow=workflow, key__startswith=f"{label}:").values_list(
                "object_id", flat=True
            )
        )
        for obj in subject.schedule().exclude(pk__in=list(done)).iterator(chunk_size=500):
            if not definitions.evaluate(definition.get("conditions"), obj)[0]:
                continue
            with transaction.atomic():
                run, created = WorkflowRun.objects.get_or_create(
                    workflow=workflow,
                    key=f"{label}:{obj.pk}",
                    defaults={
                        "version": workflow.current,
                        "object_type": subject.name,
                        "object_id": str(obj.pk),
                    },
                )
                if created:
                    enqueue_on_commit(run_advance_task, run.pk)
                    started += 1
        Workflow.objects.filter(pk=workflow.pk).update(checked_period=checked)
    return started
