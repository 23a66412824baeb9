"""REST API of the deals app: customer accounts (+ lookup), reservations, deal
registrations and the rejection reasons. Views read
through deals.scope / deals.selectors and write through deals.services; ``api_urls`` is
included by prm/urls.py through deals/urls.py."""

from django.urls import URLPattern, URLResolver, include, path
from rest_framework.routers import SimpleRouter

from deals.api.accounts import AccountIn, AccountOut, AccountViewSet, LookupOut
from deals.api.deals import DealIn, DealOut, DealViewSet, RejectionReasonViewSet
from deals.api.reservations import ReservationIn, ReservationOut, ReservationViewSet

router = SimpleRouter()
router.register("accounts", AccountViewSet, basename="api-account")
router.register("reservations", ReservationViewSet, basename="api-reservation")
# Deal registrations (issue 13, point 12).
router.register("deals", DealViewSet, basename="api-deal")
router.register("rejection-reasons", RejectionReasonViewSet, basename="api-rejection-reason")

api_urls: list[URLPattern | URLResolver] = [path("", include(router.urls))]

__all__ = [
    "AccountIn",
    "AccountOut",
    "AccountViewSet",
    "DealIn",
    "DealOut",
    "DealViewSet",
    "LookupOut",
    "RejectionReasonViewSet",
    "ReservationIn",
    "ReservationOut",
    "ReservationViewSet",
    "api_urls",
    "router",
]
