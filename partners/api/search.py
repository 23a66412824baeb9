"""API of the partner search: partners by skill, country and tier, ranked
(partners.selectors.partner_search)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.views import APIView

from partners.api.partners import PartnerOut
from partners.selectors import partner_search
from prm.api import Pagination


class SearchResult(PartnerOut):
    score = serializers.FloatField()
    certified_people = serializers.IntegerField()

    class Meta(PartnerOut.Meta):
        fields = [*PartnerOut.Meta.fields, "score", "certified_people"]


class PartnerSearchApi(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("skill", OpenApiTypes.STR, description="competency name"),
            OpenApiParameter("country", OpenApiTypes.STR, description="ISO 3166 code, e.g. DE"),
            OpenApiParameter("tier", OpenApiTypes.STR, description="tier name"),
        ],
        responses={200: SearchResult(many=True)},
    )
    def get(self, request):
        """Partners by skill + geography + tier, ranked (certified people, tier, freshness)."""
        params = request.query_params
        results = partner_search(
            request.user,
            skill=params.get("skill", ""),
            country=params.get("country", ""),
            tier=params.get("tier", ""),
        )
        paginator = Pagination()
        page = paginator.paginate_queryset(results, request, view=self)
        return paginator.get_paginated_response(SearchResult(page, many=True).data)
