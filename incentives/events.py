"""The MDF events incentives emits through the outbox (prm.outbox.events), declared with the
workflow subject "mdfrequest" (incentives/subjects.py)."""

from __future__ import annotations

MDF_REQUEST_EVENTS = {
    "mdf_request.submitted": "A partner asked for market development funds for an activity",
    "mdf_request.approved": "A fund request was approved (its amount committed from the fund)",
    "mdf_request.rejected": "A fund request was rejected",
    "mdf_request.cancelled": "A fund request was cancelled (its committed amount released)",
}
