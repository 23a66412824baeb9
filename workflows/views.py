from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from prm.api import Conflict
from prm.portal.views import PortalRequest
from workflows import approvals
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


@login_required
def approval_inbox(request: PortalRequest) -> HttpResponse:
    """What the user has to decide, soonest due first; decide with a comment."""
    if request.method == "POST":
        decision = request.POST.get("decision", "")
        try:
            approvals.approval_decide(
                actor=request.user,
                approval_id=int(request.POST.get("approval", 0)),
                decision=decision,
                comment=request.POST.get("comment", ""),
            )
            messages.success(request, f"Decision recorded: {decision}.")
        except (PermissionDenied, Conflict) as exc:
            messages.error(request, str(getattr(exc, "detail", exc)))
        return redirect("approvals")
    pending = approvals.approvals_of(request.user).filter(decided_at__isnull=True, superseded=False)
    decided = approvals.approvals_of(request.user).filter(decided_at__isnull=False)[:20]
    return render(
        request,
        "workflows/approvals.html",
        {"pending": pending, "decided": decided, "now": timezone.now()},
    )


def unread_count(request) -> dict:
    """Template context: the bell's number (one count query per signed-in page)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.role:
        return {}
    return {"unread_notifications": notifications_of(user).filter(read_at__isnull=True).count()}
