"""REST API of the deals app: customer accounts (+ lookup), reservations, the product
catalogue (products, product lines), deal registrations and the rejection reasons. Views
read through deals.scope / deals.selectors and write through deals.services; ``api_urls``
is included by prm/urls.py through deals/urls.py."""

from django.urls import URLPattern, URLResolver, include, path
from rest_framework.routers import SimpleRouter

from deals.api.accounts import AccountIn, AccountOut, AccountViewSet, LookupOut
from deals.api.deals import DealIn, DealOut, DealViewSet, RejectionReasonViewSet
from deals.api.products import (
    ProductIn,
    ProductLineOut,
    ProductLineViewSet,
    ProductOut,
    ProductViewSet,
)
from deals.api.reservations import ReservationIn, ReservationOut, ReservationViewSet

router = SimpleRouter()
router.register("accounts", AccountViewSet, basename="api-account")
router.register("reservations", ReservationViewSet, basename="api-reservation")
router.register("products", ProductViewSet, basename="api-product")
router.register("product-lines", ProductLineViewSet, basename="api-product-line")
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
    "ProductIn",
    "ProductLineOut",
    "ProductLineViewSet",
    "ProductOut",
    "ProductViewSet",
    "RejectionReasonViewSet",
    "ReservationIn",
    "ReservationOut",
    "ReservationViewSet",
    "api_urls",
    "router",
]
