"""API of SPIFFs: ``/api/v1/spiffs/`` (the rules with their versions; vendor admins add
them, change them (a change of a rule with accruals is its next version) and close them)
and ``/api/v1/rewards/`` (the rewards the caller sees, filtered by rep, status and year,
and ``totals/``: each person's yearly total against the tax form threshold). Views read
through incentives.spiff_scope and write through incentives.spiffs; ``spiff_api_urls`` is
included by incentives/urls.py."""

from __future__ import annotations

from typing import Any, cast

from django.urls import URLPattern, URLResolver, include, path
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from deals.scope import product_lines_visible_to
from incentives import spiff_scope, spiffs
from incentives.models import RewardKind, RewardStatus, SpiffReward, SpiffRule, SpiffRuleVersion
from partners.models import Tier
from prm.api_input import ScopedPrimaryKeyField
from prm.errors import Invalid
from prm.money import DECIMAL_PLACES, MAX_DIGITS
from prm.permissions import require
from prm.users.models import User


def _user(request: Any) -> User:
    """The signed-in user (the API's default permission keeps anonymous callers out)."""
    return cast(User, request.user)


def _tiers(user: Any):
    return Tier.objects.all()  # the program's tiers are no secret of anyone's


def _amount(**kwargs: Any) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES, **kwargs)


class RefOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class VersionOut(serializers.ModelSerializer):
    product_line = serializers.SerializerMethodField()
    tiers = serializers.SerializerMethodField()
    fixed_amount = _amount(read_only=True, allow_null=True)
    partner_cap = _amount(read_only=True, allow_null=True)
    rep_cap = _amount(read_only=True, allow_null=True)
    pays = serializers.CharField(read_only=True)

    class Meta:
        model = SpiffRuleVersion
        fields = [
            "number",
            "name",
            "starts_on",
            "ends_on",
            "product_line",
            "tiers",
            "kind",
            "fixed_amount",
            "percent",
            "currency",
            "partner_cap",
            "rep_cap",
            "active",
            "pays",
            "created_at",
            "superseded_at",
            "closed_at",
        ]

    def get_product_line(self, version: SpiffRuleVersion) -> dict | None:
        line = version.product_line
        return None if line is None else {"id": line.pk, "name": line.name}

    def get_tiers(self, version: SpiffRuleVersion) -> list[dict]:
        return [{"id": t.pk, "name": t.name} for t in version.tiers.all()]


class SpiffOut(serializers.Serializer):
    """A rule: its open version's terms (``current``) and, for vendor staff, every version,
    the latest first."""

    id = serializers.IntegerField()
    current = serializers.SerializerMethodField()
    versions = serializers.SerializerMethodField()

    def _versions(self, rule: SpiffRule) -> list[SpiffRuleVersion]:
        return sorted(rule.versions.all(), key=lambda v: -v.number)

    @extend_schema_field(VersionOut)
    def get_current(self, rule: SpiffRule) -> dict:
        return VersionOut(self._versions(rule)[0]).data

    @extend_schema_field(VersionOut(many=True))
    def get_versions(self, rule: SpiffRule) -> list[dict]:
        request = self.context.get("request")
        if request is None or not request.user.is_vendor_side:
            return []
        return list(VersionOut(self._versions(rule), many=True).data)


class SpiffIn(serializers.Serializer):
    """A rule's terms. ``kind`` "fixed" pays ``fixed_amount`` per won deal line, "percent"
    ``percent`` of the line's amount; ``product_line`` null: every line; ``tiers`` empty:
    every tier; ``currency`` empty: the program's; a cap left out or null: no cap."""

    name = serializers.CharField(max_length=spiffs.NAME_MAX)
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    product_line = ScopedPrimaryKeyField(
        selector=product_lines_visible_to, allow_null=True, required=False
    )
    tiers = serializers.ListField(
        child=ScopedPrimaryKeyField(selector=_tiers), required=False, allow_empty=True
    )
    kind = serializers.ChoiceField(choices=RewardKind.choices)
    fixed_amount = _amount(allow_null=True, required=False)
    percent = serializers.DecimalField(
        max_digits=5, decimal_places=2, allow_null=True, required=False
    )
    currency = serializers.CharField(max_length=3, allow_blank=True, required=False)
    partner_cap = _amount(allow_null=True, required=False)
    rep_cap = _amount(allow_null=True, required=False)
    active = serializers.BooleanField(required=False)


class SpiffChangeIn(SpiffIn):
    """Any of a rule's terms; those left out stay. Once rewards have accrued under the open
    version, the change is the rule's next version (the open one is closed)."""

    name = serializers.CharField(max_length=spiffs.NAME_MAX, required=False)
    starts_on = serializers.DateField(required=False)
    ends_on = serializers.DateField(required=False)
    kind = serializers.ChoiceField(choices=RewardKind.choices, required=False)


@extend_schema_view(
    list=extend_schema(summary="The SPIFF rules the caller sees"),
    retrieve=extend_schema(summary="A SPIFF rule with its versions"),
)
class SpiffViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """SPIFF rules. Everyone with access to MDF reads them (partner-side users the active
    rules for their tier); vendor admins add, change and close them."""

    serializer_class = SpiffOut

    def get_queryset(self):
        return (
            spiff_scope.rules_visible_to(_user(self.request))
            .prefetch_related("versions__tiers", "versions__product_line")
            .order_by("-created_at", "-pk")
        )

    def _out(self, rule_id: int, code: int = status.HTTP_200_OK) -> Response:
        rule = self.get_queryset().get(pk=rule_id)
        return Response(SpiffOut(rule, context=self.get_serializer_context()).data, status=code)

    @extend_schema(request=SpiffIn, responses={201: SpiffOut})
    def create(self, request) -> Response:
        require(request.user, "mdf.configure", spiffs.CONFIGURE)
        data = SpiffIn(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        version = spiffs.rule_create(actor=request.user, **data.validated_data)
        return self._out(version.rule_id, status.HTTP_201_CREATED)

    @extend_schema(request=SpiffChangeIn, responses={200: SpiffOut})
    def partial_update(self, request, pk: str | None = None) -> Response:
        require(request.user, "mdf.configure", spiffs.CONFIGURE)
        rule = self.get_object()
        data = SpiffChangeIn(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        spiffs.rule_change(actor=request.user, rule=rule, fields=dict(data.validated_data))
        return self._out(rule.pk)

    @extend_schema(request=None, responses={200: SpiffOut})
    @action(detail=True, methods=["post"])
    def close(self, request, pk: str | None = None) -> Response:
        """Close the rule: deals won from now on earn nothing under it."""
        require(request.user, "mdf.configure", spiffs.CONFIGURE)
        rule = self.get_object()
        spiffs.rule_close(actor=request.user, rule=rule)
        return self._out(rule.pk)


class RewardOut(serializers.ModelSerializer):
    deal = serializers.SerializerMethodField()
    line = serializers.SerializerMethodField()
    rule = serializers.SerializerMethodField()
    rep = serializers.SerializerMethodField()
    partner = serializers.SerializerMethodField()
    amount = _amount(read_only=True)

    class Meta:
        model = SpiffReward
        fields = [
            "id",
            "deal",
            "line",
            "rule",
            "rep",
            "partner",
            "amount",
            "currency",
            "status",
            "won_on",
            "accrued_at",
            "reversed_at",
            "reversal_reason",
            "paid_at",
        ]

    def get_deal(self, reward: SpiffReward) -> dict:
        return {"id": reward.deal_id, "name": reward.deal.name}

    def get_line(self, reward: SpiffReward) -> dict:
        line = reward.line
        return {
            "id": line.pk,
            "product": line.product.name,
            "quantity": line.quantity,
            "amount": str(line.amount),
        }

    def get_rule(self, reward: SpiffReward) -> dict:
        version = reward.version
        return {"id": version.rule_id, "name": version.name, "version": version.number}

    def get_rep(self, reward: SpiffReward) -> dict:
        return {"id": reward.rep_id, "name": reward.rep.full_name or reward.rep.email}

    def get_partner(self, reward: SpiffReward) -> dict:
        return {"id": reward.partner_id, "name": reward.partner.display_name}


class TotalOut(serializers.Serializer):
    rep = serializers.IntegerField(source="rep_id")
    name = serializers.CharField()
    partner = serializers.CharField()
    currency = serializers.CharField()
    total = _amount()
    rewards = serializers.IntegerField()
    threshold = _amount()
    reaches_threshold = serializers.BooleanField(allow_null=True)


FILTERS = [
    OpenApiParameter("rep", OpenApiTypes.INT, description="The rep's user id"),
    OpenApiParameter("status", OpenApiTypes.STR, enum=RewardStatus.values),
    OpenApiParameter("year", OpenApiTypes.INT, description="The year the deal was won"),
]


def _filters(params: Any, *, year_default: bool = False) -> dict[str, Any]:
    """The list's filters, each bad one a 400 beside its name."""
    problems: dict[str, list[str]] = {}
    chosen: dict[str, Any] = {}
    rep, state, year = params.get("rep", ""), params.get("status", ""), params.get("year", "")
    if rep:
        if rep.isdigit():
            chosen["rep_id"] = int(rep)
        else:
            problems["rep"] = ["A rep is given by their user id."]
    if state:
        if state in RewardStatus.values:
            chosen["status"] = state
        else:
            problems["status"] = [f"One of: {', '.join(RewardStatus.values)}."]
    if year:
        if year.isdigit() and 2000 <= int(year) <= 2100:
            chosen["won_on__year"] = int(year)
        else:
            problems["year"] = ["A year such as 2026."]
    elif year_default:
        chosen["won_on__year"] = timezone.localdate().year
    if problems:
        raise Invalid(problems)
    return chosen


@extend_schema_view(
    list=extend_schema(summary="The rewards the caller sees", parameters=FILTERS),
    retrieve=extend_schema(summary="A reward"),
)
class RewardViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """SPIFF rewards: vendor staff see their partners' (admins and finance all), partner
    admins and managers their partner's, a partner user their own. Another partner's reward
    is a 404, as a missing one."""

    serializer_class = RewardOut

    def get_queryset(self):
        rewards = spiff_scope.rewards_visible_to(_user(self.request)).select_related(
            "deal", "line__product", "version", "rep", "partner"
        )
        if self.action == "list":
            rewards = rewards.filter(**_filters(self.request.query_params))
        return rewards.order_by("-won_on", "-pk")

    @extend_schema(
        summary="Each person's yearly total against the tax form threshold",
        parameters=[
            OpenApiParameter("year", OpenApiTypes.INT, description="Default: this year"),
            OpenApiParameter("rep", OpenApiTypes.INT, description="The rep's user id"),
        ],
        responses={200: TotalOut(many=True)},
    )
    @action(detail=False, methods=["get"], pagination_class=None)  # one row per person
    def totals(self, request) -> Response:
        chosen = _filters(request.query_params, year_default=True)
        rows = spiff_scope.yearly_totals(
            _user(request), chosen["won_on__year"], rep_id=chosen.get("rep_id")
        )
        return Response(TotalOut(rows, many=True).data)


router = SimpleRouter()
router.register("spiffs", SpiffViewSet, basename="api-spiff")
router.register("rewards", RewardViewSet, basename="api-reward")

spiff_api_urls: list[URLPattern | URLResolver] = [path("", include(router.urls))]
