"""The record of a run's steps."""

from __future__ import annotations

from workflows.models import WorkflowRun, WorkflowStep


def step_record(run: WorkflowRun, action: dict, **fields) -> WorkflowStep:
    """Create or update the record of the run's current step (``run.next_step``)."""
    step, _ = WorkflowStep.objects.update_or_create(
        run=run, index=run.next_step, defaults={"action": action, **fields}
    )
    return step
