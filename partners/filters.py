"""The filters of the partner list, once: the API (``GET /api/v1/partners/``) and the
portal page (``/partners/``) both filter with ``PartnerFilter``, so a parameter means the
same thing in both.

``?status=`` is the status value (an unknown one matches nothing), ``?tier=`` the tier's
name in any case, ``?q=`` a part of the display or legal name. Empty values filter
nothing."""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet

from partners.models import Partner


class PartnerFilter(django_filters.FilterSet):
    # CharFilter, not ChoiceFilter: an unknown status matches no partner (a ChoiceFilter
    # would drop it as invalid and list every partner).
    status = django_filters.CharFilter(field_name="status")
    tier = django_filters.CharFilter(field_name="tier__name", lookup_expr="iexact")
    q = django_filters.CharFilter(method="name_contains")

    class Meta:
        model = Partner
        fields: list[str] = []  # the three above, nothing generated from the model

    def name_contains(self, queryset: QuerySet[Partner], name: str, value: str):
        return queryset.filter(Q(display_name__icontains=value) | Q(legal_name__icontains=value))
