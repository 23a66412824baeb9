"""API of MDF funds and their ledger: funds (a partner's share of a program, or its shared
pool) with their figures, each fund's ledger entries, and the reversal of an entry (the
only correction the ledger knows)."""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet
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

from incentives import scope, services
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
from incentives.models import Fund, LedgerEntry

# --- output -------------------------------------------------------------------------------


class FundOut(serializers.ModelSerializer):
    """A fund's figures, in the program's currency: ``available`` = allocated - committed -
    payable - paid, never below zero."""

    program = serializers.SerializerMethodField()
    partner = serializers.SerializerMethodField()
    currency = serializers.CharField(source="program.currency", read_only=True)
    allocated = amount_out(help_text="Given to the fund.")
    committed = amount_out(help_text="Set aside for approved requests not yet claimed.")
    payable = amount_out(help_text="Approved claims not yet paid.")
    paid = amount_out(help_text="Paid out.")
    available = amount_out(help_text="What new requests can still be approved for.")

    class Meta:
        model = Fund
        fields = [
            "id",
            "program",
            "partner",
            "currency",
            "allocated",
            "committed",
            "payable",
            "paid",
            "available",
        ]
        read_only_fields = fields

    @extend_schema_field(Ref())
    def get_program(self, fund: Fund) -> dict | None:
        return _ref(fund.program)

    @extend_schema_field(Ref(allow_null=True, help_text="Null: the program's shared pool."))
    def get_partner(self, fund: Fund) -> dict | None:
        return _ref(fund.partner, "display_name")


class LedgerEntryOut(serializers.ModelSerializer):
    """One movement of a fund's money, each figure moved by a signed amount."""

    fund = serializers.IntegerField(source="fund_id", read_only=True)
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    allocated = amount_out()
    committed = amount_out()
    payable = amount_out()
    paid = amount_out()
    reference = serializers.CharField(
        read_only=True, help_text='What it is about, e.g. "mdf_request:12".'
    )
    actor = serializers.SerializerMethodField(help_text="Who made the movement.")
    reverses = serializers.IntegerField(
        source="reverses_id",
        allow_null=True,
        read_only=True,
        help_text="The entry this one reverses.",
    )
    reversed_by = serializers.SerializerMethodField()

    class Meta:
        model = LedgerEntry
        fields = [
            "id",
            "fund",
            "kind",
            "kind_label",
            "currency",
            "allocated",
            "committed",
            "payable",
            "paid",
            "memo",
            "reference",
            "actor",
            "created_at",
            "reverses",
            "reversed_by",
        ]
        read_only_fields = fields

    @ref_or_null
    def get_actor(self, entry: LedgerEntry) -> dict | None:
        return person(entry.actor, self.context)

    @extend_schema_field(
        serializers.IntegerField(allow_null=True, help_text="The entry that reverses this one.")
    )
    def get_reversed_by(self, entry: LedgerEntry) -> int | None:
        try:
            return entry.reversed_by.pk
        except LedgerEntry.DoesNotExist:
            return None


class MemoIn(serializers.Serializer):
    memo = serializers.CharField(
        max_length=300, allow_blank=True, help_text="Why the entry is reversed."
    )


# --- filters ------------------------------------------------------------------------------


class FundFilter(django_filters.FilterSet):
    program = django_filters.NumberFilter(field_name="program_id", help_text="A program's id.")
    partner = django_filters.NumberFilter(field_name="partner_id", help_text="A partner's id.")

    class Meta:
        model = Fund
        fields: list[str] = []


class EntryFilter(django_filters.FilterSet):
    fund = django_filters.NumberFilter(field_name="fund_id", help_text="A fund's id.")

    class Meta:
        model = LedgerEntry
        fields: list[str] = []


def entry_rows(entries: QuerySet[LedgerEntry]) -> QuerySet[LedgerEntry]:
    """Entries as the API shows them, newest first."""
    return entries.select_related("actor", "reversed_by").order_by("-created_at", "-id")


# --- the views ----------------------------------------------------------------------------

FUND_EXAMPLE = {
    "id": 12,
    "program": {"id": 4, "name": "2027 Q1 MDF"},
    "partner": {"id": 3, "name": "Northwind Berlin"},
    "currency": "USD",
    "allocated": "10000.00",
    "committed": "3000.00",
    "payable": "1500.00",
    "paid": "2000.00",
    "available": "3500.00",
}
ENTRY_EXAMPLE = {
    "id": 40,
    "fund": 12,
    "kind": "commit",
    "kind_label": "Committed to an approved request",
    "currency": "USD",
    "allocated": "0.00",
    "committed": "3000.00",
    "payable": "0.00",
    "paid": "0.00",
    "memo": "",
    "reference": "mdf_request:7",
    "actor": {"id": 2, "name": "cam@acme.example"},
    "created_at": "2027-01-10T10:00:00Z",
    "reverses": None,
    "reversed_by": None,
}


@extend_schema_view(
    list=extend_schema(summary="MDF funds the caller sees"),
    retrieve=extend_schema(
        summary="An MDF fund and its figures",
        examples=[OpenApiExample("A fund", value=FUND_EXAMPLE, response_only=True)],
    ),
)
class FundViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Funds: a partner's share of a program (or the program's shared pool, vendor staff
    only) with its figures. Partners see their own company's funds; channel managers those
    of the partners in their scope; admins and finance every fund."""

    serializer_class = FundOut
    filter_backends = [DjangoFilterBackend]
    filterset_class = FundFilter

    def get_queryset(self):
        return (
            scope.funds_visible_to(caller(self.request))
            .select_related("program", "partner")
            .order_by("-program__starts_on", "program__name", "partner__display_name", "id")
        )

    @extend_schema(
        summary="A fund's ledger entries, newest first",
        filters=False,
        responses={200: LedgerEntryOut(many=True)},
    )
    @action(detail=True, methods=["get"], filter_backends=[])
    def entries(self, request, pk=None):
        """Every movement of the fund's money: allocations, commitments of approved
        requests, releases, approved claims, payments and reversals."""
        fund = self.get_object()
        rows = entry_rows(scope.entries_visible_to(caller(request)).filter(fund=fund))
        page = self.paginate_queryset(rows)
        out = LedgerEntryOut(page, many=True, context=self.get_serializer_context())
        return self.get_paginated_response(out.data)


@extend_schema_view(
    list=extend_schema(summary="Ledger entries of the funds the caller sees, newest first"),
    retrieve=extend_schema(
        summary="A ledger entry",
        examples=[OpenApiExample("An entry", value=ENTRY_EXAMPLE, response_only=True)],
    ),
)
class LedgerEntryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The MDF ledger: entries are never changed or deleted; a correction is the entry's
    reversal (vendor admins and finance)."""

    serializer_class = LedgerEntryOut
    filter_backends = [DjangoFilterBackend]
    filterset_class = EntryFilter
    permission_classes = [Capability]
    capabilities = {
        "reverse": ("mdf.reverse", "Only vendor admins and finance correct the MDF ledger.")
    }

    def get_queryset(self):
        return entry_rows(scope.entries_visible_to(caller(self.request)))

    @extend_schema(
        summary="Reverse an entry",
        request=MemoIn,
        responses={
            201: LedgerEntryOut,
            409: OpenApiResponse(
                description="Reversed already (`already_reversed`), a reversal itself "
                "(`conflict`), or the fund's balance would go below zero "
                "(`insufficient_funds`): nothing written."
            ),
        },
        examples=[
            OpenApiExample("Why", request_only=True, value={"memo": "Approved twice by mistake"}),
            OpenApiExample(
                "The reversal",
                response_only=True,
                status_codes=["201"],
                value={
                    **ENTRY_EXAMPLE,
                    "id": 41,
                    "kind": "reverse",
                    "kind_label": "Reversed",
                    "committed": "-3000.00",
                    "memo": "Approved twice by mistake",
                    "reverses": 40,
                },
            ),
        ],
    )
    @action(detail=True, methods=["post"])
    def reverse(self, request, pk=None):
        """Write the entry's opposite, naming it (an entry is reversed once); the fund's
        figures move back."""
        entry = self.get_object()
        data = body(MemoIn(data=request.data))
        reversal = services.entry_reverse(actor=request.user, entry=entry, memo=data["memo"])
        row = self.get_queryset().get(pk=reversal.pk)
        out = LedgerEntryOut(row, context=self.get_serializer_context())
        return Response(out.data, status=status.HTTP_201_CREATED)
