"""API of MDF fund requests: list (filtered) and read in the caller's scope, create (a draft
or submitted at once), and the lifecycle's actions: submit, approve (possibly for less),
reject, cancel (incentives.requests). The fund named in a body resolves through the
caller's scope: another partner's fund and a missing one are the same 404."""

from __future__ import annotations

from typing import Any, cast

import django_filters
from django.db.models import CharField
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from incentives import requests as services
from incentives import scope
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
from incentives.models import ActivityType, MdfRequest, ProofType, RequestStatus
from prm.api_input import ScopedPrimaryKeyField

ASK = ("mdf.request", "Only partner users ask for market development funds.")
DECIDE = ("mdf.decide", "Only the vendor's channel team decides fund requests.")
MAX_LEADS = 2_147_483_647  # what the database's integer holds
TITLE_MAX = cast(CharField, MdfRequest._meta.get_field("title")).max_length
CODE_MAX = cast(CharField, MdfRequest._meta.get_field("campaign_code")).max_length


# --- output -------------------------------------------------------------------------------


class MdfRequestOut(EnteredOut, serializers.ModelSerializer):
    """A fund request; amounts in ``currency`` (the program's); asked in another currency,
    the requested amount as entered beside the rate it was converted at."""

    fund = serializers.IntegerField(source="fund_id", read_only=True)
    program = serializers.SerializerMethodField()
    partner = serializers.SerializerMethodField()
    requested_by = serializers.SerializerMethodField()
    activity_type_label = serializers.CharField(source="get_activity_type_display", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    requested_amount = amount_out(help_text="Asked from the fund.")
    partner_contribution = amount_out(help_text="The partner's own share of the cost.")
    expected_pipeline = amount_out()
    approved_amount = amount_out(allow_null=True, help_text="Committed from the fund.")
    decided_by = serializers.SerializerMethodField()
    required_proofs = serializers.ListField(
        child=serializers.ChoiceField(choices=ProofType.choices),
        read_only=True,
        help_text="The proofs of performance its claim needs (set on approval).",
    )

    class Meta:
        model = MdfRequest
        fields = [
            "id",
            "fund",
            "program",
            "partner",
            "requested_by",
            "activity_type",
            "activity_type_label",
            "title",
            "description",
            "starts_on",
            "ends_on",
            "currency",
            "requested_amount",
            "entered_currency",
            "entered_amount",
            "exchange_rate",
            "partner_contribution",
            "expected_leads",
            "expected_pipeline",
            "campaign_code",
            "status",
            "status_label",
            "submitted_at",
            "approved_amount",
            "decided_at",
            "decided_by",
            "decision_note",
            "claim_due_on",
            "required_proofs",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(Ref())
    def get_program(self, request: MdfRequest) -> dict | None:
        return _ref(request.fund.program)

    @extend_schema_field(Ref())
    def get_partner(self, request: MdfRequest) -> dict | None:
        return _ref(request.partner, "display_name")

    @extend_schema_field(Ref())
    def get_requested_by(self, request: MdfRequest) -> dict | None:
        return person(request.requested_by, self.context)

    @ref_or_null
    def get_decided_by(self, request: MdfRequest) -> dict | None:
        return person(request.decided_by, self.context)


# --- input --------------------------------------------------------------------------------


class MdfRequestIn(serializers.Serializer):
    """A new request for one of the caller's funds; ``submit: false`` keeps it a draft."""

    fund = ScopedPrimaryKeyField(
        selector=scope.funds_visible_to, help_text="The id of one of the caller's funds."
    )
    activity_type = serializers.ChoiceField(choices=ActivityType.choices)
    title = serializers.CharField(max_length=TITLE_MAX, allow_blank=True)
    description = serializers.CharField(max_length=5000, allow_blank=True, required=False)
    starts_on = serializers.DateField(help_text="Not in the past: ask before the activity.")
    ends_on = serializers.DateField()
    currency = serializers.CharField(
        max_length=3,
        required=False,
        help_text="The amounts' currency: default the program's; another one is converted "
        "into the program's at the tenant's exchange rate in force today (refused, field "
        "``currency``, when none is set).",
    )
    requested_amount = amount_in(help_text='Asked from the fund, e.g. "3000.00", in ``currency``.')
    partner_contribution = amount_in(
        required=False, help_text="The partner's own share, in ``currency``."
    )
    expected_leads = serializers.IntegerField(min_value=0, max_value=MAX_LEADS, required=False)
    expected_pipeline = amount_in(required=False, help_text="In ``currency``.")
    campaign_code = serializers.CharField(max_length=CODE_MAX, allow_blank=True, required=False)
    submit = serializers.BooleanField(default=True, help_text="False: save a draft.")


class ApproveIn(serializers.Serializer):
    amount = amount_in(
        required=False,
        allow_null=True,
        help_text="Approve less than requested; default the requested amount.",
    )
    reason = serializers.CharField(max_length=500, allow_blank=True, required=False, default="")


class DecisionReasonIn(serializers.Serializer):
    reason = serializers.CharField(max_length=500, help_text="Why, in words for the partner.")


class CancelIn(serializers.Serializer):
    reason = serializers.CharField(max_length=500, allow_blank=True, required=False, default="")


# --- filters ------------------------------------------------------------------------------


class MdfRequestFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=RequestStatus.choices)
    fund = django_filters.NumberFilter(field_name="fund_id", help_text="A fund's id.")
    partner = django_filters.NumberFilter(field_name="partner_id", help_text="A partner's id.")

    class Meta:
        model = MdfRequest
        fields: list[str] = []


# --- the views ----------------------------------------------------------------------------

REQUEST_EXAMPLE = {
    "id": 7,
    "fund": 12,
    "program": {"id": 4, "name": "2027 Q1 MDF"},
    "partner": {"id": 3, "name": "Northwind Berlin"},
    "requested_by": {"id": 12, "name": "bob@northwind.example"},
    "activity_type": "event",
    "activity_type_label": "Event",
    "title": "Security roadshow Munich",
    "description": "Half-day event for 40 IT leads",
    "starts_on": "2027-02-10",
    "ends_on": "2027-02-11",
    "currency": "USD",
    "requested_amount": "3000.00",
    "entered_currency": "",
    "entered_amount": None,
    "exchange_rate": None,
    "partner_contribution": "1000.00",
    "expected_leads": 40,
    "expected_pipeline": "250000.00",
    "campaign_code": "RS-MUC-27",
    "status": "approved",
    "status_label": "Approved",
    "submitted_at": "2027-01-05T09:00:00Z",
    "approved_amount": "2500.00",
    "decided_at": "2027-01-06T14:30:00Z",
    "decided_by": {"id": 2, "name": "cam@acme.example"},
    "decision_note": "Approved for the venue and catering",
    "claim_due_on": "2027-04-12",
    "required_proofs": ["invoice", "photos", "attendees"],
    "created_at": "2027-01-05T08:55:00Z",
    "updated_at": "2027-01-06T14:30:00Z",
}
ANSWER = OpenApiExample("A fund request", value=REQUEST_EXAMPLE, response_only=True)
STATE_409 = OpenApiResponse(
    description="The request's status does not allow this now (`illegal_transition`): "
    "nothing changed."
)


def _action(summary: str, request: Any = None, example: dict | None = None, **more: Any):
    examples = [ANSWER]
    if example is not None:
        examples.insert(0, OpenApiExample(summary, value=example, request_only=True))
    responses = {200: MdfRequestOut, 409: more.pop("conflict", STATE_409)}
    return extend_schema(
        summary=summary, request=request, responses=responses, examples=examples, **more
    )


@extend_schema_view(
    list=extend_schema(summary="Fund requests the caller sees"),
    retrieve=extend_schema(summary="A fund request", examples=[ANSWER]),
)
class MdfRequestViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Fund requests: a partner asks for money from its fund for a marketing activity before
    it happens; the vendor's channel team approves (possibly less: the amount is committed
    from the fund) or rejects; either side cancels (an approved request's amount goes back
    to the fund). Partners see their own company's requests, vendor staff those of the
    funds they see."""

    serializer_class = MdfRequestOut
    filter_backends = [DjangoFilterBackend]
    filterset_class = MdfRequestFilter
    permission_classes = [Capability]
    capabilities = {
        "create": ASK,
        "submit": ASK,
        "approve": DECIDE,
        "reject": DECIDE,
        # cancel: the partner (mdf.request) or the channel team (mdf.decide): the service.
    }

    def get_queryset(self):
        return (
            scope.requests_visible_to(caller(self.request))
            .select_related("fund__program", "partner", "requested_by", "decided_by")
            .order_by("-created_at", "-id")
        )

    def _out(self, request: MdfRequest, code: int = status.HTTP_200_OK) -> Response:
        row = self.get_queryset().get(pk=request.pk)
        return Response(MdfRequestOut(row, context=self.get_serializer_context()).data, status=code)

    @extend_schema(
        summary="Ask for funds (submitted at once, or a draft)",
        request=MdfRequestIn,
        responses={
            201: MdfRequestOut,
            403: OpenApiResponse(description="Vendor staff do not ask for funds."),
            409: OpenApiResponse(description="The program is closed: it takes no requests."),
        },
        examples=[
            OpenApiExample(
                "An event",
                request_only=True,
                value={
                    "fund": 12,
                    "activity_type": "event",
                    "title": "Security roadshow Munich",
                    "description": "Half-day event for 40 IT leads",
                    "starts_on": "2027-02-10",
                    "ends_on": "2027-02-11",
                    "requested_amount": "3000.00",
                    "partner_contribution": "1000.00",
                    "expected_leads": 40,
                    "expected_pipeline": "250000.00",
                    "campaign_code": "RS-MUC-27",
                },
            ),
            OpenApiExample(
                "The request",
                response_only=True,
                status_codes=["201"],
                value={
                    **REQUEST_EXAMPLE,
                    "status": "submitted",
                    "status_label": "Waiting for a decision",
                    "approved_amount": None,
                    "decided_at": None,
                    "decided_by": None,
                    "decision_note": "",
                    "claim_due_on": None,
                    "required_proofs": [],
                },
            ),
        ],
    )
    def create(self, request):
        data = body(MdfRequestIn(data=request.data, context=self.get_serializer_context()))
        made = services.mdf_request_create(actor=request.user, **data)
        return self._out(made, status.HTTP_201_CREATED)

    @_action("Submit a draft")
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        """The tenant's fund request workflow routes it (by default: the partner's channel
        manager)."""
        made = services.mdf_request_submit(actor=request.user, request=self.get_object())
        return self._out(made)

    @_action(
        "Approve (possibly for less)",
        ApproveIn,
        {"amount": "2500.00", "reason": "Approved for the venue and catering"},
        conflict=OpenApiResponse(
            description="Not waiting for a decision (`illegal_transition`) or the fund's "
            "available balance cannot cover it (`insufficient_funds`): nothing changed."
        ),
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        """The approved amount is committed from the fund, under the fund's lock (concurrent
        approvals never overdraw it); the claim is due the policy's days after the activity
        ends, with the proofs its kind of activity needs."""
        found = self.get_object()
        data = body(ApproveIn(data=request.data))
        decided = services.mdf_request_approve(
            actor=request.user, request=found, reason=data["reason"], amount=data.get("amount")
        )
        return self._out(decided)

    @_action("Reject", DecisionReasonIn, {"reason": "Outside this quarter's plan"})
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        """No money moves."""
        found = self.get_object()
        data = body(DecisionReasonIn(data=request.data))
        decided = services.mdf_request_reject(
            actor=request.user, request=found, reason=data["reason"]
        )
        return self._out(decided)

    @_action("Cancel", CancelIn, {"reason": "The venue cancelled"})
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """A draft, a waiting or an approved request (the partner or the channel team); an
        approved one's committed amount goes back to the fund."""
        found = self.get_object()
        data = body(CancelIn(data=request.data))
        cancelled = services.mdf_request_cancel(
            actor=request.user, request=found, reason=data["reason"]
        )
        return self._out(cancelled)
