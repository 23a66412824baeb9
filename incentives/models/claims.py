"""MDF claims and payouts (the incentives issue, points 4 and 5).

A claim asks to be paid for (part of) an approved request's activity, with its proof of
performance. Approved, the claimed amount moves from the request's commitment to payable
(a ledger entry) and one payout is created; finance approves payouts for payment, exports
them in batches to accounts payable and marks them paid (a ledger entry), or failed. A paid
payout is undone only by reversing its ledger entry: the money is owed again."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from incentives.models.funds import ZERO, Fund, LedgerEntry
from incentives.models.rates import EnteredInAnotherCurrency
from incentives.models.requests import MdfRequest, ProofType
from partners.models import Partner
from prm.lifecycle import Lifecycle
from prm.money import amount_field, currency_field


class ClaimStatus(models.TextChoices):
    SUBMITTED = "submitted", "Waiting for a decision"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    WITHDRAWN = "withdrawn", "Withdrawn"


C = ClaimStatus
CLAIM_LIFECYCLE = Lifecycle(
    "claim",
    {
        C.SUBMITTED: frozenset({C.APPROVED, C.REJECTED, C.WITHDRAWN}),
        C.APPROVED: frozenset(),
        C.REJECTED: frozenset(),
        C.WITHDRAWN: frozenset(),
    },
    labels=dict(ClaimStatus.choices),
)
# Claims that hold their invoice: a rejected or withdrawn claim's invoice may be claimed again.
LIVE_CLAIMS = (C.SUBMITTED, C.APPROVED)


class MdfClaim(EnteredInAnotherCurrency):
    """A partner's claim for the money of an approved fund request, with its invoice, its
    proof of performance and the activity's actual results."""

    request = models.ForeignKey(MdfRequest, on_delete=models.PROTECT, related_name="claims")
    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="claims")
    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="mdf_claims")
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="mdf_claims"
    )
    currency = currency_field()
    amount = amount_field("Amount claimed")
    # Entered in another currency (EnteredInAnotherCurrency): ``amount`` is
    # ``entered_amount`` converted; the invoice's total stays in the currency it was entered in.
    invoice_number = models.CharField(max_length=60)
    # The invoice number as compared for duplicates: case, spaces and punctuation removed.
    invoice_key = models.CharField(max_length=60, editable=False)
    supplier_tax_id = models.CharField("Supplier's tax number", max_length=40)
    invoice_total = amount_field("Invoice total")
    leads = models.PositiveIntegerField("Leads", default=0)
    attendees = models.PositiveIntegerField("Attendees", default=0)
    pipeline = amount_field("Pipeline", default=ZERO)
    note = models.TextField(blank=True)
    status = models.CharField(
        max_length=10, choices=ClaimStatus.choices, default=ClaimStatus.SUBMITTED
    )
    submitted_at = models.DateTimeField(auto_now_add=True)
    approved_amount = amount_field("Approved", null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decision_note = models.CharField(max_length=500, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-submitted_at", "-id"]
        constraints = [
            CLAIM_LIFECYCLE.constraint("status", "mdf_claim_status_known"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="mdf_claim_amount_positive"),
            models.CheckConstraint(
                condition=Q(approved_amount__isnull=True)
                | (Q(approved_amount__gt=0) & Q(approved_amount__lte=F("amount"))),
                name="mdf_claim_approved_within_claimed",
            ),
            EnteredInAnotherCurrency.entered_check("mdf_claim_entered_in_another_currency"),
            # The same invoice is claimed once in the tenant, whoever claims it.
            models.UniqueConstraint(
                fields=["invoice_key", "supplier_tax_id", "invoice_total"],
                condition=Q(status__in=LIVE_CLAIMS),
                name="mdf_claim_invoice_once",
            ),
        ]

    def __str__(self) -> str:
        return f"Claim {self.pk} for {self.request.title}"

    @property
    def reference(self) -> str:
        return f"claim:{self.pk}"

    @property
    def invoice_currency(self) -> str:
        """The currency of ``invoice_total``: the one the partner entered the claim in."""
        return self.entered_currency or self.currency


class ClaimDocument(models.Model):
    """A proof-of-performance file of a claim (never deleted: it is the evidence)."""

    claim = models.ForeignKey(MdfClaim, on_delete=models.PROTECT, related_name="documents")
    proof_type = models.CharField(max_length=20, choices=ProofType.choices)
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


class PayoutStatus(models.TextChoices):
    PENDING = "pending", "Waiting for finance"
    APPROVED = "approved", "Approved for payment"
    EXPORTED = "exported", "Sent to accounts payable"
    PAID = "paid", "Paid"
    FAILED = "failed", "Payment failed"
    REVERSED = "reversed", "Payment reversed"


P = PayoutStatus
PAYOUT_LIFECYCLE = Lifecycle(
    "payout",
    {
        P.PENDING: frozenset({P.APPROVED}),
        P.APPROVED: frozenset({P.EXPORTED}),
        P.EXPORTED: frozenset({P.PAID, P.FAILED}),
        P.FAILED: frozenset({P.APPROVED}),  # corrected bank details: sent again
        P.PAID: frozenset({P.REVERSED}),  # by a reversing ledger entry only
        P.REVERSED: frozenset(),
    },
    labels=dict(PayoutStatus.choices),
)


class PayoutBatch(models.Model):
    """One export of approved payouts to the accounts-payable system (a CSV file)."""

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Payment batch {self.pk}"

    @property
    def number(self) -> str:
        return f"B{self.pk:05d}"


class PayoutKind(models.TextChoices):
    MDF_CLAIM = "mdf_claim", "MDF claim"
    SPIFF = "spiff", "SPIFF rewards"


class Payout(models.Model):
    """Money owed for an approved MDF claim (to the partner, from its fund) or for a rep's
    SPIFF rewards (``incentives.spiffs``; its rewards name it), until it is paid."""

    kind = models.CharField(max_length=10, choices=PayoutKind.choices, default=PayoutKind.MDF_CLAIM)
    claim = models.ForeignKey(
        MdfClaim, null=True, blank=True, on_delete=models.PROTECT, related_name="payouts"
    )
    fund = models.ForeignKey(
        Fund, null=True, blank=True, on_delete=models.PROTECT, related_name="payouts"
    )
    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="payouts")
    # The rep a SPIFF payout pays (MDF money goes to the partner company).
    payee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    currency = currency_field()
    amount = amount_field("Amount")
    status = models.CharField(max_length=10, choices=PayoutStatus.choices, default=P.PENDING)
    batch = models.ForeignKey(
        PayoutBatch, null=True, blank=True, on_delete=models.PROTECT, related_name="payouts"
    )
    payment_reference = models.CharField(max_length=80, blank=True)
    failure_reason = models.CharField(max_length=300, blank=True)
    paid_on = models.DateField(null=True, blank=True)
    pay_entry = models.OneToOneField(
        LedgerEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-id"]
        # The lists' order: a page of the newest payouts reads 50 rows of the index, not
        # every payout in the viewer's scope sorted.
        indexes = [models.Index(fields=["-created_at", "-id"], name="payout_newest_first")]
        constraints = [
            PAYOUT_LIFECYCLE.constraint("status", "payout_status_known"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payout_amount_positive"),
            # Exactly one payout per approved claim, however often its approval runs (a
            # reversed payment's claim is paid again through a new one).
            models.UniqueConstraint(
                fields=["claim"], condition=~Q(status="reversed"), name="payout_one_per_claim"
            ),
            models.CheckConstraint(
                condition=Q(kind="mdf_claim", claim__isnull=False, fund__isnull=False)
                | Q(kind="spiff", claim__isnull=True, fund__isnull=True, payee__isnull=False),
                name="payout_of_a_claim_or_of_rewards",
            ),
            # A paid MDF payout has its ledger entry (SPIFF money is outside the funds).
            models.CheckConstraint(
                condition=~Q(status="paid")
                | (~Q(payment_reference="") & (Q(kind="spiff") | Q(pay_entry__isnull=False))),
                name="payout_paid_has_entry_and_reference",
            ),
        ]

    def __str__(self) -> str:
        return f"Payout {self.number}"

    @property
    def number(self) -> str:
        return f"P{self.pk:06d}"

    @property
    def reference(self) -> str:
        return f"payout:{self.pk}"

    @property
    def about(self) -> str:
        """What it pays, in a few words: the claim's activity, or the rep's SPIFF rewards."""
        if self.kind == PayoutKind.SPIFF:
            who = self.payee.full_name or self.payee.email if self.payee else ""
            return f"SPIFF rewards of {who}"
        return self.claim.request.title if self.claim else ""
