"""The incentives app's models: programs, funds and their ledger (funds), fund requests
(requests), SPIFF rules and their rewards (spiffs)."""

from incentives.models.funds import (
    ZERO,
    EntryKind,
    Fund,
    LedgerEntry,
    MdfProgram,
    PeriodKind,
)
from incentives.models.requests import (
    MDF_REQUEST_LIFECYCLE,
    REQUIRED_PROOFS,
    ActivityType,
    MdfPolicy,
    MdfRequest,
    ProofType,
    RequestStatus,
)
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
    "MDF_REQUEST_LIFECYCLE",
    "REQUIRED_PROOFS",
    "REWARD_LIFECYCLE",
    "ZERO",
    "ActivityType",
    "EntryKind",
    "Fund",
    "LedgerEntry",
    "MdfPolicy",
    "MdfProgram",
    "MdfRequest",
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
