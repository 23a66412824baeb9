"""API of payouts and their payment batches (incentives.payouts): list and read in the
caller's scope; finance approves payouts for payment, exports them as a batch (its CSV file
for accounts payable), marks them paid with the payment's reference (one, or many at once),
marks one failed, reverses a paid one, and applies the payment confirmation file. The
payouts named in a body resolve through the caller's scope (another's or a missing one: the
same 404)."""

from __future__ import annotations

import django_filters
from django.http import HttpResponse
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from incentives import payouts as services
from incentives import scope
from incentives.api._common import (
    Capability,
    Ref,
    _ref,
    amount_out,
    body,
    caller,
    person,
    ref_or_null,
)
from incentives.models import Payout, PayoutBatch, PayoutStatus
from prm.api_input import ScopedPrimaryKeyField
from prm.errors import Invalid

PAY = ("mdf.pay", services.PAY)


class PayoutOut(serializers.ModelSerializer):
    partner = serializers.SerializerMethodField()
    program = serializers.SerializerMethodField()
    payee = serializers.SerializerMethodField()
    number = serializers.CharField(read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    amount = amount_out()
    batch = serializers.SerializerMethodField()

    class Meta:
        model = Payout
        fields = [
            "id",
            "number",
            "kind",
            "claim",
            "partner",
            "payee",
            "program",
            "currency",
            "amount",
            "status",
            "status_label",
            "batch",
            "payment_reference",
            "paid_on",
            "failure_reason",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(Ref())
    def get_partner(self, payout: Payout) -> dict | None:
        return _ref(payout.partner, "display_name")

    @ref_or_null
    def get_program(self, payout: Payout) -> dict | None:
        return _ref(payout.fund.program) if payout.fund else None

    @ref_or_null
    def get_payee(self, payout: Payout) -> dict | None:
        return person(payout.payee, self.context)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_batch(self, payout: Payout) -> str | None:
        return payout.batch.number if payout.batch else None


class BatchOut(serializers.ModelSerializer):
    number = serializers.CharField(read_only=True)
    created_by = serializers.SerializerMethodField()
    payouts = serializers.SerializerMethodField()

    class Meta:
        model = PayoutBatch
        fields = ["id", "number", "created_by", "created_at", "payouts"]
        read_only_fields = fields

    @extend_schema_field(Ref())
    def get_created_by(self, batch: PayoutBatch) -> dict | None:
        return person(batch.created_by, self.context)

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_payouts(self, batch: PayoutBatch) -> list[int]:
        return sorted(p.pk for p in batch.payouts.all())


class PayoutsIn(serializers.Serializer):
    payouts = serializers.ListField(
        child=ScopedPrimaryKeyField(selector=scope.payouts_visible_to),
        allow_empty=False,
        max_length=1000,
        help_text="Payout ids.",
    )


class MarkPaidIn(PayoutsIn):
    payment_reference = serializers.CharField(max_length=80, allow_blank=True)
    paid_on = serializers.DateField(required=False, help_text="Default today.")


class PaymentFailedIn(serializers.Serializer):
    reason = serializers.CharField(max_length=300, help_text="The bank's message.")


class PayoutReverseIn(serializers.Serializer):
    memo = serializers.CharField(max_length=300, help_text="Why the payment is reversed.")


REPORT = inline_serializer(
    name="PaymentConfirmationReport",
    fields={
        "paid": serializers.IntegerField(),
        "failed": serializers.IntegerField(),
        "errors": serializers.ListField(child=serializers.DictField(), help_text="By row."),
    },
)


class PayoutFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=PayoutStatus.choices)
    partner = django_filters.NumberFilter(field_name="partner_id", help_text="A partner's id.")
    batch = django_filters.NumberFilter(field_name="batch_id", help_text="A batch's id.")

    class Meta:
        model = Payout
        fields: list[str] = []


BULK_409 = OpenApiResponse(
    description="A payout's status does not allow this (`illegal_transition`): none changed."
)


@extend_schema_view(
    list=extend_schema(summary="Payouts the caller sees"),
    retrieve=extend_schema(summary="A payout"),
)
class PayoutViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Money owed to partners for approved claims: pending -> approved (for payment) ->
    exported (to accounts payable) -> paid | failed; a failed one is approved and sent
    again, a paid one reversed only by a reversing ledger entry. Bulk actions change all
    the payouts named or none."""

    serializer_class = PayoutOut
    filter_backends = [DjangoFilterBackend]
    filterset_class = PayoutFilter
    permission_classes = [Capability]
    capabilities = {
        "approve": PAY,
        "export": PAY,
        "mark_paid": PAY,
        "fail": PAY,
        "reverse": PAY,
        "confirmations": PAY,
    }

    def get_queryset(self):
        return (
            scope.payouts_visible_to(caller(self.request))
            .select_related("partner", "fund__program", "batch", "payee")
            .order_by("-created_at", "-id")
        )

    def _many(self, payouts: list[Payout]) -> Response:
        rows = self.get_queryset().filter(pk__in=[p.pk for p in payouts])
        return Response(PayoutOut(rows, many=True, context=self.get_serializer_context()).data)

    def _one(self, payout: Payout) -> Response:
        row = self.get_queryset().get(pk=payout.pk)
        return Response(PayoutOut(row, context=self.get_serializer_context()).data)

    def _ids(self, request, serializer=PayoutsIn) -> dict:
        return body(serializer(data=request.data, context=self.get_serializer_context()))

    @extend_schema(
        summary="Approve payouts for payment",
        request=PayoutsIn,
        responses={200: PayoutOut(many=True), 409: BULK_409},
    )
    @action(detail=False, methods=["post"])
    def approve(self, request):
        data = self._ids(request)
        return self._many(services.payouts_approve(actor=request.user, payouts=data["payouts"]))

    @extend_schema(
        summary="Export approved payouts as a batch for accounts payable",
        request=PayoutsIn,
        responses={201: BatchOut, 409: BULK_409},
    )
    @action(detail=False, methods=["post"])
    def export(self, request):
        """The batch's CSV file is at ``/api/v1/payout-batches/{id}/csv/``."""
        data = self._ids(request)
        batch = services.payouts_export(actor=request.user, payouts=data["payouts"])
        out = BatchOut(batch, context=self.get_serializer_context()).data
        return Response(out, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Mark exported payouts paid",
        request=MarkPaidIn,
        responses={200: PayoutOut(many=True), 409: BULK_409},
    )
    @action(detail=False, methods=["post"], url_path="mark-paid")
    def mark_paid(self, request):
        """Each posts the ledger's ``pay`` entry."""
        data = self._ids(request, MarkPaidIn)
        done = services.payouts_mark_paid(
            actor=request.user,
            payouts=data["payouts"],
            reference=data["payment_reference"],
            paid_on=data.get("paid_on"),
        )
        return self._many(done)

    @extend_schema(
        summary="Mark a payment failed", request=PaymentFailedIn, responses={200: PayoutOut}
    )
    @action(detail=True, methods=["post"])
    def fail(self, request, pk=None):
        payout = self.get_object()
        data = body(PaymentFailedIn(data=request.data))
        done = services.payout_fail(actor=request.user, payout=payout, reason=data["reason"])
        return self._one(done)

    @extend_schema(
        summary="Reverse a paid payout", request=PayoutReverseIn, responses={200: PayoutOut}
    )
    @action(detail=True, methods=["post"])
    def reverse(self, request, pk=None):
        """Its ``pay`` entry is reversed (the money is owed again) and a new payout for the
        claim waits for finance."""
        payout = self.get_object()
        data = body(PayoutReverseIn(data=request.data))
        done = services.payout_reverse(actor=request.user, payout=payout, memo=data["memo"])
        return self._one(done)

    @extend_schema(
        summary="Apply the payment confirmation file",
        request={
            "multipart/form-data": {
                "type": "object",
                "properties": {"file": {"type": "string", "format": "binary"}},
            }
        },
        responses={
            200: REPORT,
            400: OpenApiResponse(
                description="No file, or rows with errors: nothing applied. Rows' errors come "
                "as this answer's `errors` (by row) beside `code` and `detail`."
            ),
        },
    )
    @action(detail=False, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    def confirmations(self, request):
        """A CSV with the columns Payout and Payment reference (and Paid on, Status, Reason:
        ``failed`` with the bank's reason). All rows or none: with any row's error nothing
        is applied and the answer lists the errors by row."""
        upload = request.FILES.get("file")
        if upload is None:
            raise Invalid({"file": ["Attach the payment confirmation file (CSV)."]})
        try:
            text = upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise Invalid({"file": ["The file is not a UTF-8 CSV file."]}) from None
        report = services.payouts_confirm(
            actor=request.user, text=text, visible=scope.payouts_visible_to(request.user)
        )
        out: dict = {
            "paid": report.paid,
            "failed": report.failed,
            "errors": [{"row": n, "detail": d} for n, d in report.errors],
        }
        if report.errors:
            count = len(report.errors)
            out = {
                "code": "invalid_rows",
                "detail": f"Nothing was applied: {count} row(s) of the file have errors.",
                "fields": {},
                **out,
            }
        return Response(out, status=400 if report.errors else 200)


class PayoutBatchViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The batches finance exported; each one's CSV file, the same whenever downloaded."""

    serializer_class = BatchOut
    permission_classes = [Capability]
    capabilities = {"list": PAY, "retrieve": PAY, "csv": PAY}

    def get_queryset(self):
        visible = scope.payouts_visible_to(caller(self.request))
        return (
            PayoutBatch.objects.filter(payouts__in=visible)
            .distinct()
            .select_related("created_by")
            .prefetch_related("payouts")
            .order_by("-created_at", "-id")
        )

    @extend_schema(
        summary="The batch's file for accounts payable",
        responses={(200, "text/csv"): OpenApiTypes.STR},
    )
    @action(detail=True, methods=["get"])
    def csv(self, request, pk=None):
        batch = self.get_object()
        response = HttpResponse(services.batch_csv(batch), content_type="text/csv")
        response["Content-Disposition"] = f'attachment; filename="payments-{batch.number}.csv"'
        return response
