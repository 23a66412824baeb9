from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from prm.portal.views import PortalRequest
from workflows.notifications import notification_mark_read, notifications_of


@login_required
def notification_list(request: PortalRequest) -> HttpResponse:
    return render(
        request,
        "workflows/notifications.html",
        {"notifications": notifications_of(request.user)[:100]},
    )


@require_POST
@login_required
def notification_open(request: PortalRequest, notification_id: int) -> HttpResponse:
    """Mark read and go where the notification points."""
    notification = get_object_or_404(notifications_of(request.user), pk=notification_id)
    notification_mark_read(user=request.user, notification_id=notification.pk)
    target = notification.url
    if not target or not url_has_allowed_host_and_scheme(target, allowed_hosts=None):
        target = "notifications"
    return redirect(target)


@require_POST
@login_required
def notification_read_all(request: PortalRequest) -> HttpResponse:
    notification_mark_read(user=request.user)
    return redirect("notifications")


def unread_count(request) -> dict:
    """Template context: the bell's number (one count query per signed-in page)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.role:
        return {}
    return {"unread_notifications": notifications_of(user).filter(read_at__isnull=True).count()}
