"""The engine's tasks: each loads by id and calls one service, imported in the body
(HackSoft); services send them by these names with a ``_task`` suffix."""

from prm.celery import app


@app.task(
    name="workflows.run_advance",
    acks_late=True,
    autoretry_for=(Exception,),
    retry_backoff=True,
    max_retries=5,
)
def run_advance(run_id: int) -> str:
    from workflows.engine.runs import run_advance

    return run_advance(run_id=run_id)


@app.task(name="workflows.runs_redrive")
def runs_redrive() -> int:
    from workflows.engine.sweeps import runs_redrive

    return runs_redrive()


@app.task(name="workflows.schedules_run")
def schedules_run() -> int:
    from workflows.engine.schedules import schedules_run

    return schedules_run()


@app.task(
    name="workflows.notification_email",
    acks_late=True,
    autoretry_for=(Exception,),
    retry_backoff=True,
    max_retries=5,
)
def notification_email(notification_id: int) -> bool:
    from workflows.notifications import notification_email

    return notification_email(notification_id=notification_id)
