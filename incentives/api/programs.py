"""API of MDF programs: list and read (vendor staff every program, partners those they
have a fund in), create, preview an allocation rule and allocate (by the rule, or by hand
to one partner or the shared pool). Each write is an input serializer, one service
(incentives.services), the answer read again through the caller's scope."""

from __future__ import annotations

from typing import Any

from django.db.models import DecimalField, OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce
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

from incentives import scope, services
from incentives.api._common import Capability, Ref, _ref, amount_in, amount_out, body, caller
from incentives.api.funds import LedgerEntryOut
from incentives.models import ZERO, Fund, MdfProgram, PeriodKind
from partners.scope import partners_visible_to
from prm.api_input import ScopedPrimaryKeyField
from prm.money import DECIMAL_PLACES, MAX_DIGITS, Money, is_currency

CONFIGURE = ("mdf.configure", "Only vendor admins set up MDF programs and allocations.")


# --- output -------------------------------------------------------------------------------


class ProgramOut(serializers.ModelSerializer):
    """A program; its budget and what is allocated of it are the vendor's (null to
    partners)."""

    period_kind_label = serializers.CharField(source="get_period_kind_display", read_only=True)
    budget = serializers.SerializerMethodField()
    allocated = serializers.SerializerMethodField()

    class Meta:
        model = MdfProgram
        fields = [
            "id",
            "name",
            "period_kind",
            "period_kind_label",
            "starts_on",
            "ends_on",
            "currency",
            "budget",
            "allocated",
            "shared_pool",
            "active",
            "created_at",
        ]
        read_only_fields = fields

    def _vendor(self) -> bool:
        request = self.context.get("request")
        return bool(request and request.user.is_vendor_side)

    @extend_schema_field(amount_out(allow_null=True, help_text="Null to partners."))
    def get_budget(self, program: MdfProgram) -> Any:
        return amount_out().to_representation(program.budget) if self._vendor() else None

    @extend_schema_field(
        amount_out(allow_null=True, help_text="Allocated to the funds so far; null to partners.")
    )
    def get_allocated(self, program: MdfProgram) -> Any:
        if not self._vendor():
            return None
        given = getattr(program, "allocated_total", None)
        return amount_out().to_representation(ZERO if given is None else given)


class ProposedRowOut(serializers.Serializer):
    partner = Ref()
    won = amount_out(help_text="The partner's won revenue in the rule's period.")
    amount = amount_out(help_text="What the rule allocates to the partner.")


class AllocationPreviewOut(serializers.Serializer):
    currency = serializers.CharField()
    total = amount_out(help_text="What the rule allocates in all.")
    budget_left = amount_out(help_text="What the program's budget has left to allocate.")
    fits = serializers.BooleanField(help_text="Whether the budget left covers the total.")
    rows = ProposedRowOut(many=True)


class AllocationOut(serializers.Serializer):
    currency = serializers.CharField()
    total = amount_out()
    entries = LedgerEntryOut(many=True)


# --- input --------------------------------------------------------------------------------


class ProgramIn(serializers.Serializer):
    name = serializers.CharField(
        max_length=MdfProgram._meta.get_field("name").max_length, allow_blank=True
    )
    period_kind = serializers.ChoiceField(choices=PeriodKind.choices)
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    currency = serializers.CharField(max_length=3, help_text="ISO 4217, e.g. USD.")
    budget = amount_in(help_text='A decimal string, e.g. "150000.00".')
    shared_pool = serializers.BooleanField(default=False)


class RuleIn(serializers.Serializer):
    """The rule "``percent`` of each active partner's won revenue from ``since`` to
    ``until``" (in the program's currency; cents rounded down)."""

    percent = serializers.DecimalField(5, 2, help_text='Above 0 and at most 100, e.g. "3.00".')
    since = serializers.DateField(help_text="First day of the period whose won deals count.")
    until = serializers.DateField(help_text="Last day of that period.")


class AllocateIn(serializers.Serializer):
    """Either the rule (``percent``, ``since``, ``until``; what the preview showed), or one
    allocation by hand: ``amount`` to ``partner`` (null: the program's shared pool)."""

    percent = serializers.DecimalField(5, 2, required=False, help_text="The rule's percentage.")
    since = serializers.DateField(required=False)
    until = serializers.DateField(required=False)
    partner = ScopedPrimaryKeyField(
        selector=partners_visible_to,
        required=False,
        allow_null=True,
        help_text="By hand: the partner's id; null for the program's shared pool.",
    )
    amount = amount_in(required=False)
    currency = serializers.CharField(
        max_length=3, required=False, help_text="By hand: default the program's currency."
    )
    memo = serializers.CharField(max_length=300, required=False, default="", allow_blank=True)

    def validate_currency(self, value: str) -> str:
        if not is_currency(value):
            raise serializers.ValidationError("Enter a currency code such as USD or EUR.")
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        by_rule = "percent" in attrs
        if by_rule:
            if "amount" in attrs or "partner" in attrs:
                raise serializers.ValidationError(
                    {"percent": ["Allocate by the rule or by hand, not both."]}
                )
            missing = {
                name: ["Enter the first and last day of the period whose won deals count."]
                for name in ("since", "until")
                if name not in attrs
            }
            if missing:
                raise serializers.ValidationError(missing)
        elif "amount" not in attrs:
            raise serializers.ValidationError(
                {"amount": ["Enter the amount to allocate to a partner, or a rule's percentage."]}
            )
        elif "partner" not in attrs:
            raise serializers.ValidationError(
                {"partner": ["Choose the partner (null for the program's shared pool)."]}
            )
        return attrs


# --- the views ----------------------------------------------------------------------------

PROGRAM_EXAMPLE = {
    "id": 4,
    "name": "2027 Q1 MDF",
    "period_kind": "quarter",
    "period_kind_label": "Quarter",
    "starts_on": "2027-01-01",
    "ends_on": "2027-03-31",
    "currency": "USD",
    "budget": "150000.00",
    "allocated": "42500.00",
    "shared_pool": False,
    "active": True,
    "created_at": "2026-12-01T09:00:00Z",
}
BUDGET_409 = OpenApiResponse(
    description="The program's budget cannot cover it (`budget_exceeded`): nothing allocated."
)


@extend_schema_view(
    list=extend_schema(summary="MDF programs the caller sees"),
    retrieve=extend_schema(
        summary="An MDF program",
        examples=[OpenApiExample("A program", value=PROGRAM_EXAMPLE, response_only=True)],
    ),
)
class ProgramViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """MDF programs, each for one period with its budget in one currency. Vendor staff see
    every program, partners those they have a fund in (without the budget). Vendor admins
    create programs and allocate their budget to partners' funds."""

    serializer_class = ProgramOut
    permission_classes = [Capability]
    capabilities = {
        "create": CONFIGURE,
        "allocation_preview": CONFIGURE,
        "allocate": CONFIGURE,
    }

    def get_queryset(self):
        allocated = (
            Fund.objects.filter(program=OuterRef("pk"))
            .order_by()
            .values("program")
            .annotate(total=Sum("allocated"))
            .values("total")
        )
        return (
            scope.programs_visible_to(caller(self.request))
            .annotate(
                allocated_total=Coalesce(
                    Subquery(allocated),
                    ZERO,
                    output_field=DecimalField(max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES),
                )
            )
            .order_by("-starts_on", "name", "id")
        )

    def _out(self, program: MdfProgram, code: int = status.HTTP_200_OK) -> Response:
        row = self.get_queryset().get(pk=program.pk)
        return Response(ProgramOut(row, context=self.get_serializer_context()).data, status=code)

    @extend_schema(
        summary="Create an MDF program",
        request=ProgramIn,
        responses={201: ProgramOut},
        examples=[
            OpenApiExample(
                "A quarter",
                request_only=True,
                value={
                    "name": "2027 Q1 MDF",
                    "period_kind": "quarter",
                    "starts_on": "2027-01-01",
                    "ends_on": "2027-03-31",
                    "currency": "USD",
                    "budget": "150000.00",
                    "shared_pool": False,
                },
            )
        ],
    )
    def create(self, request):
        data = body(ProgramIn(data=request.data))
        program = services.program_create(actor=request.user, **data)
        return self._out(program, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Preview an allocation rule (nothing is written)",
        request=RuleIn,
        responses={200: AllocationPreviewOut},
        examples=[
            OpenApiExample(
                "3% of last quarter's won revenue",
                request_only=True,
                value={"percent": "3.00", "since": "2026-10-01", "until": "2026-12-31"},
            ),
            OpenApiExample(
                "The rows",
                response_only=True,
                value={
                    "currency": "USD",
                    "total": "4500.00",
                    "budget_left": "107500.00",
                    "fits": True,
                    "rows": [
                        {
                            "partner": {"id": 3, "name": "Northwind Berlin"},
                            "won": "150000.00",
                            "amount": "4500.00",
                        }
                    ],
                },
            ),
        ],
    )
    @action(detail=True, methods=["post"], url_path="allocation-preview")
    def allocation_preview(self, request, pk=None):
        """What the rule "percent of each active partner's won revenue in the period" would
        allocate, the largest first. Revenue in another currency than the program's counts
        converted at the tenant's exchange rate in force today; without a rate it is not
        counted."""
        program = self.get_object()
        data = body(RuleIn(data=request.data))
        rows = services.allocation_preview(program=program, **data)
        total = sum((r.amount for r in rows), ZERO)
        left = program.budget - program.allocated_total  # annotated by get_queryset
        answer = {
            "currency": program.currency,
            "total": total,
            "budget_left": left,
            "fits": total <= left,
            "rows": [
                {"partner": _ref(r.partner, "display_name"), "won": r.won, "amount": r.amount}
                for r in rows
            ],
        }
        return Response(AllocationPreviewOut(answer).data)

    @extend_schema(
        summary="Allocate: by the rule, or an amount to one partner by hand",
        request=AllocateIn,
        responses={201: AllocationOut, 409: BUDGET_409},
        examples=[
            OpenApiExample(
                "By the rule",
                request_only=True,
                value={"percent": "3.00", "since": "2026-10-01", "until": "2026-12-31"},
            ),
            OpenApiExample(
                "By hand",
                request_only=True,
                value={"partner": 3, "amount": "5000.00", "memo": "Launch support"},
            ),
        ],
    )
    @action(detail=True, methods=["post"])
    def allocate(self, request, pk=None):
        """By the rule: every row of the preview or none (the budget must cover them all).
        By hand: the amount to the partner's fund (made if it has none) or the shared pool.
        Each allocation is a ledger entry."""
        program = self.get_object()
        data = body(AllocateIn(data=request.data, context=self.get_serializer_context()))
        if "percent" in data:
            entries = services.allocation_apply(
                actor=request.user,
                program=program,
                percent=data["percent"],
                since=data["since"],
                until=data["until"],
            )
        else:
            amount = Money(data["amount"], data.get("currency") or program.currency)
            entries = [
                services.fund_allocate(
                    actor=request.user,
                    program=program,
                    partner=data["partner"],
                    amount=amount,
                    memo=data["memo"],
                )
            ]
        rows = (
            scope.entries_visible_to(caller(request))
            .filter(pk__in=[e.pk for e in entries])
            .select_related("fund__program", "fund__partner", "actor", "reverses")
            .order_by("id")
        )
        answer = {
            "currency": program.currency,
            "total": sum((e.allocated for e in entries), ZERO),
            "entries": rows,
        }
        out = AllocationOut(answer, context=self.get_serializer_context())
        return Response(out.data, status=status.HTTP_201_CREATED)
