"""The MDF events incentives emits through the outbox (prm.outbox.events), declared with the
workflow subject "mdfrequest" (incentives/subjects.py)."""

from __future__ import annotations

MDF_REQUEST_EVENTS = {
    "mdf_request.submitted": "A partner asked for market development funds for an activity",
    "mdf_request.approved": "A fund request was approved (its amount committed from the fund)",
    "mdf_request.rejected": "A fund request was rejected",
    "mdf_request.cancelled": "A fund request was cancelled (its committed amount released)",
}
MDF_REQUEST_EVENTS |= {
    "mdf_request.extension_requested": "A partner asked for a later claim deadline",
    "mdf_request.extension_granted": "A later claim deadline was granted",
    "mdf_request.extension_refused": "A later claim deadline was refused",
}
MDF_CLAIM_EVENTS = {
    "mdf_claim.submitted": "A partner claimed market development funds with proof",
    "mdf_claim.approved": "A claim was approved (its amount payable, a payout created)",
    "mdf_claim.rejected": "A claim was rejected",
    "mdf_claim.withdrawn": "A partner withdrew a claim",
}
PAYOUT_EVENTS = {
    "payout.created": "A payout waits for finance",
    "payout.approved": "A payout was approved for payment",
    "payout.exported": "A payout was sent to accounts payable",
    "payout.paid": "A payout was paid",
    "payout.failed": "A payment failed",
    "payout.reversed": "A paid payout was reversed",
}
