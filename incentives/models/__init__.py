"""The incentives app's models: programs, funds and their ledger (funds), fund requests
(requests)."""

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

__all__ = [
    "MDF_REQUEST_LIFECYCLE",
    "REQUIRED_PROOFS",
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
]
