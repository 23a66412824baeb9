"""API of the vendor org tree: list, read, create, rename, move and delete units, and
set their members."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from partners import scope, services
from partners.api._common import MemberIn
from partners.models import OrgUnit
from partners.selectors import PARENT_ID
from prm.api_input import ScopedPrimaryKeyField, require_in
from prm.permissions import require


class OrgUnitOut(serializers.ModelSerializer):
    parent = serializers.IntegerField(source="parent_id", allow_null=True)
    children = serializers.IntegerField(source="numchild")

    class Meta:
        model = OrgUnit
        fields = ["id", "name", "parent", "depth", "children", "created_at"]


class OrgUnitIn(serializers.Serializer):
    name = serializers.CharField(max_length=120, required=False)
    parent = ScopedPrimaryKeyField(
        selector=scope.org_units_visible_to, allow_null=True, required=False
    )
    reason = serializers.CharField(
        max_length=300,
        required=False,
        allow_blank=True,
        default="",
        help_text="Why the unit moves (required with ``parent``; kept in the audit trail).",
    )


class OrgUnitViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """The vendor org tree (vendor-side users). Vendor admins create, rename (PATCH
    ``name``), move (PATCH ``parent``) and delete empty units."""

    serializer_class = OrgUnitOut

    def get_queryset(self):
        return scope.org_units_visible_to(self.request.user).annotate(parent_id=PARENT_ID[OrgUnit])

    def _out(self, unit: OrgUnit, code=status.HTTP_200_OK) -> Response:
        return Response(OrgUnitOut(self.get_queryset().get(pk=unit.pk)).data, status=code)

    @extend_schema(request=OrgUnitIn, responses={201: OrgUnitOut})
    def create(self, request):
        # Authorization before validation: who may not change the tree learns nothing more.
        require(request.user, "org.configure", "Only vendor admins change the organisation.")
        data = OrgUnitIn(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        if "name" not in data.validated_data:
            raise ValidationError({"name": ["This field is required."]})
        unit = services.org_unit_create(
            actor=request.user,
            name=data.validated_data["name"],
            parent=data.validated_data.get("parent"),
        )
        return self._out(unit, status.HTTP_201_CREATED)

    @extend_schema(request=OrgUnitIn, responses={200: OrgUnitOut})
    def partial_update(self, request, pk=None):
        unit = self.get_object()
        require_in(scope.org_units_editable_by(request.user), unit)
        data = OrgUnitIn(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        if "name" in data.validated_data:
            unit = services.org_unit_rename(
                actor=request.user, unit=unit, name=data.validated_data["name"]
            )
        if "parent" in data.validated_data:
            unit = services.org_unit_move(
                actor=request.user,
                unit=unit,
                parent=data.validated_data["parent"],
                reason=data.validated_data["reason"],
            )
        return self._out(unit)

    def perform_destroy(self, instance):
        services.org_unit_delete(actor=self.request.user, unit=instance)

    @extend_schema(request=MemberIn, responses={204: None})
    @action(detail=True, methods=["post"])
    def members(self, request, pk=None):
        """Make a vendor-side user a member, manager or administrator of the unit."""
        unit = self.get_object()
        require_in(scope.org_units_editable_by(request.user), unit)
        data = MemberIn(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        services.org_unit_membership_set(
            actor=request.user,
            unit=unit,
            user=data.validated_data["user"],
            role=data.validated_data["role"],
        )
        return Response(status=status.HTTP_204_NO_CONTENT)
