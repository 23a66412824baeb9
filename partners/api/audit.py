"""API of the audit trail: who changed what and when on one partner, org unit or
approval, with field-level before and after, labels and a sentence per change (the
formatter ``prm.audit.audit_trail``; partner users see vendor staff without e-mail)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.generics import ListAPIView

from partners import scope
from partners.models import OrgUnit, Partner
from prm.audit import audit_trail, viewer_of
from workflows.models import Approval
from workflows.selectors import get_approval_for

AUDITED = {
    "partner": (scope.get_partner_for, Partner),
    "org_unit": (scope.get_org_unit_for, OrgUnit),
    "approval": (get_approval_for, Approval),
}


class AuditEntry(serializers.Serializer):
    at = serializers.DateTimeField()
    action = serializers.CharField()
    by = serializers.CharField(allow_null=True)
    reason = serializers.CharField(allow_null=True)
    summary = serializers.CharField(help_text="What happened, as a sentence.")
    changes = serializers.ListField(
        child=serializers.DictField(),
        help_text="field, label, before, after, before_text, after_text, text",
    )


class AuditApi(ListAPIView):
    """A paginated list, like every other list of the API."""

    serializer_class = AuditEntry

    @extend_schema(
        parameters=[
            OpenApiParameter("object_type", OpenApiTypes.STR, enum=list(AUDITED), required=True),
            OpenApiParameter("object_id", OpenApiTypes.INT, required=True),
        ],
    )
    def get(self, request, *args, **kwargs):
        """Who changed what and when on one object (newest first), with before and after."""
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        kind = self.request.query_params.get("object_type", "")
        object_id = self.request.query_params.get("object_id", "")
        if kind not in AUDITED or not object_id.isdigit():
            raise ValidationError(
                {"object_type": [f"Give object_type ({', '.join(AUDITED)}) and object_id."]}
            )
        getter, _ = AUDITED[kind]
        return audit_trail(getter(self.request.user, object_id), viewer_of(self.request.user))
