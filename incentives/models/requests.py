"""MDF requests: a partner's pre-approval of a marketing activity (the incentives issue,
point 3)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from incentives.models.funds import ZERO, Fund
from incentives.models.rates import EnteredInAnotherCurrency
from partners.models import Partner
from prm.audit import audit_declare
from prm.lifecycle import Lifecycle
from prm.money import amount_field, currency_field
from prm.singleton import TenantSettings


class ActivityType(models.TextChoices):
    EVENT = "event", "Event"
    WEBINAR = "webinar", "Webinar"
    DIGITAL_CAMPAIGN = "digital_campaign", "Digital campaign"
    CONTENT_SYNDICATION = "content_syndication", "Content syndication"
    TRAINING = "training", "Training"
    OTHER = "other", "Other"


class ProofType(models.TextChoices):
    INVOICE = "invoice", "Invoice"
    PHOTOS = "photos", "Photos of the activity"
    ATTENDEES = "attendees", "Attendee list"
    REPORT = "report", "Campaign report"
    CONTENT = "content", "Copy of the content"


# The proof of performance a claim needs for each kind of activity (an approval may ask for
# other proofs).
REQUIRED_PROOFS: dict[str, list[str]] = {
    ActivityType.EVENT: [ProofType.INVOICE, ProofType.PHOTOS, ProofType.ATTENDEES],
    ActivityType.WEBINAR: [ProofType.INVOICE, ProofType.ATTENDEES],
    ActivityType.DIGITAL_CAMPAIGN: [ProofType.INVOICE, ProofType.REPORT],
    ActivityType.CONTENT_SYNDICATION: [ProofType.INVOICE, ProofType.REPORT],
    ActivityType.TRAINING: [ProofType.INVOICE, ProofType.ATTENDEES],
    ActivityType.OTHER: [ProofType.INVOICE],
}


class RequestStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Waiting for a decision"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    CANCELLED = "cancelled", "Cancelled"


R = RequestStatus
MDF_REQUEST_LIFECYCLE = Lifecycle(
    "fund request",
    {
        R.DRAFT: frozenset({R.SUBMITTED, R.CANCELLED}),
        R.SUBMITTED: frozenset({R.APPROVED, R.REJECTED, R.CANCELLED}),
        R.APPROVED: frozenset({R.CANCELLED}),  # its unclaimed money goes back to the fund
        R.REJECTED: frozenset(),
        R.CANCELLED: frozenset(),
    },
    labels=dict(RequestStatus.choices),
)


class MdfPolicy(TenantSettings):
    """The tenant's MDF rules: how long after an activity ends its claim may be filed, how
    much longer an extension gives, and above which amount finance approves a claim too."""

    claim_days = models.PositiveSmallIntegerField(
        default=60, help_text="Days after the activity ends within which the claim is filed."
    )
    extension_days = models.PositiveSmallIntegerField(
        default=30, help_text="Days an approved extension adds to a claim's deadline."
    )
    max_extensions = models.PositiveSmallIntegerField(
        default=1, help_text="Extensions of its claim deadline a request may get."
    )
    finance_approval_above = amount_field(
        "Finance approves claims above",
        default=Decimal("5000.00"),
        help_text="A claim above this amount needs a finance approver after the channel manager.",
    )


class MdfRequest(EnteredInAnotherCurrency):
    """A partner's request for funds for a marketing activity, before it happens. Approved,
    its amount is committed from the partner's fund until it is claimed or cancelled."""

    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="requests")
    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="mdf_requests")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="mdf_requests"
    )
    activity_type = models.CharField(max_length=20, choices=ActivityType.choices)
    title = models.CharField("Activity", max_length=200)
    description = models.TextField(blank=True)
    starts_on = models.DateField()
    ends_on = models.DateField()
    currency = currency_field()
    requested_amount = amount_field("Requested from the fund")
    partner_contribution = amount_field("Partner's own contribution", default=ZERO)
    expected_leads = models.PositiveIntegerField(default=0)
    expected_pipeline = amount_field("Expected pipeline", default=ZERO)
    campaign_code = models.CharField(max_length=60, blank=True)
    status = models.CharField(
        max_length=10, choices=RequestStatus.choices, default=RequestStatus.DRAFT
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    approved_amount = amount_field("Approved", null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decision_note = models.CharField(max_length=500, blank=True)
    claim_due_on = models.DateField(null=True, blank=True)
    required_proofs = ArrayField(models.CharField(max_length=20), default=list, blank=True)
    # A pending ask for a later claim deadline (empty when none), and the ones granted.
    extension_reason = models.CharField(max_length=500, blank=True)
    extension_asked_at = models.DateTimeField(null=True, blank=True)
    extensions = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            MDF_REQUEST_LIFECYCLE.constraint("status", "mdf_request_status_known"),
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="mdf_request_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(requested_amount__gt=0), name="mdf_request_amount_positive"
            ),
            models.CheckConstraint(
                condition=Q(approved_amount__isnull=True)
                | (Q(approved_amount__gt=0) & Q(approved_amount__lte=F("requested_amount"))),
                name="mdf_request_approved_within_requested",
            ),
            EnteredInAnotherCurrency.entered_check("mdf_request_entered_in_another_currency"),
            models.CheckConstraint(
                condition=~Q(status="approved")
                | (Q(approved_amount__isnull=False) & Q(claim_due_on__isnull=False)),
                name="mdf_request_approved_has_amount_and_due_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.partner})"

    @property
    def reference(self) -> str:
        """What the ledger's entries about this request say they are about."""
        return f"mdf_request:{self.pk}"


# How a request's history reads on its page: the status, amounts and dates people decide
# on; the bookkeeping of who and when is the history row's own.
audit_declare(
    MdfRequest,
    labels={
        "status": "Status",
        "approved_amount": "Approved amount",
        "claim_due_on": "Claim due by",
        "decision_note": "Decision note",
        "requested_amount": "Amount asked",
    },
    hidden=(
        "submitted_at",
        "decided_at",
        "decided_by",
        "required_proofs",
        "currency",
        "entered_currency",
        "entered_amount",
        "exchange_rate",
    ),
)
