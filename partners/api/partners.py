"""REST API of the partners app: org units, partners (+ search), users, agreements, audit.
Views read through partners.scope and write through partners.services."""

from __future__ import annotations

from datetime import date

from django.db.models import Count, F, IntegerField, OuterRef, Prefetch, Q, Subquery, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, Left
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from partners import scope, services
from partners.models import (
    STEPLEN,
    Agreement,
    AgreementAcceptance,
    BusinessPlan,
    Certification,
    Competency,
    Industry,
    Location,
    MembershipRole,
    OrgUnit,
    OrgUnitMembership,
    Partner,
    PartnerContact,
    PartnerStatus,
    PartnerType,
    Tier,
)
from prm.api import Pagination
from prm.users.models import Role, User
from workflows.approvals import get_approval_for
from workflows.models import Approval

PARENT_ID = {
    model: Subquery(
        model.objects.filter(path=Left(OuterRef("path"), (OuterRef("depth") - 1) * STEPLEN)).values(
            "id"
        )[:1]
    )
    for model in (OrgUnit, Partner)
}


def _ref(obj, label: str = "name") -> dict | None:
    return None if obj is None else {"id": obj.id, "name": getattr(obj, label)}


class Ref(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


# --- org units ------------------------------------------------------------------------


class OrgUnitOut(serializers.ModelSerializer):
    parent = serializers.IntegerField(source="parent_id", allow_null=True)
    children = serializers.IntegerField(source="numchild")

    class Meta:
        model = OrgUnit
        fields = ["id", "name", "parent", "depth", "children", "created_at"]


class OrgUnitIn(serializers.Serializer):
    name = serializers.CharField(max_length=120, required=False)
    parent = serializers.PrimaryKeyRelatedField(
        queryset=OrgUnit.objects.all(), allow_null=True, required=False
    )


class MemberIn(serializers.Serializer):
    user = serializers.PrimaryKeyRelatedField(queryset=User.objects.all())
    role = serializers.ChoiceField(choices=MembershipRole.choices)


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
        data = OrgUnitIn(data=request.data)
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
        data = OrgUnitIn(data=request.data)
        data.is_valid(raise_exception=True)
        if "name" in data.validated_data:
            unit = services.org_unit_rename(
                actor=request.user, unit=unit, name=data.validated_data["name"]
            )
        if "parent" in data.validated_data:
            unit = services.org_unit_move(
                actor=request.user, unit=unit, parent=data.validated_data["parent"]
            )
        return self._out(unit)

    def perform_destroy(self, instance):
        services.org_unit_delete(actor=self.request.user, unit=instance)

    @extend_schema(request=MemberIn, responses={204: None})
    @action(detail=True, methods=["post"])
    def members(self, request, pk=None):
        """Make a vendor-side user a member, manager or administrator of the unit."""
        data = MemberIn(data=request.data)
        data.is_valid(raise_exception=True)
        user = scope.get_user_for(request.user, data.validated_data["user"].pk)
        services.org_unit_membership_set(
            actor=request.user, unit=self.get_object(), user=user, role=data.validated_data["role"]
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- partners -------------------------------------------------------------------------


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


class PartnerIn(serializers.Serializer):
    display_name = serializers.CharField(max_length=120, required=False)
    legal_name = serializers.CharField(max_length=200, required=False)
    parent = serializers.PrimaryKeyRelatedField(queryset=Partner.objects.all(), required=False)
    partner_type = serializers.ChoiceField(choices=PartnerType.choices, required=False)
    tier = serializers.PrimaryKeyRelatedField(
        queryset=Tier.objects.all(), allow_null=True, required=False
    )
    territory = serializers.PrimaryKeyRelatedField(
        queryset=OrgUnit.objects.all(), allow_null=True, required=False
    )
    channel_manager = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(role=Role.CHANNEL_MANAGER), allow_null=True, required=False
    )
    website = serializers.URLField(allow_blank=True, required=False)
    email_domain = serializers.CharField(max_length=120, allow_blank=True, required=False)
    description = serializers.CharField(allow_blank=True, required=False)
    competencies = serializers.SlugRelatedField(
        slug_field="name", queryset=Competency.objects.all(), many=True, required=False
    )
    industries = serializers.SlugRelatedField(
        slug_field="name", queryset=Industry.objects.all(), many=True, required=False
    )


class StatusIn(serializers.Serializer):
    status = serializers.ChoiceField(choices=PartnerStatus.choices)
    reason = serializers.CharField(allow_blank=True, required=False, default="")


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

    @extend_schema(request=LocationIn, responses={200: LocationOut(many=True), 201: LocationOut})
    @action(detail=True, methods=["get", "post"])
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

    @extend_schema(request=CertificationIO, responses={200: CertificationIO(many=True)})
    @action(detail=True, methods=["get", "post"])
    def certifications(self, request, pk=None):
        rows = self.get_object().certifications.select_related("competency").order_by("expires_on")
        return self._details(request, CertificationIO, rows, services.certification_add)

    @extend_schema(request=ContactIO, responses={200: ContactIO(many=True), 201: ContactIO})
    @action(detail=True, methods=["get", "post"])
    def contacts(self, request, pk=None):
        """The vendor team's contacts with the partner (calls, meetings, e-mails, visits);
        not part of what partner users see."""
        partner = self.get_object()
        rows = scope.contacts_visible_to(request.user).filter(partner=partner)
        rows = rows.select_related("user")
        return self._details(request, ContactIO, rows, services.partner_contact_log)

    @extend_schema(request=PlanIO, responses={200: PlanIO(many=True)})
    @action(detail=True, methods=["get", "post"])
    def plans(self, request, pk=None):
        rows = self.get_object().plans.order_by("-year")
        return self._details(request, PlanIO, rows, services.business_plan_set)


def partner_queryset(user: User):
    """The partners of ``user``'s scope with everything the output needs, in a fixed number
    of queries whatever the page size."""
    return (
        scope.partners_visible_to(user)
        .annotate(parent_id=PARENT_ID[Partner])
        .prefetch_related("competencies", "industries", "locations")
        .order_by("path")
    )


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

    def get_queryset(self):
        partners = partner_queryset(self.request.user)
        params = self.request.query_params
        if value := params.get("status"):
            partners = partners.filter(status=value)
        if value := params.get("tier"):
            partners = partners.filter(tier__name__iexact=value)
        if value := params.get("q"):
            partners = partners.filter(
                Q(display_name__icontains=value) | Q(legal_name__icontains=value)
            )
        return partners

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
        data = PartnerIn(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        parent = fields.pop("parent", None)
        if parent is not None:
            parent = scope.get_partner_for(request.user, parent.pk)
        # A subsidiary inherits its type (and territory, manager, tier) from its parent.
        required = {"display_name"} if parent else {"display_name", "partner_type"}
        if missing := required - set(fields):
            raise ValidationError({name: ["This field is required."] for name in missing})
        partner = services.partner_create(actor=request.user, parent=parent, fields=fields)
        return self._out(partner, status.HTTP_201_CREATED)

    @extend_schema(request=PartnerIn, responses={200: PartnerOut})
    def partial_update(self, request, pk=None):
        partner = self.get_object()
        data = PartnerIn(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        if "parent" in fields:
            raise ValidationError({"parent": ["A partner unit cannot be moved here."]})
        partner = services.partner_update(actor=request.user, partner=partner, fields=fields)
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
        data = MemberIn(data=request.data)
        data.is_valid(raise_exception=True)
        user = scope.get_user_for(request.user, data.validated_data["user"].pk)
        services.partner_membership_set(
            actor=request.user,
            partner=self.get_object(),
            user=user,
            role=data.validated_data["role"],
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class SearchResult(PartnerOut):
    score = serializers.FloatField()
    certified_people = serializers.IntegerField()

    class Meta(PartnerOut.Meta):
        fields = [*PartnerOut.Meta.fields, "score", "certified_people"]


STALENESS_PENALTY = "LEAST((CURRENT_DATE - partners_partner.profile_reviewed_at::date) / 30, 12)"


def partner_search(user: User, *, skill: str = "", country: str = "", tier: str = ""):
    """Partners in scope matching a skill, country and tier, best first. The score weighs
    people with a valid certification in the skill (10 each), tier rank (5 per rank) and
    profile freshness (up to -12 for a profile not reviewed in a year)."""
    partners = partner_queryset(user).exclude(status=PartnerStatus.TERMINATED)
    if skill:
        partners = partners.filter(
            Q(competencies__name__iexact=skill) | Q(certifications__competency__name__iexact=skill)
        )
    if country:
        partners = partners.filter(locations__country=country.upper())
    if tier:
        partners = partners.filter(tier__name__iexact=tier)
    certified = Subquery(
        Certification.objects.filter(
            Q(expires_on__isnull=True) | Q(expires_on__gte=date.today()),
            partner=OuterRef("pk"),
            **({"competency__name__iexact": skill} if skill else {}),
        )
        .values("partner")
        .annotate(n=Count("holder_name", distinct=True))
        .values("n")[:1],
        output_field=IntegerField(),
    )
    return (
        partners.distinct()
        .annotate(certified_people=Coalesce(certified, Value(0)))
        .annotate(
            score=F("certified_people") * 10
            + Coalesce(F("tier__rank"), Value(0)) * 5
            - RawSQL(STALENESS_PENALTY, [], output_field=IntegerField())
        )
        .order_by("-score", "display_name")
    )


class PartnerSearchApi(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("skill", OpenApiTypes.STR, description="competency name"),
            OpenApiParameter("country", OpenApiTypes.STR, description="ISO 3166 code, e.g. DE"),
            OpenApiParameter("tier", OpenApiTypes.STR, description="tier name"),
        ],
        responses={200: SearchResult(many=True)},
    )
    def get(self, request):
        """Partners by skill + geography + tier, ranked (certified people, tier, freshness)."""
        params = request.query_params
        results = partner_search(
            request.user,
            skill=params.get("skill", ""),
            country=params.get("country", ""),
            tier=params.get("tier", ""),
        )
        paginator = Pagination()
        page = paginator.paginate_queryset(results, request, view=self)
        return paginator.get_paginated_response(SearchResult(page, many=True).data)


# --- agreements -----------------------------------------------------------------------


class AgreementOut(serializers.ModelSerializer):
    current = serializers.SerializerMethodField()
    accepted_by_me = serializers.SerializerMethodField()

    class Meta:
        model = Agreement
        fields = ["id", "version", "title", "body", "published_at", "current", "accepted_by_me"]

    def get_current(self, agreement: Agreement) -> bool:
        return agreement.pk == self.context["current_id"]

    def get_accepted_by_me(self, agreement: Agreement) -> bool:
        return agreement.pk in self.context["accepted_ids"]


class AgreementIn(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    body = serializers.CharField()


class AgreementViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Versioned program terms. Vendor admins publish a new version (POST); partner users
    accept the current one (``accept/``); every acceptance is kept."""

    serializer_class = AgreementOut
    queryset = Agreement.objects.filter(published_at__isnull=False)

    def get_serializer_context(self):
        current = services.agreement_current()
        return {
            **super().get_serializer_context(),
            "current_id": current.pk if current else None,
            "accepted_ids": set(
                AgreementAcceptance.objects.filter(user=self.request.user).values_list(
                    "agreement_id", flat=True
                )
            ),
        }

    @extend_schema(request=AgreementIn, responses={201: AgreementOut})
    def create(self, request):
        data = AgreementIn(data=request.data)
        data.is_valid(raise_exception=True)
        agreement = services.agreement_publish(actor=request.user, **data.validated_data)
        return Response(
            AgreementOut(agreement, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(request=None, responses={200: AgreementOut})
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        services.agreement_accept(
            actor=request.user,
            agreement=self.get_object(),
            ip_address=request.META.get("REMOTE_ADDR"),
            user_agent=request.META.get("HTTP_USER_AGENT", ""),
        )
        return Response(AgreementOut(self.get_object(), context=self.get_serializer_context()).data)


# --- users ----------------------------------------------------------------------------


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
    partner = serializers.PrimaryKeyRelatedField(queryset=Partner.objects.all(), required=False)
    org_unit = serializers.PrimaryKeyRelatedField(queryset=OrgUnit.objects.all(), required=False)
    membership_role = serializers.ChoiceField(
        choices=MembershipRole.choices, default=MembershipRole.MEMBER
    )


def user_queryset(user: User):
    return scope.users_visible_to(user).prefetch_related(
        Prefetch("unit_memberships", queryset=OrgUnitMembership.objects.select_related("unit"))
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
        data = UserIn(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        missing = {"email", "role"} - set(fields)
        if missing:
            raise ValidationError({name: ["This field is required."] for name in missing})
        partner = fields.get("partner")
        user = services.user_provision(
            actor=request.user,
            email=fields["email"],
            role=fields["role"],
            full_name=fields.get("full_name", ""),
            partner=scope.get_partner_for(request.user, partner.pk) if partner else None,
            org_unit=fields.get("org_unit"),
            membership_role=fields["membership_role"],
        )
        return self._out(user, status.HTTP_201_CREATED)

    @extend_schema(request=UserIn, responses={200: UserOut})
    def partial_update(self, request, pk=None):
        data = UserIn(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        if unknown := {"email", "partner", "org_unit"} & set(request.data):
            raise ValidationError({name: ["This field cannot be changed."] for name in unknown})
        user = services.user_update(
            actor=request.user, user=self.get_object(), fields=dict(data.validated_data)
        )
        return self._out(user)


# --- audit ----------------------------------------------------------------------------

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


class AuditApi(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("object_type", OpenApiTypes.STR, enum=list(AUDITED), required=True),
            OpenApiParameter("object_id", OpenApiTypes.INT, required=True),
        ],
        responses={200: AuditEntry(many=True)},
    )
    def get(self, request):
        """Who changed what and when on one object (newest first), with before and after."""
        kind = request.query_params.get("object_type", "")
        object_id = request.query_params.get("object_id", "")
        if kind not in AUDITED or not object_id.isdigit():
            raise ValidationError(
                {"object_type": [f"Give object_type ({', '.join(AUDITED)}) and object_id."]}
            )
        getter, _ = AUDITED[kind]
        obj = getter(request.user, object_id)
        entries = audit_trail(obj)
        paginator = Pagination()
        page = paginator.paginate_queryset(entries, request, view=self)
        return paginator.get_paginated_response(AuditEntry(page, many=True).data)


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
        return services.has_accepted_current_terms(user)


class MeApi(APIView):
    """The caller: identity, role, partner and org units, and whether the current program
    agreement still needs their acceptance."""

    @extend_schema(responses={200: MeOut})
    def get(self, request):
        me = user_queryset(request.user).get(pk=request.user.pk)
        return Response(MeOut(me, context={"request": request}).data)
