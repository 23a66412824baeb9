"""REST API of the deals app: customer accounts (+ lookup) and reservations. Views read
through deals.scope / deals.selectors and write through deals.services; ``api_urls`` is
included by prm/urls.py through deals/urls.py."""

from django.urls import URLPattern, URLResolver, include, path
from rest_framework.routers import SimpleRouter

from deals.api.accounts import AccountIn, AccountOut, AccountViewSet, LookupOut
from deals.api.reservations import ReservationIn, ReservationOut, ReservationViewSet

router = SimpleRouter()
router.register("accounts", AccountViewSet, basename="api-account")
router.register("reservations", ReservationViewSet, basename="api-reservation")

api_urls: list[URLPattern | URLResolver] = [path("", include(router.urls))]

__all__ = [
    "AccountIn",
    "AccountOut",
    "AccountViewSet",
    "LookupOut",
    "ReservationIn",
    "ReservationOut",
    "ReservationViewSet",
    "api_urls",
    "router",
]
