"""Files of a deal (evidence of the opportunity; a dispute's statements) and disputes of a
rejection for a conflict (issue 13 points 7 and 8)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from deals.models.registrations import Deal
from prm import limits
from prm.lifecycle import status_constraint


class DocumentKind(models.TextChoices):
    LOI = "loi", "Letter of intent"
    PO = "po", "Purchase order"
    PROPOSAL = "proposal", "Proposal"
    DISPUTE = "dispute", "Dispute evidence"
    OTHER = "other", "Other"


EVIDENCE_KINDS = (DocumentKind.LOI, DocumentKind.PO, DocumentKind.PROPOSAL)


class DisputeStatus(models.TextChoices):
    OPEN = "open", "Open"
    UPHELD = "upheld", "Rejection upheld"
    OVERTURNED = "overturned", "Rejection overturned"


class DisputeReason(models.TextChoices):
    """Why a dispute was decided as it was."""

    EARLIER_ENGAGEMENT = "earlier_engagement", "The disputing partner worked the customer first"
    CUSTOMER_CHOICE = "customer_choice", "The customer chose the disputing partner"
    CONFLICT_IN_ERROR = "conflict_in_error", "The conflict was found in error"
    PRIORITY_STANDS = "priority_stands", "The earlier registration keeps its priority"
    INSUFFICIENT_EVIDENCE = "insufficient_evidence", "Not enough evidence"
    OTHER = "other", "Other"


class DealDispute(models.Model):
    """A partner's dispute of its deal's rejection for a conflict: once per deal."""

    deal = models.OneToOneField(Deal, on_delete=models.CASCADE, related_name="dispute")
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    opened_at = models.DateTimeField(auto_now_add=True)
    statement = models.TextField(max_length=limits.DESCRIPTION)
    status = models.CharField(
        max_length=12, choices=DisputeStatus.choices, default=DisputeStatus.OPEN
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reason_code = models.CharField(max_length=30, choices=DisputeReason.choices, blank=True)
    decision_text = models.TextField(blank=True, max_length=limits.NOTE)
    history = HistoricalRecords()

    class Meta:
        constraints = [
            status_constraint("status", DisputeStatus.values, "dispute_status_known"),
            models.CheckConstraint(
                condition=Q(status=DisputeStatus.OPEN) | Q(decided_at__isnull=False),
                name="dispute_decided_when_closed",
            ),
        ]

    def __str__(self) -> str:
        return f"Dispute of {self.deal}"


class DisputeResponse(models.Model):
    """A competing partner's own evidence in a dispute (one per partner, revisable while
    the dispute is open)."""

    dispute = models.ForeignKey(DealDispute, on_delete=models.CASCADE, related_name="responses")
    partner = models.ForeignKey("partners.Partner", on_delete=models.PROTECT, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    statement = models.TextField(max_length=limits.DESCRIPTION)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["dispute", "partner"], name="one_response_per_partner")
        ]

    def __str__(self) -> str:
        return f"Response to {self.dispute}"


class DealDocument(models.Model):
    """A file of a deal: evidence of the opportunity, or a file of its dispute (of the
    disputing partner, or of a competing partner's response). Never deleted once the deal
    is submitted (it is evidence)."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="documents")
    dispute_response = models.ForeignKey(
        DisputeResponse, null=True, blank=True, on_delete=models.CASCADE, related_name="documents"
    )
    kind = models.CharField(max_length=10, choices=DocumentKind.choices)
    file = models.FileField(max_length=300)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=120)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name
