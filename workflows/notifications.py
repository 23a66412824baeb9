from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from prm.users.models import User
from workflows.models import Event, Notification


def notify(
    *,
    users: Iterable[User],
    title: str,
    body: str = "",
    url: str = "",
    event: Event | None = None,
) -> int:
    """Create in-app notifications; with an ``event``, each user is notified once however
    often the event is processed."""
    rows = [
        Notification(user=u, title=title, body=body, url=url, event=event)
        for u in {u.pk: u for u in users if u.is_active}.values()
    ]
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def notifications_of(user: User):
    return Notification.objects.filter(user=user)


@transaction.atomic
def notification_mark_read(*, user: User, notification_id: int | None = None) -> int:
    """Mark one (or, without an id, every) notification of ``user`` read."""
    unread = notifications_of(user).filter(read_at__isnull=True)
    if notification_id is not None:
        unread = unread.filter(pk=notification_id)
    return unread.update(read_at=timezone.now())
