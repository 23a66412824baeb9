"""API of the product catalogue: products (list, read; add and change for vendor admins)
and product lines (list, read). Vendor staff see the whole catalogue; partner-side users
the active products of active lines, what they may register deals for."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from deals import scope, selectors, services
from deals.api.accounts import Ref, _ref, ref_or_null
from deals.filters import ProductFilter
from deals.models import Product, ProductLine
from deals.services.catalogue import CERTIFICATION_MAX, PRODUCT_FIELDS, PRODUCT_NAME_MAX, SKU_MAX
from partners.models import Tier
from prm.api_input import ScopedPrimaryKeyField
from prm.money import DECIMAL_PLACES, MAX_DIGITS
from prm.permissions import require

EDIT_MESSAGE = "Only vendor admins change the product catalogue."


class ProductLineOut(serializers.ModelSerializer):
    class Meta:
        model = ProductLine
        fields = ["id", "name", "description", "active"]


class ProductOut(serializers.ModelSerializer):
    line = Ref(read_only=True)
    list_price = serializers.DecimalField(
        max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES, read_only=True
    )
    min_tier = serializers.SerializerMethodField()

    class Meta:
        model = Product
        fields = ["id", *PRODUCT_FIELDS]

    @ref_or_null
    def get_min_tier(self, product: Product) -> dict | None:
        return _ref(product.min_tier)


def _tiers(user):
    return Tier.objects.all()  # the program's tiers are no secret of anyone's


class ProductIn(serializers.Serializer):
    """A product. ``sku`` is kept trimmed and in capitals; an empty ``currency`` is the
    program's; ``min_tier`` a tier's id (null: any tier); ``required_certification`` the
    name of a certification someone at the partner must hold (empty: none)."""

    sku = serializers.CharField(max_length=SKU_MAX)
    name = serializers.CharField(max_length=PRODUCT_NAME_MAX)
    line = ScopedPrimaryKeyField(selector=scope.product_lines_editable_by)
    list_price = serializers.DecimalField(max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES)
    currency = serializers.CharField(max_length=3, allow_blank=True, required=False)
    active = serializers.BooleanField(required=False)
    min_tier = ScopedPrimaryKeyField(selector=_tiers, allow_null=True, required=False)
    required_certification = serializers.CharField(
        max_length=CERTIFICATION_MAX, allow_blank=True, required=False
    )


class ProductUpdateIn(ProductIn):
    """Any of a product's fields; those left out stay as they are. ``active: false``
    deactivates it (partners can no longer register it)."""

    sku = serializers.CharField(max_length=SKU_MAX, required=False)
    name = serializers.CharField(max_length=PRODUCT_NAME_MAX, required=False)
    line = ScopedPrimaryKeyField(selector=scope.product_lines_editable_by, required=False)
    list_price = serializers.DecimalField(
        max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES, required=False
    )


PRODUCT_EXAMPLE = {
    "id": 7,
    "sku": "FW-2200",
    "name": "Sentinel FW-2200 Firewall Appliance",
    "line": {"id": 1, "name": "Firewalls"},
    "list_price": "8950.00",
    "currency": "USD",
    "active": True,
    "min_tier": {"id": 3, "name": "Gold"},
    "required_certification": "Certified Network Professional",
}
FILTER_PARAMETERS = [
    OpenApiParameter("q", OpenApiTypes.STR, description="A part of the SKU or of the name"),
    OpenApiParameter("line", OpenApiTypes.INT, description="A product line's id"),
    OpenApiParameter(
        "active",
        OpenApiTypes.STR,
        enum=["yes", "no"],
        description="yes: active products of active lines; no: the others",
    ),
]


@extend_schema_view(
    list=extend_schema(
        parameters=FILTER_PARAMETERS,
        examples=[
            OpenApiExample(
                "A page of products",
                response_only=True,
                value={"count": 1, "next": None, "previous": None, "results": [PRODUCT_EXAMPLE]},
            )
        ],
    ),
    retrieve=extend_schema(
        examples=[OpenApiExample("A product", value=PRODUCT_EXAMPLE, response_only=True)]
    ),
)
class ProductViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """The product catalogue, by product line. Everyone reads it (partner-side users the
    active products of active lines); vendor admins add and change products. A SKU is
    unique whatever its case; a price is never negative, in an ISO 4217 currency."""

    serializer_class = ProductOut

    def get_queryset(self):
        products = selectors.product_queryset(self.request.user)
        if self.action == "list":
            products = ProductFilter(self.request.query_params, queryset=products).qs
        return products

    def _out(self, product: Product, code=status.HTTP_200_OK) -> Response:
        return Response(ProductOut(self.get_queryset().get(pk=product.pk)).data, status=code)

    @extend_schema(
        request=ProductIn,
        responses={201: ProductOut},
        examples=[
            OpenApiExample(
                "A firewall for Gold partners",
                request_only=True,
                value={
                    "sku": "fw-2200",
                    "name": "Sentinel FW-2200 Firewall Appliance",
                    "line": 1,
                    "list_price": "8950.00",
                    "currency": "USD",
                    "min_tier": 3,
                    "required_certification": "Certified Network Professional",
                },
            ),
            OpenApiExample("Added", value=PRODUCT_EXAMPLE, response_only=True, status_codes=[201]),
        ],
    )
    def create(self, request):
        require(request.user, "catalogue.edit", EDIT_MESSAGE)
        data = ProductIn(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        product = services.product_create(actor=request.user, **data.validated_data)
        return self._out(product, status.HTTP_201_CREATED)

    @extend_schema(
        request=ProductUpdateIn,
        responses={200: ProductOut},
        examples=[
            OpenApiExample("A new list price", request_only=True, value={"list_price": "9250.00"}),
            OpenApiExample("Deactivate", request_only=True, value={"active": False}),
        ],
    )
    def partial_update(self, request, pk=None):
        require(request.user, "catalogue.edit", EDIT_MESSAGE)
        product = self.get_object()
        data = ProductUpdateIn(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        product = services.product_update(
            actor=request.user, product=product, fields=dict(data.validated_data)
        )
        return self._out(product)


@extend_schema_view(
    list=extend_schema(
        examples=[
            OpenApiExample(
                "The product lines",
                response_only=True,
                value={
                    "count": 1,
                    "next": None,
                    "previous": None,
                    "results": [
                        {
                            "id": 1,
                            "name": "Firewalls",
                            "description": "Next-generation firewall appliances.",
                            "active": True,
                        }
                    ],
                },
            )
        ]
    )
)
class ProductLineViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """The catalogue's product lines (partner-side users: the active ones)."""

    serializer_class = ProductLineOut

    def get_queryset(self):
        return scope.product_lines_visible_to(self.request.user).order_by("name")
