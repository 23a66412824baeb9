"""Running workflows: an event starts the runs of the enabled workflows it triggers whose
conditions hold; a run advances one action at a time.

- ``runs``: starting runs from events, the advance loop, retry;
- ``actions``: the database actions (notify, set a field, wait, decide, start a workflow)
  and the texts they fill in;
- ``webhooks``: the one effect outside the database;
- ``schedules``: scheduled workflows, once per period and object;
- ``sweeps``: beat's re-drive of runs that are due or were left running.

Everything about a run's object comes from its subject's declaration (workflows.subjects).
"""

from workflows.engine.actions import ACTIONS, render_text, wait_until
from workflows.engine.runs import MAX_ATTEMPTS, run_advance, run_retry, runs_start
from workflows.engine.schedules import period_label, schedules_run
from workflows.engine.sweeps import runs_redrive

__all__ = [
    "ACTIONS",
    "MAX_ATTEMPTS",
    "period_label",
    "render_text",
    "run_advance",
    "run_retry",
    "runs_redrive",
    "runs_start",
    "schedules_run",
    "wait_until",
]
