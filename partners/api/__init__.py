"""REST API of the partners app: org units, partners (+ search), users, agreements, audit.
Views read through partners.scope and partners.selectors and write through partners.services.

One module per resource; this package holds the router and ``api_urls`` (included by
prm/urls.py through partners/urls.py) and re-exports the names other code imports."""

from django.urls import URLPattern, URLResolver, include, path
from rest_framework.routers import SimpleRouter

from partners.api.agreements import AgreementIn, AgreementOut, AgreementViewSet
from partners.api.audit import AUDITED, AuditApi, AuditEntry, audit_trail
from partners.api.org_units import OrgUnitIn, OrgUnitOut, OrgUnitViewSet
from partners.api.partners import (
    CertificationIO,
    ContactIO,
    LocationIn,
    LocationOut,
    PartnerDetailsMixin,
    PartnerIn,
    PartnerOut,
    PartnerViewSet,
    PlanIO,
    StatusIn,
)
from partners.api.search import PartnerSearchApi, SearchResult
from partners.api.users import MeApi, MeOut, UserIn, UserOut, UserViewSet
from partners.selectors import STALENESS_PENALTY, partner_queryset, partner_search, user_queryset

router = SimpleRouter()
router.register("org-units", OrgUnitViewSet, basename="api-org-unit")
router.register("partners", PartnerViewSet, basename="api-partner")
router.register("users", UserViewSet, basename="api-user")
router.register("agreements", AgreementViewSet, basename="api-agreement")

api_urls: list[URLPattern | URLResolver] = [
    path("me/", MeApi.as_view(), name="api-me"),
    path("partners/search/", PartnerSearchApi.as_view(), name="partner-search"),
    path("audit/", AuditApi.as_view(), name="audit"),
    path("", include(router.urls)),
]

__all__ = [
    "AUDITED",
    "STALENESS_PENALTY",
    "AgreementIn",
    "AgreementOut",
    "AgreementViewSet",
    "AuditApi",
    "AuditEntry",
    "CertificationIO",
    "ContactIO",
    "LocationIn",
    "LocationOut",
    "MeApi",
    "MeOut",
    "OrgUnitIn",
    "OrgUnitOut",
    "OrgUnitViewSet",
    "PartnerDetailsMixin",
    "PartnerIn",
    "PartnerOut",
    "PartnerSearchApi",
    "PartnerViewSet",
    "PlanIO",
    "SearchResult",
    "StatusIn",
    "UserIn",
    "UserOut",
    "UserViewSet",
    "api_urls",
    "audit_trail",
    "partner_queryset",
    "partner_search",
    "router",
    "user_queryset",
]
