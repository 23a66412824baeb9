"""API of deal registrations: list (filtered, in the caller's scope), read, create a draft
(and submit it in the same call), change a draft, the lifecycle's actions (and the dispute
of a rejection), the conflicts found on submission, and the tenant's rejection reasons.

Each write is an input serializer, one service, the deal read again through the caller's
scope. Ids in bodies resolve through the caller's scope (prm.api_input): a product, an
account or a colleague the caller may not name is the same 404 as a missing one. The
competing partner of a conflict is shown to vendor staff only, never to partners."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django_countries.serializer_fields import CountryField
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from deals import scope, services
from deals.api.accounts import MAX_DOMAINS, Ref, _ref, ref_or_null
from deals.api.deal_page import PageRows, deal_page
from deals.filters import DealFilter
from deals.models import (
    DOMAIN_MAX,
    NAME_MAX,
    Deal,
    DealConflict,
    DealDispute,
    DealLine,
    DealStatus,
    Product,
    RejectionReason,
)
from deals.selectors import server_now
from deals.services import LineIn
from prm.api_input import ScopedPrimaryKeyField
from prm.money import DECIMAL_PLACES, MAX_DIGITS
from prm.permissions import can, require
from prm.users.models import User

# The largest amount a deal or a line can record (prm.money: 14 digits, 2 decimals).
MAX_AMOUNT = 10 ** (MAX_DIGITS - DECIMAL_PLACES) - 1
MAX_LINES = 100
NAME_LENGTH = Deal._meta.get_field("name").max_length
CAMPAIGN_LENGTH = Deal._meta.get_field("campaign_code").max_length


# --- whose ids a body may name ----------------------------------------------------------


def products_nameable_by(user: User) -> QuerySet[Product]:
    """The catalogue, for those who see it (an inactive product is named, then refused by
    the service with its reason)."""
    if user.is_authenticated and user.is_active and can(user, "catalogue.view"):
        return Product.objects.all()
    return Product.objects.none()


def colleagues_of(user: User) -> QuerySet[User]:
    """The active users of the caller's partner company (any unit of its tree)."""
    partner = scope.partner_of(user) if user.is_authenticated else None
    if partner is None:
        return User.objects.none()
    company = partner.path[: partner.steplen]
    return User.objects.filter(
        is_active=True, partner_membership__partner__path__startswith=company
    )


# --- output -------------------------------------------------------------------------------


class ProductRef(serializers.Serializer):
    id = serializers.IntegerField()
    sku = serializers.CharField()
    name = serializers.CharField()


class DealLineOut(serializers.ModelSerializer):
    product = ProductRef(read_only=True)
    unit_price = serializers.DecimalField(MAX_DIGITS, DECIMAL_PLACES, read_only=True)
    amount = serializers.DecimalField(MAX_DIGITS, DECIMAL_PLACES, read_only=True)

    class Meta:
        model = DealLine
        fields = ["id", "product", "quantity", "unit_price", "amount"]


class ReasonOut(serializers.ModelSerializer):
    class Meta:
        model = RejectionReason
        fields = ["code", "label"]


class DisputeOut(serializers.ModelSerializer):
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    # A code of DisputeReason once decided; empty while the dispute is open.
    reason_code = serializers.CharField(
        read_only=True, help_text="Why it was decided (a reason code); empty while open."
    )

    class Meta:
        model = DealDispute
        fields = [
            "status",
            "status_label",
            "statement",
            "opened_at",
            "decided_at",
            "reason_code",
            "decision_text",
        ]
        read_only_fields = fields


class DealOut(serializers.ModelSerializer):
    """A registration as its readers see it: never the competing partner (the conflicts
    endpoint shows vendor staff who competes)."""

    account = Ref(read_only=True)
    partner = serializers.SerializerMethodField()
    submitter = serializers.SerializerMethodField()
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    amount = serializers.DecimalField(MAX_DIGITS, DECIMAL_PLACES, read_only=True)
    final_amount = serializers.DecimalField(
        MAX_DIGITS, DECIMAL_PLACES, read_only=True, allow_null=True
    )
    lines = DealLineOut(many=True, read_only=True)
    protection_days_left = serializers.SerializerMethodField()
    queued = serializers.SerializerMethodField()
    queued_until = serializers.SerializerMethodField()
    rejection_reason = ReasonOut(read_only=True, allow_null=True)
    dispute = serializers.SerializerMethodField()

    class Meta:
        model = Deal
        fields = [
            "id",
            "name",
            "account",
            "partner",
            "submitter",
            "status",
            "status_label",
            "description",
            "campaign_code",
            "currency",
            "amount",
            "lines",
            "expected_close_date",
            "created_at",
            "registered_at",
            "submissions",
            "decided_at",
            "rejection_reason",
            "decision_note",
            "protected_until",
            "protection_days_left",
            "extensions",
            "queued",
            "queued_until",
            "conflict_count",
            "closed_on",
            "final_amount",
            "lost_reason",
            "dispute",
        ]
        read_only_fields = fields

    @extend_schema_field(DisputeOut(allow_null=True))
    def get_dispute(self, deal: Deal) -> dict | None:
        """The partner's dispute of the deal's rejection, and its outcome."""
        try:
            dispute = deal.dispute
        except DealDispute.DoesNotExist:
            return None
        return dict(DisputeOut(dispute).data)

    @extend_schema_field(Ref())
    def get_partner(self, deal: Deal) -> dict:
        return {"id": deal.partner_id, "name": deal.partner.display_name}

    @ref_or_null
    def get_submitter(self, deal: Deal) -> dict | None:
        return _ref(deal.submitter, "email")

    def get_protection_days_left(self, deal: Deal) -> int | None:
        """Whole days until an approved registration's protection ends (0 on its last day)."""
        now = self.context.get("now")
        if deal.status != DealStatus.APPROVED or deal.protected_until is None or now is None:
            return None
        return max((deal.protected_until - now).days, 0)

    def get_queued(self, deal: Deal) -> bool:
        """Waiting for an earlier approved registration of the customer to end."""
        return deal.queued_behind_id is not None

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_queued_until(self, deal: Deal) -> Any:
        """When the earlier registration's protection ends (it may end sooner, if lost)."""
        earlier = deal.queued_behind
        if earlier is None or earlier.protected_until is None:
            return None
        return serializers.DateTimeField().to_representation(earlier.protected_until)


class ConflictOut(serializers.ModelSerializer):
    code_label = serializers.CharField(source="get_code_display", read_only=True)
    competing_deal = serializers.IntegerField(
        source="competing_deal_id", allow_null=True, read_only=True
    )
    competing_partner = serializers.SerializerMethodField()

    class Meta:
        model = DealConflict
        fields = [
            "id",
            "code",
            "code_label",
            "score",
            "reasons",
            "warning",
            "competing_deal",
            "competing_partner",
            "found_at",
        ]

    @ref_or_null
    def get_competing_partner(self, conflict: DealConflict) -> dict | None:
        """Vendor staff only: to partners always null."""
        if not self.context.get("see_competitors"):
            return None
        partner = conflict.competing_partner
        return None if partner is None else {"id": partner.pk, "name": partner.display_name}


# --- input --------------------------------------------------------------------------------


class LineBody(serializers.Serializer):
    """A product line: the product (an id of the catalogue), how many, at what price."""

    product = ScopedPrimaryKeyField(selector=products_nameable_by)
    quantity = serializers.IntegerField(help_text="A whole number, at least 1.")
    unit_price = serializers.DecimalField(
        MAX_DIGITS,
        DECIMAL_PLACES,
        help_text='A decimal string in the deal\'s currency, e.g. "950.00"; not negative.',
    )


class NewAccountIn(serializers.Serializer):
    name = serializers.CharField(max_length=NAME_MAX)
    country = CountryField(allow_blank=True, required=False)
    domains = serializers.ListField(
        child=serializers.CharField(max_length=DOMAIN_MAX), max_length=MAX_DOMAINS, required=False
    )


class DealUpdateIn(serializers.Serializer):
    """The fields of a draft (or of a registration the vendor asked for more information
    on); ``lines``, when given, replace the deal's lines."""

    name = serializers.CharField(max_length=NAME_LENGTH, required=False)
    description = serializers.CharField(
        max_length=Deal._meta.get_field("description").max_length,
        allow_blank=True,
        required=False,
    )
    currency = serializers.CharField(
        max_length=3, required=False, help_text="ISO 4217, e.g. USD; the products' currency."
    )
    expected_close_date = serializers.DateField(required=False)
    campaign_code = serializers.CharField(
        max_length=CAMPAIGN_LENGTH, allow_blank=True, required=False
    )
    lines = serializers.ListField(child=LineBody(), required=False, max_length=MAX_LINES)


class DealIn(DealUpdateIn):
    """A new registration: the customer (``account``, an id the lookup gave, or
    ``new_account``), the opportunity and its product lines. ``submit: true`` submits it in
    the same transaction (refused: nothing is created)."""

    account = ScopedPrimaryKeyField(selector=scope.accounts_nameable_by, required=False)
    new_account = NewAccountIn(required=False)
    name = serializers.CharField(max_length=NAME_LENGTH)
    currency = serializers.CharField(max_length=3, help_text="ISO 4217, e.g. USD.")
    expected_close_date = serializers.DateField()
    lines = serializers.ListField(child=LineBody(), max_length=MAX_LINES)
    submit = serializers.BooleanField(default=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "account" in attrs and "new_account" in attrs:
            raise serializers.ValidationError(
                {"account": ["Choose an existing customer or describe a new one, not both."]}
            )
        return attrs


class NoteIn(serializers.Serializer):
    note = serializers.CharField(allow_blank=True, required=False, default="")


class RequestInfoIn(serializers.Serializer):
    note = serializers.CharField(help_text="What the partner should add.")


class RejectIn(serializers.Serializer):
    reason_code = serializers.CharField(
        max_length=40, help_text="A code of /api/v1/rejection-reasons/."
    )
    note = serializers.CharField(allow_blank=True, required=False, default="")


class WonIn(serializers.Serializer):
    closed_on = serializers.DateField()
    final_amount = serializers.DecimalField(
        MAX_DIGITS,
        DECIMAL_PLACES,
        required=False,
        allow_null=True,
        help_text="Default: the registered amount.",
    )


class ReasonIn(serializers.Serializer):
    reason = serializers.CharField()


class DisputeIn(serializers.Serializer):
    statement = serializers.CharField(
        help_text="What happened and why the rejection is wrong. Files are added on the "
        "deal's page."
    )


class ShareIn(serializers.Serializer):
    user = ScopedPrimaryKeyField(selector=colleagues_of, help_text="A colleague's user id.")


FIELD_WORDS = {
    "product": "the product: ",
    "quantity": "the quantity: ",
    "unit_price": "the price: ",
    "non_field_errors": "",
}


def _flat(errors: Any) -> dict[str, list[str]]:
    """A serializer's errors with one list of sentences per field of the body: a line's
    errors as "Line 2: the quantity: …", the new customer's as "country: …"."""
    flat: dict[str, list[str]] = {}
    for name, value in errors.items():
        messages = flat.setdefault(name, [])
        items = value.items() if isinstance(value, dict) else enumerate(value)
        for key, item in items:
            if isinstance(item, dict):  # a line: {field: [messages]}
                for field, words in item.items():
                    where = FIELD_WORDS.get(field, f"{field}: ")
                    messages += [f"Line {int(key) + 1}: {where}{w}" for w in words]
            elif isinstance(value, dict):  # a nested object: {field: [messages]}
                words = item if isinstance(item, list) else [item]
                where = "" if key == "non_field_errors" else f"{key}: "
                messages += [f"{where}{w}" for w in words]
            else:
                messages.append(str(item))
    return {k: v for k, v in flat.items() if v}


def _valid(serializer: serializers.Serializer) -> dict[str, Any]:
    if not serializer.is_valid():
        raise exceptions.ValidationError(_flat(serializer.errors))
    return dict(serializer.validated_data)


def _lines(given: list[dict]) -> list[LineIn]:
    """The lines as the services take them; an amount the portal cannot record is
    refused beside the lines (the database would refuse it)."""
    lines = [LineIn(x["product"], x["quantity"], x["unit_price"]) for x in given]
    problems = [
        f"Line {n}: {x.quantity} times {x.unit_price} is more than the portal can record."
        for n, x in enumerate(lines, 1)
        if abs(x.quantity) > MAX_AMOUNT or abs(x.quantity * x.unit_price) > MAX_AMOUNT
    ]
    if not problems and sum(abs(x.quantity * x.unit_price) for x in lines) > MAX_AMOUNT:
        problems.append("The deal's amount is more than the portal can record.")
    if problems:
        raise exceptions.ValidationError({"lines": problems})
    return lines


# --- the views ----------------------------------------------------------------------------

AMOUNT = "2850.00"
DEAL_EXAMPLE = {
    "id": 7,
    "name": "Firewall refresh 2027",
    "account": {"id": 42, "name": "Initech GmbH"},
    "partner": {"id": 3, "name": "Northwind Berlin"},
    "submitter": {"id": 12, "name": "bob@northwind.example"},
    "status": "approved",
    "status_label": "Approved",
    "description": "Replaces 3 firewalls at the Berlin office.",
    "campaign_code": "MDF-2027-Q1",
    "currency": "USD",
    "amount": AMOUNT,
    "lines": [
        {
            "id": 9,
            "product": {"id": 5, "sku": "FW-100", "name": "Firewall 100"},
            "quantity": 3,
            "unit_price": "950.00",
            "amount": AMOUNT,
        }
    ],
    "expected_close_date": "2027-03-31",
    "created_at": "2026-11-02T09:12:00Z",
    "registered_at": "2026-11-02T09:15:31.201934Z",
    "submissions": 1,
    "decided_at": "2026-11-02T09:15:33Z",
    "rejection_reason": None,
    "decision_note": "",
    "protected_until": "2027-01-31T09:15:33Z",
    "protection_days_left": 61,
    "extensions": 0,
    "queued": False,
    "queued_until": None,
    "conflict_count": 0,
    "closed_on": None,
    "final_amount": None,
    "lost_reason": "",
    "dispute": None,
}
CONFLICT_EXAMPLE = {
    "id": 3,
    "code": "same_account_overlapping_products",
    "code_label": "Same customer, overlapping products",
    "score": 1.0,
    "reasons": [
        "the same customer account",
        "both register Firewalls",
        "registered 2 Nov 2026, 09:15",
    ],
    "warning": False,
    "competing_deal": 6,
    "competing_partner": {"id": 4, "name": "Contoso"},
    "found_at": "2026-11-03T10:00:00Z",
}
DEAL_ANSWER = OpenApiExample("A deal", value=DEAL_EXAMPLE, response_only=True)
STATE_409 = OpenApiResponse(
    description="The deal's status does not allow this now (`illegal_transition`; nothing changed)."
)


def _action(summary: str, request: Any = None, example: dict | None = None, **more: Any):
    """The schema of a lifecycle action: its body (with an example), the deal answered."""
    examples = [DEAL_ANSWER]
    if example is not None:
        examples.insert(0, OpenApiExample(summary, value=example, request_only=True))
    responses = {200: DealOut, 409: more.pop("conflict", STATE_409)}
    return extend_schema(
        summary=summary, request=request, responses=responses, examples=examples, **more
    )


@extend_schema_view(
    list=extend_schema(
        summary="Deal registrations in the caller's scope",
        examples=[
            OpenApiExample(
                "A page of deals",
                value={"count": 1, "next": None, "previous": None, "results": [DEAL_EXAMPLE]},
                response_only=True,
            )
        ],
    ),
    retrieve=extend_schema(summary="A deal registration", examples=[DEAL_ANSWER]),
)
class DealViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Deal registrations. Partner users see their own and those shared with them; partner
    admins and managers their unit's; vendor staff those of the partners in their scope.
    Partner users register (create, submit, withdraw, won, lost, extend, share, dispute); the
    vendor's channel managers and admins decide (approve, reject, request information,
    reopen). Every move the lifecycle does not allow is a 409 ``illegal_transition`` that
    changes nothing."""

    serializer_class = DealOut
    filter_backends = [DjangoFilterBackend]
    filterset_class = DealFilter  # the vendor's deal pages filter with it too

    def get_queryset(self):
        # Not the list's (DealViewSet.list): the detail and the actions pick one id.
        deals = scope.deals_visible_to(self.request.user, one=True)
        if getattr(self, "action", None) not in (None, "retrieve"):
            # An action resolves the id in the caller's scope; its service reads (and
            # locks) what it needs, and the answer is read as rows (_out).
            return deals
        return (
            deals.select_related(
                "account", "partner", "submitter", "rejection_reason", "queued_behind", "dispute"
            )
            .prefetch_related(
                Prefetch("lines", queryset=DealLine.objects.select_related("product"))
            )
            .order_by("-created_at", "-id")
        )

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "now": server_now()}

    def list(self, request, *args, **kwargs):
        # The page read as rows and written as DealOut writes it (deals.api.deal_page); no
        # docstring: the schema describes the operation with the view's.
        deals = scope.deals_visible_to(request.user).order_by("-created_at", "-id")
        rows = self.paginate_queryset(PageRows(self.filter_queryset(deals)))
        assert rows is not None  # the API always paginates (REST_FRAMEWORK's settings)
        return self.get_paginated_response(deal_page(rows, now=server_now()))

    def _out(self, deal: Deal, code: int = status.HTTP_200_OK) -> Response:
        """The deal as DealOut writes it, read by id as rows (deals.api.deal_page): this
        request resolved it in the caller's scope (get_object), or created it for them."""
        rows = PageRows(Deal.objects.filter(pk=deal.pk))[0:1]
        return Response(deal_page(rows, now=server_now())[0], status=code)

    def _body(self, serializer_class: type[serializers.Serializer], request: Request) -> dict:
        # The bodies need the request (ids resolve in its user's scope), not DealOut's "now".
        context = super().get_serializer_context()
        return _valid(serializer_class(data=request.data, context=context))

    @extend_schema(
        summary="Register a deal (a draft, or submitted at once)",
        request=DealIn,
        responses={
            201: DealOut,
            409: OpenApiResponse(
                description="The customer is vendor-owned (`account_vendor_owned`), the "
                "partner already registered it for these products (`duplicate_registration`)."
            ),
        },
        examples=[
            OpenApiExample(
                "On an existing customer, submitted at once",
                request_only=True,
                value={
                    "account": 42,
                    "name": "Firewall refresh 2027",
                    "currency": "USD",
                    "expected_close_date": "2027-03-31",
                    "lines": [{"product": 5, "quantity": 3, "unit_price": "950.00"}],
                    "description": "Replaces 3 firewalls at the Berlin office.",
                    "submit": True,
                },
            ),
            OpenApiExample(
                "A draft on a new customer",
                request_only=True,
                value={
                    "new_account": {
                        "name": "Hooli Inc.",
                        "country": "US",
                        "domains": ["hooli.com"],
                    },
                    "name": "Backup for Hooli",
                    "currency": "USD",
                    "expected_close_date": "2027-06-30",
                    "lines": [{"product": 8, "quantity": 10, "unit_price": "99.00"}],
                },
            ),
            OpenApiExample(
                "The deal", value=DEAL_EXAMPLE, response_only=True, status_codes=["201"]
            ),
        ],
    )
    def create(self, request):
        require(request.user, "deals.register", "Only partner users register deals.")
        data = self._body(DealIn, request)
        lines = _lines(data.pop("lines"))
        submit = data.pop("submit")
        with transaction.atomic(durable=True):
            deal = services._deal_create(actor=request.user, lines=lines, **data)
            if submit:
                deal = services._deal_submit(actor=request.user, deal=deal)
        return self._out(deal, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change a draft (or a deal the vendor asked for more information on)",
        request=DealUpdateIn,
        responses={200: DealOut, 409: STATE_409},
        examples=[
            OpenApiExample(
                "New lines and close date",
                request_only=True,
                value={
                    "expected_close_date": "2027-04-30",
                    "lines": [{"product": 5, "quantity": 4, "unit_price": "925.00"}],
                },
            ),
            DEAL_ANSWER,
        ],
    )
    def partial_update(self, request, pk=None):
        deal = self.get_object()
        require(request.user, "deals.register", "Only partner users change deals.")
        data = self._body(DealUpdateIn, request)
        given = data.pop("lines", None)
        lines = None if given is None else _lines(given)
        deal = services.deal_update(actor=request.user, deal=deal, fields=data, lines=lines)
        return self._out(deal)

    @_action("Submit a draft, an answer to an information request, or a rejected deal again")
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        """Eligibility first (problems are field errors that say what to do), then the
        conflict check; the answer shows the conflicts found, the registration time and
        whether the deal is queued behind an earlier approved registration."""
        deal = self.get_object()
        require(request.user, "deals.register", "Only partner users submit deals.")
        return self._out(services.deal_submit(actor=request.user, deal=deal))

    @_action(
        "Approve",
        NoteIn,
        {"note": "Clean registration, customer confirmed."},
        conflict=OpenApiResponse(
            description="Not waiting for a decision (`illegal_transition`) or queued behind "
            "an earlier approved registration (`deal_queued`)."
        ),
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        """The registration protects the partner for the policy's protection period."""
        deal = self.get_object()
        require(request.user, "deals.decide", "You cannot decide deal registrations.")
        data = self._body(NoteIn, request)
        return self._out(services.deal_approve(actor=request.user, deal=deal, note=data["note"]))

    @_action(
        "Reject",
        RejectIn,
        {"reason_code": "duplicate", "note": "Contoso registered this customer first."},
    )
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        """With one of the tenant's reasons (``/api/v1/rejection-reasons/``)."""
        deal = self.get_object()
        require(request.user, "deals.decide", "You cannot decide deal registrations.")
        data = self._body(RejectIn, request)
        deal = services.deal_reject(actor=request.user, deal=deal, **data)
        return self._out(deal)

    @_action(
        "Ask the partner for more information",
        RequestInfoIn,
        {"note": "Which offices does the project cover?"},
    )
    @action(detail=True, methods=["post"], url_path="request-info")
    def request_info(self, request, pk=None):
        """The partner answers by changing the deal and submitting it again."""
        deal = self.get_object()
        require(request.user, "deals.decide", "You cannot decide deal registrations.")
        data = self._body(RequestInfoIn, request)
        deal = services.deal_request_info(actor=request.user, deal=deal, note=data["note"])
        return self._out(deal)

    @_action("Withdraw")
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        deal = self.get_object()
        require(request.user, "deals.register", "Only partner users withdraw deals.")
        return self._out(services.deal_withdraw(actor=request.user, deal=deal))

    @_action("Mark won", WonIn, {"closed_on": "2027-03-15", "final_amount": "2700.00"})
    @action(detail=True, methods=["post"])
    def won(self, request, pk=None):
        deal = self.get_object()
        require(request.user, "deals.register", "Only partner users mark deals won.")
        data = self._body(WonIn, request)
        return self._out(services.deal_won(actor=request.user, deal=deal, **data))

    @_action("Mark lost", ReasonIn, {"reason": "Lost on price to a competitor."})
    @action(detail=True, methods=["post"])
    def lost(self, request, pk=None):
        """The registrations queued behind this one are decided next."""
        deal = self.get_object()
        require(request.user, "deals.register", "Only partner users mark deals lost.")
        data = self._body(ReasonIn, request)
        return self._out(services.deal_lost(actor=request.user, deal=deal, reason=data["reason"]))

    @_action("Reopen a won or lost deal", ReasonIn, {"reason": "The customer reversed its order."})
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        """Vendor staff only: the deal is approved again, protected for the rest of its
        period (or a fresh one)."""
        deal = self.get_object()
        require(request.user, "deals.reopen", "Only vendor staff reopen deals.")
        data = self._body(ReasonIn, request)
        deal = services.deal_reopen(actor=request.user, deal=deal, reason=data["reason"])
        return self._out(deal)

    @_action(
        "Ask for a longer protection",
        conflict=OpenApiResponse(
            description="Not approved (`illegal_transition`), extended the most times the "
            "program allows (`extension_limit`) or asked already (`extension_pending`)."
        ),
    )
    @action(detail=True, methods=["post"])
    def extend(self, request, pk=None):
        """The vendor decides (a workflow approval); approved, the protection ends later by
        the policy's extension days."""
        deal = self.get_object()
        require(request.user, "deals.register", "Only partner users ask for extensions.")
        return self._out(services.deal_extend_request(actor=request.user, deal=deal))

    @_action(
        "Dispute a rejection for a conflict",
        DisputeIn,
        {"statement": "We met the customer in March; the minutes are on the deal's page."},
        conflict=OpenApiResponse(
            description="Not rejected (`illegal_transition`), rejected for another reason "
            "than a conflict (`not_disputable`) or disputed already (`already_disputed`)."
        ),
    )
    @action(detail=True, methods=["post"])
    def dispute(self, request, pk=None):
        """Once per deal. The manager of the channel manager's unit decides (upheld, or
        overturned: the deal is approved and takes priority); ``dispute`` in the answer
        says how it stands."""
        deal = self.get_object()
        require(request.user, "deals.register", "Only partner users dispute rejections.")
        data = self._body(DisputeIn, request)
        services.deal_dispute(actor=request.user, deal=deal, statement=data["statement"])
        return self._out(deal)

    @_action("Share with a colleague", ShareIn, {"user": 15})
    @action(detail=True, methods=["post"])
    def share(self, request, pk=None):
        """The colleague (a user of the same partner company) may then see the deal."""
        deal = self.get_object()
        require(request.user, "deals.share", "You cannot share deals.")
        data = self._body(ShareIn, request)
        return self._out(services.deal_share(actor=request.user, deal=deal, colleague=data["user"]))

    @extend_schema(
        summary="The conflicts found when the deal was last submitted",
        responses={200: ConflictOut(many=True)},
        examples=[OpenApiExample("A conflict", value=[CONFLICT_EXAMPLE], response_only=True)],
    )
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def conflicts(self, request, pk=None):
        """Each with its code, score (0-1), reasons and the competing deal; warnings (the
        same customer with other products) are listed last. The competing partner is named
        to vendor staff only."""
        deal = self.get_object()
        rows = DealConflict.objects.filter(deal=deal).select_related("competing_partner")
        context = {"see_competitors": can(request.user, "deals.see_competitors")}
        return Response(ConflictOut(rows, many=True, context=context).data)


@extend_schema_view(
    list=extend_schema(
        summary="The tenant's reasons for rejecting a registration",
        examples=[
            OpenApiExample(
                "Reasons",
                value=[{"code": "duplicate", "label": "Duplicate of an earlier registration"}],
                response_only=True,
            )
        ],
    )
)
class RejectionReasonViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The active reasons, in the tenant's order: ``reject/`` takes one's ``code``."""

    serializer_class = ReasonOut
    pagination_class = None

    def get_queryset(self):
        return RejectionReason.objects.filter(active=True).order_by("position", "label")


__all__ = [
    "ConflictOut",
    "DealIn",
    "DealOut",
    "DealUpdateIn",
    "DealViewSet",
    "DisputeOut",
    "RejectionReasonViewSet",
]
