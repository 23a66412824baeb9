from django_tenants.utils import get_public_schema_name, schema_context

from prm.celery import app
from prm.tenancy.models import Vendor
from workflows.engine import run_advance, runs_redrive, schedules_run
from workflows.events import event_process, events_redispatch
from workflows.notifications import notification_email


@app.task(
    name="workflows.process_event",
    acks_late=True,
    autoretry_for=(Exception,),
    retry_backoff=True,
    max_retries=5,
)
def process_event(event_id: str) -> bool:
    return event_process(event_id=event_id)


@app.task(
    name="workflows.advance_run",
    acks_late=True,
    autoretry_for=(Exception,),
    retry_backoff=True,
    max_retries=5,
)
def advance_run(run_id: int) -> str:
    return run_advance(run_id=run_id)


@app.task(name="workflows.redrive_runs")
def redrive_runs() -> int:
    return runs_redrive()


@app.task(name="workflows.run_schedules")
def run_schedules() -> int:
    return schedules_run()


@app.task(name="workflows.certifications_expiring")
def certifications_expiring() -> int:
    from workflows.defaults import certifications_expiring as sweep

    return sweep()


@app.task(
    name="workflows.send_notification_email",
    acks_late=True,
    autoretry_for=(Exception,),
    retry_backoff=True,
    max_retries=5,
)
def send_notification_email(notification_id: int) -> bool:
    return notification_email(notification_id=notification_id)


@app.task(name="workflows.redispatch_events")
def redispatch_events() -> int:
    return events_redispatch()


@app.task(name="workflows.fan_out")
def fan_out(task_name: str) -> int:
    """Beat's per-tenant schedules: one entry in public sends ``task_name`` into every
    vendor's schema (STYLE: beat fans out per tenant through one dispatcher task)."""
    schemas = Vendor.objects.filter(is_template=False).exclude(schema_name=get_public_schema_name())
    count = 0
    for schema in schemas.values_list("schema_name", flat=True):
        with schema_context(schema):
            app.send_task(task_name)
        count += 1
    return count
