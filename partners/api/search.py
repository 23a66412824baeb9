"""API of the partner search: partners by skill, country and tier, ranked
(partners.selectors.partner_search)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.generics import ListAPIView

from partners.api.partners import PartnerOut
from partners.selectors import partner_search


class SearchResult(PartnerOut):
    score = serializers.FloatField()
    certified_people = serializers.IntegerField()

    class Meta(PartnerOut.Meta):
        fields = [*PartnerOut.Meta.fields, "score", "certified_people"]


class PartnerSearchApi(ListAPIView):
    """A paginated list, like every other list of the API."""

    serializer_class = SearchResult

    @extend_schema(
        parameters=[
            OpenApiParameter("skill", OpenApiTypes.STR, description="competency name"),
            OpenApiParameter("country", OpenApiTypes.STR, description="ISO 3166 code, e.g. DE"),
            OpenApiParameter("tier", OpenApiTypes.STR, description="tier name"),
        ],
    )
    def get(self, request, *args, **kwargs):
        """Partners by skill + geography + tier, ranked (certified people, tier, freshness)."""
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        params = self.request.query_params
        return partner_search(
            self.request.user,
            skill=params.get("skill", ""),
            country=params.get("country", ""),
            tier=params.get("tier", ""),
        )
