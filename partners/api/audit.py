"""API of the audit trail: who changed what and when on one partner, org unit or
approval, with field-level before and after (the diff engine ``audit_trail``)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.generics import ListAPIView

from partners import scope
from partners.models import OrgUnit, Partner
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
    changes = serializers.ListField(child=serializers.DictField())


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
        return audit_trail(getter(self.request.user, object_id))


ACTIONS = {"+": "created", "~": "changed", "-": "deleted"}


def audit_trail(obj) -> list[dict]:
    """The history rows of ``obj`` as entries with field-level before/after, foreign keys
    and many-to-many values shown by name."""
    records = list(obj.history.select_related("history_user").order_by("history_date"))
    entries = []
    previous = None
    names: dict[tuple, str] = {}  # (model, pk) -> name, so each related row is read once
    for record in records:
        changes = []
        if previous is not None:
            delta = record.diff_against(previous)
            changes = [
                {
                    "field": c.field,
                    "before": _display(type(obj), c.field, c.old, names),
                    "after": _display(type(obj), c.field, c.new, names),
                }
                for c in delta.changes
                if c.field not in {"path", "depth", "updated_at"}
            ]
        entries.append(
            {
                "at": record.history_date,
                "action": ACTIONS.get(record.history_type, record.history_type),
                "by": record.history_user.email if record.history_user else None,
                "reason": record.history_change_reason,
                "changes": changes,
            }
        )
        previous = record
    return entries[::-1]


def _display(model, field_name: str, value, names: dict[tuple, str]):
    """A history value as people read it: names for related rows, not ids."""
    field = model._meta.get_field(field_name)
    related = field.related_model
    if related is None or value in (None, "", []):
        return _plain(value)
    if field.many_to_many:
        key = related._meta.model_name
        ids = [row[key] for row in value if isinstance(row, dict) and key in row]
        return sorted(_name(related, pk, names) for pk in ids)
    return _name(related, value, names)


def _name(model, pk, names: dict[tuple, str]) -> str:
    if (model, pk) not in names:
        found = model.objects.filter(pk=pk).first()
        names[(model, pk)] = str(found) if found else f"#{pk} (deleted)"
    return names[(model, pk)]


def _plain(value):
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value if isinstance(value, int | float | bool | type(None)) else str(value)
