"""API of users: list, read, create and change the users in the caller's scope, and
``me/``, the caller."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from partners import scope, selectors, services
from partners.api._common import _ref
from partners.models import MembershipRole
from partners.selectors import user_queryset
from prm.api_input import ScopedPrimaryKeyField, require_in
from prm.errors import Forbidden
from prm.permissions import can
from prm.users.models import Role, User


class UserOut(serializers.ModelSerializer):
    partner = serializers.SerializerMethodField()
    partner_role = serializers.SerializerMethodField()
    org_units = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = [
            "id",
            "email",
            "full_name",
            "role",
            "is_active",
            "last_login",
            "partner",
            "partner_role",
            "org_units",
        ]

    @staticmethod
    def _membership(user: User):
        return getattr(user, "partner_membership", None)

    def get_partner(self, user: User) -> dict | None:
        membership = self._membership(user)
        return _ref(membership.partner, "display_name") if membership else None

    def get_partner_role(self, user: User) -> str | None:
        membership = self._membership(user)
        return membership.role if membership else None

    def get_org_units(self, user: User) -> list[dict]:
        return [
            {"id": m.unit_id, "name": m.unit.name, "role": m.role}
            for m in user.unit_memberships.all()
        ]


class UserIn(serializers.Serializer):
    email = serializers.EmailField(required=False)
    full_name = serializers.CharField(max_length=200, allow_blank=True, required=False)
    role = serializers.ChoiceField(choices=Role.choices, required=False)
    is_active = serializers.BooleanField(required=False)
    partner = ScopedPrimaryKeyField(selector=scope.partners_visible_to, required=False)
    org_unit = ScopedPrimaryKeyField(selector=scope.org_units_visible_to, required=False)
    membership_role = serializers.ChoiceField(
        choices=MembershipRole.choices, default=MembershipRole.MEMBER
    )
    reason = serializers.CharField(
        max_length=500,
        required=False,
        allow_blank=True,
        help_text="Why the user is deactivated (required with is_active=false; recorded).",
    )


class UserViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Users in the caller's scope. POST creates a user without a password (the welcome
    e-mail links to choosing one); PATCH changes name, role or active flag."""

    serializer_class = UserOut

    def get_queryset(self):
        users = user_queryset(self.request.user).order_by("email")
        if role := self.request.query_params.get("role"):
            users = users.filter(role=role)
        return users

    def _out(self, user: User, code=status.HTTP_200_OK) -> Response:
        return Response(UserOut(user_queryset(self.request.user).get(pk=user.pk)).data, status=code)

    @extend_schema(request=UserIn, responses={201: UserOut})
    def create(self, request):
        # Authorization before validation: who may create no user learns nothing more.
        if not (
            can(request.user, "people.add_partner_side")
            or can(request.user, "people.add_vendor_side")
        ):
            raise Forbidden("You cannot create users.")
        data = UserIn(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        missing = {"email", "role"} - set(fields)
        if missing:
            raise ValidationError({name: ["This field is required."] for name in missing})
        user = services.user_provision(
            actor=request.user,
            email=fields["email"],
            role=fields["role"],
            full_name=fields.get("full_name", ""),
            partner=fields.get("partner"),
            org_unit=fields.get("org_unit"),
            membership_role=fields["membership_role"],
        )
        return self._out(user, status.HTTP_201_CREATED)

    @extend_schema(request=UserIn, responses={200: UserOut})
    def partial_update(self, request, pk=None):
        user = self.get_object()
        require_in(scope.users_editable_by(request.user), user, "You cannot change this user.")
        if unknown := {"email", "partner", "org_unit"} & set(request.data):
            raise ValidationError({name: ["This field cannot be changed."] for name in unknown})
        data = UserIn(data=request.data, partial=True, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        reason = fields.pop("reason", "")
        user = services.user_update(actor=request.user, user=user, fields=fields, reason=reason)
        return self._out(user)


class MeOut(UserOut):
    role_label = serializers.CharField(source="get_role_display")
    side = serializers.SerializerMethodField()
    tenant = serializers.SerializerMethodField()
    terms_accepted = serializers.SerializerMethodField()

    class Meta(UserOut.Meta):
        fields = [*UserOut.Meta.fields, "role_label", "side", "tenant", "terms_accepted"]

    def get_side(self, user: User) -> str:
        return "vendor" if user.is_vendor_side else "partner"

    def get_tenant(self, user: User) -> dict:
        tenant = self.context["request"].tenant
        return {"schema": tenant.schema_name, "name": tenant.name}

    def get_terms_accepted(self, user: User) -> bool:
        return selectors.has_accepted_current_terms(user)


class MeApi(APIView):
    """The caller: identity, role, partner and org units, and whether the current program
    agreement still needs their acceptance."""

    @extend_schema(responses={200: MeOut})
    def get(self, request):
        me = user_queryset(request.user).get(pk=request.user.pk)
        return Response(MeOut(me, context={"request": request}).data)
