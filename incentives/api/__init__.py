"""REST API of the incentives app under /api/v1/mdf/: programs (+ allocation preview and
allocation), funds (+ their ledger entries), ledger entries (+ reversal) and fund
requests (+ their lifecycle's actions). Views read through incentives.scope and write
through incentives.services / incentives.requests; ``api_urls`` is included by prm/urls.py
through incentives/urls.py. Claims (+ documents,
approve, reject, withdraw), payouts (+ approve, export, mark-paid, fail, reverse, the
payment confirmation file), payment batches (+ their CSV) and the tenant's exchange
rates sit beside them; SPIFFs and rewards have their own URL list (``spiffs.spiff_api_urls``)."""

from django.urls import URLPattern, URLResolver, include, path
from rest_framework.routers import SimpleRouter

from incentives.api.claims import ClaimIn, ClaimOut, ClaimViewSet
from incentives.api.funds import FundOut, FundViewSet, LedgerEntryOut, LedgerEntryViewSet
from incentives.api.payouts import PayoutBatchViewSet, PayoutOut, PayoutViewSet
from incentives.api.programs import ProgramIn, ProgramOut, ProgramViewSet
from incentives.api.rates import RateIn, RateOut, RateViewSet
from incentives.api.requests import MdfRequestIn, MdfRequestOut, MdfRequestViewSet
from incentives.api.spiffs import spiff_api_urls

router = SimpleRouter()
router.register("mdf/programs", ProgramViewSet, basename="api-mdf-program")
router.register("mdf/funds", FundViewSet, basename="api-mdf-fund")
router.register("mdf/entries", LedgerEntryViewSet, basename="api-mdf-entry")
router.register("mdf/requests", MdfRequestViewSet, basename="api-mdf-request")
router.register("mdf/claims", ClaimViewSet, basename="api-mdf-claim")
router.register("mdf/rates", RateViewSet, basename="api-mdf-rate")
router.register("payouts", PayoutViewSet, basename="api-payout")
router.register("payout-batches", PayoutBatchViewSet, basename="api-payout-batch")

api_urls: list[URLPattern | URLResolver] = [path("", include(router.urls)), *spiff_api_urls]

__all__ = [
    "ClaimIn",
    "ClaimOut",
    "ClaimViewSet",
    "FundOut",
    "FundViewSet",
    "LedgerEntryOut",
    "LedgerEntryViewSet",
    "MdfRequestIn",
    "MdfRequestOut",
    "MdfRequestViewSet",
    "PayoutBatchViewSet",
    "PayoutOut",
    "PayoutViewSet",
    "ProgramIn",
    "ProgramOut",
    "ProgramViewSet",
    "RateIn",
    "RateOut",
    "RateViewSet",
    "api_urls",
    "router",
]
