from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from workflows.models import Notification
from workflows.notifications import notification_mark_read, notifications_of


class NotificationOut(serializers.ModelSerializer):
    read = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "title", "body", "url", "created_at", "read", "read_at"]

    def get_read(self, notification: Notification) -> bool:
        return notification.read_at is not None


class NotificationViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """The caller's notifications, newest first; ``?unread=1`` for the unread ones."""

    serializer_class = NotificationOut

    def get_queryset(self):
        rows = notifications_of(self.request.user)
        if self.request.query_params.get("unread") in {"1", "true"}:
            rows = rows.filter(read_at__isnull=True)
        return rows

    @extend_schema(request=None, responses={200: NotificationOut})
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        notification = self.get_object()
        notification_mark_read(user=request.user, notification_id=notification.pk)
        notification.refresh_from_db()
        return Response(NotificationOut(notification).data)

    @extend_schema(request=None, responses={204: None})
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request):
        notification_mark_read(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
