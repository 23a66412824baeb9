"""API of reservations: list and read (a partner only its own), reserve, release."""

from __future__ import annotations

from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from deals import scope, selectors, services
from deals.api.accounts import Ref, _ref, ref_or_null
from deals.models import Reservation
from deals.selectors import server_now
from prm.api_input import ScopedPrimaryKeyField
from prm.permissions import require


class ReservationOut(serializers.ModelSerializer):
    account = Ref(read_only=True)
    partner = serializers.SerializerMethodField()
    reserved_by = serializers.SerializerMethodField()
    days_left = serializers.SerializerMethodField()

    class Meta:
        model = Reservation
        fields = [
            "id",
            "account",
            "partner",
            "reserved_by",
            "status",
            "starts_at",
            "expires_at",
            "days_left",
            "extensions",
            "ended_at",
        ]

    @extend_schema_field(Ref())
    def get_partner(self, reservation: Reservation) -> dict:
        return {"id": reservation.partner_id, "name": reservation.partner.display_name}

    @ref_or_null
    def get_reserved_by(self, reservation: Reservation) -> dict | None:
        return _ref(reservation.reserved_by, "email")

    def get_days_left(self, reservation: Reservation) -> int | None:
        """Whole days until the end of an active reservation (0 on its last day)."""
        if reservation.status != "active":
            return None
        now = self.context.get("now")
        left = reservation.expires_at - now if now else None
        return max(left.days, 0) if left is not None else None


class ReservationIn(serializers.Serializer):
    account = ScopedPrimaryKeyField(selector=scope.accounts_nameable_by)


class ReservationViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Reservations of customer accounts. A partner sees and releases its own; vendor
    staff see those of the partners in their scope, and its decision makers release them.
    One active reservation per account: of concurrent attempts exactly one wins, the
    others get 409 ``account_reserved``."""

    serializer_class = ReservationOut

    def get_queryset(self):
        return selectors.reservation_queryset(self.request.user)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "now": server_now()}

    def _out(self, reservation: Reservation, code=status.HTTP_200_OK) -> Response:
        row = self.get_queryset().get(pk=reservation.pk)
        return Response(
            ReservationOut(row, context=self.get_serializer_context()).data, status=code
        )

    @extend_schema(
        request=ReservationIn,
        responses={
            201: ReservationOut,
            409: OpenApiResponse(
                description="The account is reserved (`account_reserved`), vendor-owned "
                "(`account_vendor_owned`) or the partner holds its most reservations "
                "(`reservation_limit`): nothing changed."
            ),
        },
        examples=[OpenApiExample("Reserve", value={"account": 42}, request_only=True)],
    )
    def create(self, request):
        require(
            request.user, "reservations.create", "Only partner users reserve customer accounts."
        )
        data = ReservationIn(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        reservation = services.reservation_create(
            actor=request.user, account=data.validated_data["account"]
        )
        return self._out(reservation, status.HTTP_201_CREATED)

    @extend_schema(
        request=None,
        responses={
            202: ReservationOut,
            409: OpenApiResponse(
                description="Not active (`illegal_transition`), extended the most times the "
                "program allows (`extension_limit`) or asked already (`extension_pending`)."
            ),
        },
    )
    @action(detail=True, methods=["post"])
    def extend(self, request, pk=None):
        """Ask for an extension: the vendor decides (a workflow approval); approved, the
        reservation's end moves by the policy's extension days."""
        reservation = self.get_object()
        require(request.user, "reservations.create", "Only partner users ask for extensions.")
        reservation = services.reservation_extend_request(
            actor=request.user, reservation=reservation
        )
        return self._out(reservation, status.HTTP_202_ACCEPTED)

    @extend_schema(request=None, responses={200: ReservationOut})
    @action(detail=True, methods=["post"])
    def release(self, request, pk=None):
        """End the reservation now; the account is open again."""
        reservation = self.get_object()
        require(request.user, "reservations.release", "You cannot release reservations.")
        reservation = services.reservation_release(actor=request.user, reservation=reservation)
        return self._out(reservation)
