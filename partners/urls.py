from django.urls import URLPattern, URLResolver, include, path
from rest_framework.routers import SimpleRouter

from partners import api

router = SimpleRouter()
router.register("org-units", api.OrgUnitViewSet, basename="org-unit")
router.register("partners", api.PartnerViewSet, basename="partner")
router.register("users", api.UserViewSet, basename="user")
router.register("agreements", api.AgreementViewSet, basename="agreement")

api_urls: list[URLPattern | URLResolver] = [
    path("me/", api.MeApi.as_view(), name="api-me"),
    path("partners/search/", api.PartnerSearchApi.as_view(), name="partner-search"),
    path("audit/", api.AuditApi.as_view(), name="audit"),
    path("", include(router.urls)),
]
