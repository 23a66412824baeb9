"""In-app notifications and their e-mail copies."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from prm.outbox.models import Event
from prm.tasks import enqueue_on_commit
from prm.tenancy.context import current_tenant
from prm.tenancy.urls_util import tenant_url
from prm.users.models import User
from workflows.models import Notification
from workflows.tasks import notification_email as notification_email_task


def asking(action: str, obj: Any = None) -> str:
    """The ``asks`` of a notification that asks for ``action`` (about ``obj``):
    ``asking("agreement.accept")``, ``asking("deal.review", deal)`` -> "deal.review:deals.deal:7".
    The service that performs the action passes the same to ``notifications_done``."""
    if obj is None:
        return action
    return f"{action}:{obj._meta.label_lower}:{obj.pk}"


def notify(
    *,
    users: Iterable[User],
    title: str,
    body: str = "",
    url: str = "",
    event: Event | None = None,
    email: bool = False,
    asks: str = "",
) -> int:
    """Create in-app notifications (and, with ``email``, an e-mail copy sent after commit,
    once); with an ``event``, each user is notified once however often it is processed.
    ``asks``: the action the notification asks for (``asking``), so that taking it marks
    the notification done."""
    rows = [
        Notification(
            user=u, title=title, body=body, url=url, event=event, email_wanted=email, asks=asks
        )
        for u in {u.pk: u for u in users if u.is_active}.values()
    ]
    if event is None:
        created = Notification.objects.bulk_create(rows)
    else:  # once per event and user: rows of an earlier processing are skipped
        Notification.objects.bulk_create(rows, ignore_conflicts=True)
        created = list(Notification.objects.filter(event=event, emailed_at__isnull=True))
    if email:
        for row in created:
            enqueue_on_commit(notification_email_task, row.pk)
    return len(rows)


def notification_emails_redrive(older_than: timedelta) -> int:
    """The sweep: send again the e-mail copies still due (their task was lost with a broker
    outage or a killed worker)."""
    due = Notification.objects.filter(
        email_wanted=True, emailed_at__isnull=True, created_at__lt=timezone.now() - older_than
    ).values_list("pk", flat=True)[:500]
    for pk in due:
        notification_email_task.delay(pk)
    return len(due)


def notification_email(*, notification_id: int) -> bool:
    """Send the e-mail copy of a notification at most once (claimed by a conditional update;
    a failure releases the claim so the retry sends it)."""
    claimed = Notification.objects.filter(pk=notification_id, emailed_at__isnull=True).update(
        emailed_at=timezone.now()
    )
    if not claimed:
        return False
    note = Notification.objects.select_related("user").get(pk=notification_id)
    tenant = current_tenant()
    link = tenant_url(tenant, note.url or "/notifications/")
    try:
        send_mail(
            subject=note.title,
            message=f"{note.body}\n\n{link}\n\n— {tenant.name} partner portal".lstrip(),
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[note.user.email],
        )
    except Exception:
        Notification.objects.filter(pk=notification_id).update(emailed_at=None)
        raise
    return True


def notifications_done(*, asks: str, users: Iterable[User] | None = None) -> int:
    """Mark done (and read) the open notifications that ask for ``asks``: those of ``users``,
    or everyone's (an approval decided by one approver is done for all it was asked of).
    Called by the service that performs the action, inside its transaction, so the
    notification is done exactly when the action is."""
    if not asks:
        return 0
    rows = Notification.objects.filter(asks=asks, done_at__isnull=True)
    if users is not None:
        rows = rows.filter(user__in=[u.pk for u in users])
    now = timezone.now()
    return rows.update(done_at=now, read_at=Coalesce("read_at", Value(now)))


def notifications_of(user: User):
    return Notification.objects.filter(user=user)


@transaction.atomic(durable=True)
def notification_mark_read(*, user: User, notification_id: int | None = None) -> int:
    """Mark one (or, without an id, every) notification of ``user`` read."""
    unread = notifications_of(user).filter(read_at__isnull=True)
    if notification_id is not None:
        unread = unread.filter(pk=notification_id)
    return unread.update(read_at=timezone.now())
