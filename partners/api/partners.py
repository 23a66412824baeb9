"""API of partner organisations: list, read, enrol, update, change status, place users,
and the profile details (locations, certifications, contacts, plans)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from partners import scope, services
from partners.api._common import MemberIn, _ref
from partners.filters import PartnerFilter
from partners.models import (
    BusinessPlan,
    Certification,
    Competency,
    Industry,
    Location,
    Partner,
    PartnerContact,
    PartnerStatus,
    PartnerType,
)
from partners.selectors import partner_queryset, tiers_visible_to
from prm import limits
from prm.api_input import ScopedPrimaryKeyField, require_in, validate_first
from prm.permissions import require
from prm.users.models import User


class LocationOut(serializers.ModelSerializer):
    country = serializers.CharField(source="country.code")

    class Meta:
        model = Location
        fields = ["id", "label", "street", "city", "postal_code", "country", "region"]


class PartnerOut(serializers.ModelSerializer):
    parent = serializers.IntegerField(source="parent_id", allow_null=True)
    tier = serializers.SerializerMethodField()
    territory = serializers.SerializerMethodField()
    channel_manager = serializers.SerializerMethodField()
    competencies = serializers.SlugRelatedField(slug_field="name", many=True, read_only=True)
    industries = serializers.SlugRelatedField(slug_field="name", many=True, read_only=True)
    locations = LocationOut(many=True, read_only=True)
    days_since_review = serializers.IntegerField()

    class Meta:
        model = Partner
        fields = [
            "id",
            "display_name",
            "legal_name",
            "parent",
            "depth",
            "partner_type",
            "status",
            "tier",
            "territory",
            "channel_manager",
            "website",
            "email_domain",
            "description",
            "competencies",
            "industries",
            "locations",
            "profile_reviewed_at",
            "days_since_review",
            "updated_at",
        ]

    def get_tier(self, partner: Partner) -> dict | None:
        return _ref(partner.tier)

    def get_territory(self, partner: Partner) -> dict | None:
        return _ref(partner.territory)

    def get_channel_manager(self, partner: Partner) -> dict | None:
        return _ref(partner.channel_manager, "email")


def _channel_managers_visible_to(user: User):
    return scope.channel_managers(scope.users_visible_to(user))


class PartnerIn(serializers.Serializer):
    """A partner's profile. Its ids resolve through the caller's scope: a missing id and
    one out of scope are the same 404."""

    display_name = serializers.CharField(max_length=120, required=False)
    legal_name = serializers.CharField(max_length=200, required=False)
    parent = ScopedPrimaryKeyField(selector=scope.partners_visible_to, required=False)
    partner_type = serializers.ChoiceField(choices=PartnerType.choices, required=False)
    tier = ScopedPrimaryKeyField(selector=tiers_visible_to, allow_null=True, required=False)
    territory = ScopedPrimaryKeyField(
        selector=scope.org_units_visible_to, allow_null=True, required=False
    )
    channel_manager = ScopedPrimaryKeyField(
        selector=_channel_managers_visible_to, allow_null=True, required=False
    )
    website = serializers.URLField(allow_blank=True, required=False)
    email_domain = serializers.CharField(max_length=120, allow_blank=True, required=False)
    description = serializers.CharField(
        max_length=limits.DESCRIPTION, allow_blank=True, required=False
    )
    competencies = serializers.SlugRelatedField(
        slug_field="name", queryset=Competency.objects.all(), many=True, required=False
    )
    industries = serializers.SlugRelatedField(
        slug_field="name", queryset=Industry.objects.all(), many=True, required=False
    )


class StatusIn(serializers.Serializer):
    status = serializers.ChoiceField(choices=PartnerStatus.choices)
    reason = serializers.CharField(
        max_length=limits.NOTE, allow_blank=True, required=False, default=""
    )


class LocationIn(serializers.ModelSerializer):
    class Meta:
        model = Location
        fields = ["label", "street", "city", "postal_code", "country", "region", "is_headquarters"]


class CertificationIO(serializers.ModelSerializer):
    competency = serializers.SlugRelatedField(
        slug_field="name", queryset=Competency.objects.all(), allow_null=True, required=False
    )

    class Meta:
        model = Certification
        fields = ["id", "holder_name", "name", "competency", "issued_on", "expires_on"]
        read_only_fields = ["id"]


class PlanIO(serializers.ModelSerializer):
    class Meta:
        model = BusinessPlan
        fields = ["year", "revenue_target", "deals_target", "certified_people_target"]


class ContactIO(serializers.ModelSerializer):
    user = serializers.EmailField(source="user.email", read_only=True, allow_null=True)

    class Meta:
        model = PartnerContact
        fields = ["id", "kind", "happened_on", "note", "user", "created_at"]
        read_only_fields = ["id", "user", "created_at"]


def _sub_list(read, write=None, **action_kwargs):
    """A partner's sub-list (locations, certifications, contacts, plans): GET answers all
    its rows as an array (a partner has a handful; no pagination, no partner filters) and
    POST, where there is one, adds a row (201 with the row)."""
    schemas = [extend_schema(methods=["GET"], request=None, responses={200: read(many=True)})]
    if write is not None:
        schemas.append(extend_schema(methods=["POST"], request=write, responses={201: read}))
    kwargs = {"methods": ["get", "post"] if write else ["get"], **action_kwargs}
    route = action(detail=True, pagination_class=None, filter_backends=[], **kwargs)

    def decorate(function):
        function = route(function)
        for schema in schemas:  # over the action, as drf-spectacular needs
            function = schema(function)
        return function

    return decorate


class PartnerDetailsMixin(viewsets.GenericViewSet):
    """Locations, certifications and business plans of a partner: read by whoever sees the
    partner, written by its editors (partners.services)."""

    def _details(self, request, serializer, rows, add):
        if request.method == "GET":
            return Response(serializer(rows, many=True).data)
        data = serializer(data=request.data)
        data.is_valid(raise_exception=True)
        row = add(actor=request.user, partner=self.get_object(), fields=data.validated_data)
        return Response(serializer(row).data, status=status.HTTP_201_CREATED)

    @_sub_list(LocationOut, LocationIn)
    def locations(self, request, pk=None):
        partner = self.get_object()
        if request.method == "GET":
            return Response(LocationOut(partner.locations.all(), many=True).data)
        data = LocationIn(data=request.data)
        data.is_valid(raise_exception=True)
        row = services.location_add(actor=request.user, partner=partner, fields=data.validated_data)
        return Response(LocationOut(row).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={204: None})
    @action(detail=True, methods=["delete"], url_path=r"locations/(?P<location_id>\d+)")
    def remove_location(self, request, pk=None, location_id=None):
        location = get_object_or_404(self.get_object().locations, pk=location_id)
        services.location_remove(actor=request.user, location=location)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @_sub_list(CertificationIO, CertificationIO)
    def certifications(self, request, pk=None):
        rows = self.get_object().certifications.select_related("competency").order_by("expires_on")
        return self._details(request, CertificationIO, rows, services.certification_add)

    @_sub_list(ContactIO, ContactIO)
    def contacts(self, request, pk=None):
        """The vendor team's contacts with the partner (calls, meetings, e-mails, visits);
        not part of what partner users see."""
        partner = self.get_object()
        rows = scope.contacts_visible_to(request.user).filter(partner=partner)
        rows = rows.select_related("user")
        return self._details(request, ContactIO, rows, services.partner_contact_log)

    @_sub_list(PlanIO, PlanIO)
    def plans(self, request, pk=None):
        rows = self.get_object().plans.order_by("-year")
        return self._details(request, PlanIO, rows, services.business_plan_set)


@extend_schema(
    parameters=[
        OpenApiParameter("status", OpenApiTypes.STR, enum=PartnerStatus.values),
        OpenApiParameter("tier", OpenApiTypes.STR, description="tier name"),
        OpenApiParameter("q", OpenApiTypes.STR, description="name contains"),
    ]
)
class PartnerViewSet(
    PartnerDetailsMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Partner organisations in the caller's scope. ``parent`` makes a subsidiary or
    branch. Status changes go through ``status/``."""

    serializer_class = PartnerOut
    filter_backends = [DjangoFilterBackend]
    filterset_class = PartnerFilter  # the portal's partner list filters with it too

    def get_queryset(self):
        return partner_queryset(self.request.user)

    def _out(self, partner: Partner, code=status.HTTP_200_OK) -> Response:
        return Response(
            PartnerOut(partner_queryset(self.request.user).get(pk=partner.pk)).data, status=code
        )

    @extend_schema(
        request=PartnerIn,
        responses={201: PartnerOut},
        examples=[
            OpenApiExample(
                "Enrol a reseller",
                value={"display_name": "Fabrikam", "partner_type": "reseller", "territory": 3},
                request_only=True,
            )
        ],
    )
    def create(self, request):
        data = PartnerIn(data=request.data, context=self.get_serializer_context())
        # Authorization before validation: the parent (404 when missing or out of scope) or
        # the right to enrol first, then the rest of the body.
        parent = validate_first(data, "parent")
        if parent is None:
            require(request.user, "partners.enrol", "Only the vendor enrols partners.")
        else:
            require_in(scope.partners_editable_by(request.user), parent)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        fields.pop("parent", None)
        # A subsidiary inherits its type (and territory, manager, tier) from its parent.
        required = {"display_name"} if parent else {"display_name", "partner_type"}
        if missing := required - set(fields):
            raise ValidationError({name: ["This field is required."] for name in missing})
        partner = services.partner_create(actor=request.user, parent=parent, fields=fields)
        return self._out(partner, status.HTTP_201_CREATED)

    @extend_schema(request=PartnerIn, responses={200: PartnerOut})
    def partial_update(self, request, pk=None):
        partner = self.get_object()
        require_in(scope.partners_editable_by(request.user), partner)
        if "parent" in request.data:
            raise ValidationError({"parent": ["A partner unit cannot be moved here."]})
        data = PartnerIn(data=request.data, partial=True, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        partner = services.partner_update(
            actor=request.user, partner=partner, fields=dict(data.validated_data)
        )
        return self._out(partner)

    @extend_schema(request=StatusIn, responses={200: PartnerOut})
    @action(detail=True, methods=["post"], url_path="status")
    def transition(self, request, pk=None):
        """Change the status: applied → onboarding → active ⇄ suspended → terminated."""
        data = StatusIn(data=request.data)
        data.is_valid(raise_exception=True)
        partner = services.partner_transition(
            actor=request.user, partner=self.get_object(), **data.validated_data
        )
        return self._out(partner)

    @extend_schema(request=MemberIn, responses={204: None})
    @action(detail=True, methods=["post"])
    def members(self, request, pk=None):
        """Place a partner-side user in this partner unit."""
        partner = self.get_object()
        require_in(scope.partners_editable_by(request.user), partner)
        data = MemberIn(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        services.partner_membership_set(
            actor=request.user,
            partner=partner,
            user=data.validated_data["user"],
            role=data.validated_data["role"],
        )
        return Response(status=status.HTTP_204_NO_CONTENT)
