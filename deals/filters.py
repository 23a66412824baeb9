"""The filters of the vendor's account list and of the product catalogue.

Accounts: the filters of the vendor's account list (``/accounts/`` and its CSV export), once.

``?q=`` a part of the name or of a domain, ``?country=`` a country code, ``?vendor_owned=``
and ``?reserved=`` ``yes`` or ``no``, ``?parent=top`` the top-level companies only or
``?parent=<id>`` the offices and subsidiaries directly under that account (one in the
caller's scope). Empty values filter nothing; an unknown value matches nothing. The page
and the API (deals.api.accounts) filter with it. ``DealFilter`` below: the deal lists'."""

from __future__ import annotations

import django_filters
from django.db.models import Exists, OuterRef, Q, QuerySet

from deals.models import AccountDomain, CustomerAccount, Deal, DealLine, DealStatus, Product
from partners.models import Partner

YES_NO = {"yes": True, "no": False}


class AccountFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="name_or_domain")
    country = django_filters.CharFilter(method="in_country")
    vendor_owned = django_filters.CharFilter(method="is_vendor_owned")
    reserved = django_filters.CharFilter(method="is_reserved")
    parent = django_filters.CharFilter(method="under")

    class Meta:
        model = CustomerAccount
        fields: list[str] = []

    def name_or_domain(self, queryset: QuerySet[CustomerAccount], name: str, value: str):
        value = value.strip()
        domain = AccountDomain.objects.filter(
            account=OuterRef("pk"), domain__icontains=value.lower()
        )
        return queryset.filter(Q(name__icontains=value) | Exists(domain))

    def in_country(self, queryset: QuerySet[CustomerAccount], name: str, value: str):
        return queryset.filter(country=value.strip().upper())

    def is_vendor_owned(self, queryset: QuerySet[CustomerAccount], name: str, value: str):
        if value not in YES_NO:
            return queryset.none()
        return queryset.filter(vendor_owned=YES_NO[value])

    def is_reserved(self, queryset: QuerySet[CustomerAccount], name: str, value: str):
        """Needs the ``reserved`` annotation of deals.selectors.account_list_queryset."""
        if value not in YES_NO:
            return queryset.none()
        return queryset.filter(reserved=YES_NO[value])

    def under(self, queryset: QuerySet[CustomerAccount], name: str, value: str):
        if value == "top":
            return queryset.filter(depth=1)
        if not value.isdigit():
            return queryset.none()
        # Looked up in the filter's own (scoped) queryset, before the other filters: an
        # account out of the caller's scope is no parent, as a missing one.
        parent = self.queryset.filter(pk=int(value)).values("path", "depth").first()
        if parent is None:
            return queryset.none()
        return queryset.filter(path__startswith=parent["path"], depth=parent["depth"] + 1)


class ProductFilter(django_filters.FilterSet):
    """The filters of the catalogue (``/products/``, its CSV export and the API):
    ``?q=`` a part of the SKU or the name, ``?line=`` a product line's id, ``?active=``
    ``yes`` or ``no``. Empty values filter nothing; an unknown value matches nothing."""

    q = django_filters.CharFilter(method="sku_or_name")
    line = django_filters.CharFilter(method="in_line")
    active = django_filters.CharFilter(method="is_active")

    class Meta:
        model = Product
        fields: list[str] = []

    def sku_or_name(self, queryset: QuerySet[Product], name: str, value: str):
        value = value.strip()
        return queryset.filter(Q(sku__icontains=value) | Q(name__icontains=value))

    def in_line(self, queryset: QuerySet[Product], name: str, value: str):
        if not value.strip().isdigit():
            return queryset.none()
        return queryset.filter(line_id=int(value))

    def is_active(self, queryset: QuerySet[Product], name: str, value: str):
        """Active: the product and its line (a product of an inactive line is not sold)."""
        if value not in YES_NO:
            return queryset.none()
        if YES_NO[value]:
            return queryset.filter(active=True, line__active=True)
        return queryset.filter(Q(active=False) | Q(line__active=False))


class DealFilter(django_filters.FilterSet):
    """The filters of deal lists (the API's ``/api/v1/deals/`` and the vendor's deal
    pages): ``?status=`` (repeatable), ``?partner=<id>`` (that partner and its units),
    ``?account=<id>``, ``?product_line=<id>`` (a deal with a line of it), ``?q=`` a part
    of the opportunity's or the customer's name, and the date ranges
    ``?registered_after=`` / ``?registered_before=`` and ``?close_after=`` /
    ``?close_before=`` (ISO dates, both ends included). Filters apply within the caller's
    scope (the queryset given), so a partner or an account out of it matches nothing."""

    status = django_filters.MultipleChoiceFilter(choices=DealStatus.choices)
    partner = django_filters.CharFilter(method="of_partner")
    account = django_filters.CharFilter(method="of_account")
    product_line = django_filters.CharFilter(method="with_product_line")
    q = django_filters.CharFilter(method="name_contains")
    registered = django_filters.DateFromToRangeFilter(field_name="registered_at")
    close = django_filters.DateFromToRangeFilter(field_name="expected_close_date")

    class Meta:
        model = Deal
        fields: list[str] = []

    def of_partner(self, queryset: QuerySet[Deal], name: str, value: str):
        pk = _id(value)
        path = Partner.objects.filter(pk=pk).values_list("path", flat=True).first() if pk else None
        if path is None:
            return queryset.none()
        return queryset.filter(partner__path__startswith=path)

    def of_account(self, queryset: QuerySet[Deal], name: str, value: str):
        pk = _id(value)
        return queryset.filter(account_id=pk) if pk else queryset.none()

    def with_product_line(self, queryset: QuerySet[Deal], name: str, value: str):
        pk = _id(value)
        if pk is None:
            return queryset.none()
        lines = DealLine.objects.filter(deal=OuterRef("pk"), product__line_id=pk)
        return queryset.filter(Exists(lines))

    def name_contains(self, queryset: QuerySet[Deal], name: str, value: str):
        value = value.strip()
        return queryset.filter(Q(name__icontains=value) | Q(account__name__icontains=value))


def _id(value: str) -> int | None:
    """An id given in a query string; None when it cannot be one (it matches nothing)."""
    value = value.strip()
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 18 else None
