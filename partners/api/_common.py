"""Small pieces shared by the partners API modules: a related row as ``{id, name}`` and
the membership input of org units and partners."""

from __future__ import annotations

from rest_framework import serializers

from partners import scope
from partners.models import MembershipRole
from prm.api_input import ScopedPrimaryKeyField


def _ref(obj, label: str = "name") -> dict | None:
    return None if obj is None else {"id": obj.id, "name": getattr(obj, label)}


class Ref(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class MemberIn(serializers.Serializer):
    user = ScopedPrimaryKeyField(selector=scope.users_visible_to)
    role = serializers.ChoiceField(choices=MembershipRole.choices)
