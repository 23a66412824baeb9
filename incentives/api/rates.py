"""API of the tenant's exchange rates: the list (vendor staff; partners read none: an empty
list, as for the vendor's other MDF resources they are not shown) and a new rate (finance
and vendor admins; incentives.rates)."""

from __future__ import annotations

from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from incentives import rates as services
from incentives.api._common import Capability, Ref, body, caller, person
from incentives.models import ExchangeRate
from incentives.models.rates import RATE_DIGITS, RATE_PLACES

SET = ("mdf.rates", services.SET_RATES)


class RateOut(serializers.ModelSerializer):
    """A rate: one unit of ``currency`` is worth ``rate`` in ``home_currency`` (the tenant's)
    from ``effective_from`` on, until a rate of a later day for the same currency."""

    rate = serializers.DecimalField(RATE_DIGITS, RATE_PLACES, read_only=True)
    home_currency = serializers.SerializerMethodField()
    set_by = serializers.SerializerMethodField()

    class Meta:
        model = ExchangeRate
        fields = ["id", "currency", "rate", "home_currency", "effective_from", "set_by", "set_at"]
        read_only_fields = fields

    def get_home_currency(self, row: ExchangeRate) -> str:
        return services.home_currency()

    @extend_schema_field(Ref())
    def get_set_by(self, row: ExchangeRate) -> dict | None:
        return person(row.set_by, self.context)


class RateIn(serializers.Serializer):
    currency = serializers.CharField(
        max_length=3, help_text="ISO 4217 code, e.g. EUR; not the tenant's own currency."
    )
    rate = serializers.DecimalField(
        RATE_DIGITS,
        RATE_PLACES,
        help_text='The value of one unit in the tenant\'s currency, above zero, e.g. "1.0850".',
    )
    effective_from = serializers.DateField(help_text="The first day the rate is in force.")


EXAMPLE = {
    "id": 3,
    "currency": "EUR",
    "rate": "1.08500000",
    "home_currency": "USD",
    "effective_from": "2027-01-01",
    "set_by": {"id": 4, "name": "finance@acme.example"},
    "set_at": "2026-12-30T10:00:00Z",
}


@extend_schema_view(
    list=extend_schema(
        summary="Exchange rates (vendor staff)",
        description="Every rate set, newest day first; the rate in force on a day is the "
        "newest of its currency from that day or before. Partners get an empty list.",
    ),
)
class RateViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The tenant's exchange rates: fund requests and claims in another currency than their
    program's are converted at the rate in force on the day they are entered, and deals in
    another currency count on the ROI figures at today's. A rate is never changed: a new
    rate (from another day) is added."""

    serializer_class = RateOut
    permission_classes = [Capability]
    capabilities = {"create": SET}

    def get_queryset(self):
        return (
            services.rates_visible_to(caller(self.request))
            .select_related("set_by")
            .order_by("-effective_from", "currency", "-id")
        )

    @extend_schema(
        summary="Add a rate (finance and vendor admins)",
        request=RateIn,
        responses={
            201: RateOut,
            400: OpenApiResponse(
                description="An unknown currency or the tenant's own, a rate not above zero, "
                "or a rate for that currency and day already set: nothing stored."
            ),
            403: OpenApiResponse(description="Only finance and vendor admins set rates."),
        },
        examples=[
            OpenApiExample(
                "EUR from January",
                request_only=True,
                value={"currency": "EUR", "rate": "1.0850", "effective_from": "2027-01-01"},
            ),
            OpenApiExample("The rate", response_only=True, status_codes=["201"], value=EXAMPLE),
        ],
    )
    def create(self, request):
        data = body(RateIn(data=request.data))
        made = services.rate_set(actor=request.user, **data)
        row = self.get_queryset().get(pk=made.pk)
        return Response(
            RateOut(row, context=self.get_serializer_context()).data, status=status.HTTP_201_CREATED
        )
