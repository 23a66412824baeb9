"""The incentives app's models: programs, funds and their ledger (funds), fund requests
(requests), claims with their proof files and payouts (claims), deals attributed to
activities (roi), the tenant's exchange rates (rates), SPIFF rules and their rewards (spiffs)."""

from incentives.models.claims import (
    CLAIM_LIFECYCLE,
    LIVE_CLAIMS,
    PAYOUT_LIFECYCLE,
    ClaimDocument,
    ClaimStatus,
    MdfClaim,
    Payout,
    PayoutBatch,
    PayoutKind,
    PayoutStatus,
)
from incentives.models.funds import (
    ZERO,
    ActivityCap,
    EntryKind,
    Fund,
    LedgerEntry,
    MdfProgram,
    PeriodKind,
)
from incentives.models.rates import ExchangeRate
from incentives.models.requests import (
    MDF_REQUEST_LIFECYCLE,
    REQUIRED_PROOFS,
    ActivityType,
    MdfPolicy,
    MdfRequest,
    ProofType,
    RequestStatus,
)
from incentives.models.roi import ActivityFigures, Attribution, AttributionKind, AttributionSource
from incentives.models.spiffs import (
    REWARD_LIFECYCLE,
    RewardKind,
    RewardStatus,
    SpiffPolicy,
    SpiffReward,
    SpiffRule,
    SpiffRuleVersion,
)

__all__ = [
    "CLAIM_LIFECYCLE",
    "LIVE_CLAIMS",
    "MDF_REQUEST_LIFECYCLE",
    "PAYOUT_LIFECYCLE",
    "REQUIRED_PROOFS",
    "REWARD_LIFECYCLE",
    "ZERO",
    "ActivityCap",
    "ActivityFigures",
    "ActivityType",
    "Attribution",
    "AttributionKind",
    "AttributionSource",
    "ClaimDocument",
    "ClaimStatus",
    "EntryKind",
    "ExchangeRate",
    "Fund",
    "LedgerEntry",
    "MdfClaim",
    "MdfPolicy",
    "MdfProgram",
    "MdfRequest",
    "Payout",
    "PayoutBatch",
    "PayoutKind",
    "PayoutStatus",
    "PeriodKind",
    "ProofType",
    "RequestStatus",
    "RewardKind",
    "RewardStatus",
    "SpiffPolicy",
    "SpiffReward",
    "SpiffRule",
    "SpiffRuleVersion",
]
