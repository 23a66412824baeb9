"""The outbox's tasks: each loads by id and calls one service (imported in the body)."""

from prm.celery import app


@app.task(
    name="outbox.event_process",
    acks_late=True,
    autoretry_for=(Exception,),
    retry_backoff=True,
    max_retries=5,
)
def event_process(event_id: str) -> bool:
    from prm.outbox.events import event_process

    return event_process(event_id=event_id)


@app.task(name="outbox.events_redispatch")
def events_redispatch() -> int:
    from prm.outbox.events import events_redispatch

    return events_redispatch()
