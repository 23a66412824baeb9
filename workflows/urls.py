from django.urls import URLPattern, URLResolver, path
from rest_framework.routers import SimpleRouter

from workflows import api, views

router = SimpleRouter()
router.register("notifications", api.NotificationViewSet, basename="api-notification")
router.register("workflows", api.WorkflowViewSet, basename="api-workflow")
router.register("approvals", api.ApprovalViewSet, basename="api-approval")
router.register("workflow-runs", api.RunViewSet, basename="api-workflow-run")
api_urls: list[URLPattern | URLResolver] = list(router.urls)

portal_urls: list[URLPattern | URLResolver] = [
    path("notifications/", views.notification_list, name="notifications"),
    path(
        "notifications/<int:notification_id>/open/",
        views.notification_open,
        name="notification-open",
    ),
    path("notifications/read-all/", views.notification_read_all, name="notifications-read-all"),
    path("approvals/", views.approval_inbox, name="approvals"),
    path("workflows/", views.workflow_list, name="workflows"),
    path("workflows/new/", views.workflow_edit, name="workflow-new"),
    path("workflows/<int:workflow_id>/", views.workflow_edit, name="workflow-edit"),
    path("workflow-runs/<int:run_id>/", views.run_detail, name="run-detail"),
    path("workflow-runs/<int:run_id>/retry/", views.run_retry, name="run-retry"),
]
