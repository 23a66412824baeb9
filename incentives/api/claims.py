"""API of MDF claims: list (filtered) and read in the caller's scope, file a claim with its
proof files (multipart: each file under the name of the proof it is), add proof while it
waits, approve (possibly for less), reject, withdraw (incentives.claims). The request named
in a body resolves through the caller's scope: another partner's request and a missing one
are the same 404. Files over the size limit are a 413, files of another type than we take
(read from their content) a 415; a refused claim stores nothing."""

from __future__ import annotations

import django_filters
from django.urls import reverse
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from incentives import claims as services
from incentives import rates, scope
from incentives.api._common import (
    Capability,
    EnteredOut,
    Ref,
    _ref,
    amount_in,
    amount_out,
    body,
    caller,
    person,
    ref_or_null,
)
from incentives.models import ClaimDocument, ClaimStatus, MdfClaim
from prm.api_input import ScopedPrimaryKeyField

FILE = ("mdf.request", "Only partner users claim market development funds.")
DECIDE = ("mdf.decide_claims", services.DECIDE_CLAIMS)
MAX_COUNT = 2_147_483_647


class DocumentOut(serializers.ModelSerializer):
    proof_type_label = serializers.CharField(source="get_proof_type_display", read_only=True)
    url = serializers.SerializerMethodField(help_text="Download (for those who see the claim).")

    class Meta:
        model = ClaimDocument
        fields = [
            "id",
            "proof_type",
            "proof_type_label",
            "original_name",
            "content_type",
            "size",
            "uploaded_at",
            "url",
        ]
        read_only_fields = fields

    def get_url(self, document: ClaimDocument) -> str:
        return reverse("mdf-claim-document", args=[document.claim_id, document.pk])


class ClaimOut(EnteredOut, serializers.ModelSerializer):
    """A claim; amounts in ``currency`` (the program's) except the invoice's total, in
    ``invoice_currency``; claimed in another currency, the amount as entered beside the rate
    it was converted at."""

    invoice_currency = serializers.CharField(
        read_only=True, help_text="The invoice's currency: the one the claim was entered in."
    )

    request = serializers.SerializerMethodField()
    partner = serializers.SerializerMethodField()
    claimed_by = serializers.SerializerMethodField()
    decided_by = serializers.SerializerMethodField()
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    amount = amount_out(help_text="Claimed.")
    approved_amount = amount_out(allow_null=True, help_text="Payable once approved.")
    invoice_total = amount_out()
    attendee_count = serializers.IntegerField(source="attendees", read_only=True)
    pipeline = amount_out()
    documents = DocumentOut(many=True, read_only=True)
    payout = serializers.SerializerMethodField()

    class Meta:
        model = MdfClaim
        fields = [
            "id",
            "request",
            "partner",
            "claimed_by",
            "currency",
            "amount",
            "entered_currency",
            "entered_amount",
            "exchange_rate",
            "invoice_number",
            "supplier_tax_id",
            "invoice_total",
            "invoice_currency",
            "leads",
            "attendee_count",
            "pipeline",
            "note",
            "status",
            "status_label",
            "submitted_at",
            "approved_amount",
            "decided_at",
            "decided_by",
            "decision_note",
            "documents",
            "payout",
        ]
        read_only_fields = fields

    @extend_schema_field(Ref())
    def get_request(self, claim: MdfClaim) -> dict | None:
        return _ref(claim.request, "title")

    @extend_schema_field(Ref())
    def get_partner(self, claim: MdfClaim) -> dict | None:
        return _ref(claim.partner, "display_name")

    @extend_schema_field(Ref())
    def get_claimed_by(self, claim: MdfClaim) -> dict | None:
        return person(claim.claimed_by, self.context)

    @ref_or_null
    def get_decided_by(self, claim: MdfClaim) -> dict | None:
        return person(claim.decided_by, self.context)

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_payout(self, claim: MdfClaim) -> int | None:
        """The claim's current payout (a reversed payment's replacement), once approved."""
        live = [p for p in claim.payouts.all() if p.status != "reversed"]
        return live[0].pk if live else None


class ClaimIn(serializers.Serializer):
    """A claim against one of the caller's approved requests, as ``multipart/form-data``:
    the fields below, and each proof file under the name of the proof it is (``invoice``,
    ``photos``, ``attendees``, ``report``, ``content``; several files under one name are
    fine)."""

    request = ScopedPrimaryKeyField(
        selector=scope.requests_visible_to, help_text="The id of an approved fund request."
    )
    amount = amount_in(help_text='Claimed, e.g. "2000.00"; at most what is left to claim.')
    currency = serializers.CharField(
        max_length=3,
        required=False,
        help_text="The invoice's currency: default the program's; another one is converted "
        "into the program's at the tenant's exchange rate in force today (refused, field "
        "``currency``, when none is set).",
    )
    invoice_number = serializers.CharField(max_length=60, allow_blank=True)
    supplier_tax_id = serializers.CharField(max_length=40, allow_blank=True)
    invoice_total = amount_in()
    leads = serializers.IntegerField(min_value=0, max_value=MAX_COUNT, required=False)
    # Not "attendees": that is the name of the attendee list's file.
    attendee_count = serializers.IntegerField(
        min_value=0, max_value=MAX_COUNT, required=False, help_text="People who attended."
    )
    pipeline = amount_in(required=False)
    note = serializers.CharField(max_length=5000, allow_blank=True, required=False)


class ClaimApproveIn(serializers.Serializer):
    amount = amount_in(
        required=False, allow_null=True, help_text="Approve less than claimed; default all."
    )
    reason = serializers.CharField(max_length=500, allow_blank=True, required=False, default="")


class ClaimReasonIn(serializers.Serializer):
    reason = serializers.CharField(max_length=500, help_text="Why, in words for the partner.")


class ClaimWithdrawIn(serializers.Serializer):
    reason = serializers.CharField(max_length=500, allow_blank=True, required=False, default="")


def proofs_of(request: Request) -> list[services.ProofIn]:
    """The body's files, each under the name of the proof it is; a file under another name
    is refused (the service says which proofs exist)."""
    found = []
    for name in request.FILES:
        for upload in request.FILES.getlist(name):
            found.append(services.ProofIn(name, upload))
    return found


class ClaimFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=ClaimStatus.choices)
    request = django_filters.NumberFilter(field_name="request_id", help_text="A request's id.")
    partner = django_filters.NumberFilter(field_name="partner_id", help_text="A partner's id.")

    class Meta:
        model = MdfClaim
        fields: list[str] = []


STATE_409 = OpenApiResponse(description="The claim's status does not allow this now.")
FILES_ERRORS = {
    413: OpenApiResponse(description="A file is over the size limit (`file_too_large`)."),
    415: OpenApiResponse(description="A file is not a PDF, PNG, JPEG, CSV or XLSX file."),
}


@extend_schema_view(
    list=extend_schema(summary="Claims the caller sees"),
    retrieve=extend_schema(summary="A claim with its proof files"),
)
class ClaimViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """MDF claims: a partner claims the money of an approved request with its invoice and
    proof of performance; the claim workflow routes it (the channel manager, then finance
    above the policy's amount); approved, the amount is payable and a payout waits for
    finance."""

    serializer_class = ClaimOut
    filter_backends = [DjangoFilterBackend]
    filterset_class = ClaimFilter
    permission_classes = [Capability]
    capabilities = {
        "create": FILE,
        "documents": FILE,
        "withdraw": FILE,
        "approve": DECIDE,
        "reject": DECIDE,
    }

    def get_queryset(self):
        return (
            scope.claims_visible_to(caller(self.request))
            .select_related("request", "partner", "claimed_by", "decided_by")
            .prefetch_related("documents", "payouts")
            .order_by("-submitted_at", "-id")
        )

    def _out(self, claim: MdfClaim, code: int = status.HTTP_200_OK) -> Response:
        row = self.get_queryset().get(pk=claim.pk)
        return Response(ClaimOut(row, context=self.get_serializer_context()).data, status=code)

    @extend_schema(
        summary="File a claim with its proof",
        request={"multipart/form-data": ClaimIn},
        responses={
            201: ClaimOut,
            409: OpenApiResponse(
                description="The request is not approved (`illegal_transition`), its claim "
                "deadline passed (`claim_deadline_passed`) or the invoice is already claimed "
                "(`duplicate_invoice`): nothing stored."
            ),
            **FILES_ERRORS,
        },
    )
    def create(self, request):
        data = body(ClaimIn(data=request.data, context=self.get_serializer_context()))
        found = data.pop("request")
        currency = data.pop("currency", None) or found.currency
        if "attendee_count" in data:
            data["attendees"] = data.pop("attendee_count")
        made = services.claim_file(
            actor=request.user,
            request=found,
            amount=rates.entered(data.pop("amount"), currency.strip().upper()),
            files=proofs_of(request),
            **data,
        )
        return self._out(made, status.HTTP_201_CREATED)

    def get_parsers(self):
        # A claim comes with its files (DRF picks the parsers before it sets ``action``).
        method = getattr(getattr(self, "request", None), "method", "") or ""
        if getattr(self, "action_map", {}).get(method.lower()) == "create":
            return [MultiPartParser(), FormParser()]
        return super().get_parsers()

    @extend_schema(
        summary="Add proof while the claim waits",
        request={"multipart/form-data": {"type": "object"}},
        responses={200: ClaimOut, 409: STATE_409, **FILES_ERRORS},
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    def documents(self, request, pk=None):
        """Each file under the name of the proof it is (``photos``, ``attendees`` …)."""
        claim = self.get_object()
        done = services.claim_documents_add(
            actor=request.user, claim=claim, files=proofs_of(request)
        )
        return self._out(done)

    @extend_schema(
        summary="Approve (possibly for less)",
        request=ClaimApproveIn,
        responses={
            200: ClaimOut,
            403: OpenApiResponse(description="Above the finance amount."),
            409: STATE_409,
        },
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        """The approved amount becomes payable in the ledger and one payout waits for
        finance. A claim above the policy's finance amount is approved by finance."""
        claim = self.get_object()
        data = body(ClaimApproveIn(data=request.data))
        done = services.claim_approve(
            actor=request.user, claim=claim, reason=data["reason"], amount=data.get("amount")
        )
        return self._out(done)

    @extend_schema(
        summary="Reject", request=ClaimReasonIn, responses={200: ClaimOut, 409: STATE_409}
    )
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        """Its amount stays committed to the request, which may be claimed again."""
        claim = self.get_object()
        data = body(ClaimReasonIn(data=request.data))
        done = services.claim_reject(actor=request.user, claim=claim, reason=data["reason"])
        return self._out(done)

    @extend_schema(
        summary="Withdraw", request=ClaimWithdrawIn, responses={200: ClaimOut, 409: STATE_409}
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        claim = self.get_object()
        data = body(ClaimWithdrawIn(data=request.data))
        done = services.claim_withdraw(actor=request.user, claim=claim, reason=data["reason"])
        return self._out(done)
