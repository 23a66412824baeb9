"""Deal registrations (PRODUCT.md §5): the deal, its product lines, the conflicts found on
submission, the tenant's rejection reasons and deal policy."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import F, Q
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase
from simple_history.models import HistoricalRecords

from deals.models.accounts import CustomerAccount, Reservation
from deals.models.catalogue import Product
from prm import limits
from prm.audit import audit_declare
from prm.lifecycle import Lifecycle
from prm.money import amount_field, currency_field
from prm.singleton import TenantSettings


class DealStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    UNDER_REVIEW = "under_review", "Under review"
    INFO_REQUESTED = "info_requested", "Information requested"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    WITHDRAWN = "withdrawn", "Withdrawn"
    WON = "won", "Won"
    LOST = "lost", "Lost"
    EXPIRED = "expired", "Expired"


S = DealStatus
DEAL_LIFECYCLE = Lifecycle(
    "deal",
    {
        S.DRAFT: frozenset({S.SUBMITTED, S.WITHDRAWN}),
        S.SUBMITTED: frozenset({S.UNDER_REVIEW, S.WITHDRAWN}),
        S.UNDER_REVIEW: frozenset({S.APPROVED, S.REJECTED, S.INFO_REQUESTED}),
        S.INFO_REQUESTED: frozenset({S.SUBMITTED, S.WITHDRAWN}),
        # A rejected registration may be submitted again, up to the policy's limit; a
        # dispute that overturns the rejection reviews it again.
        S.REJECTED: frozenset({S.SUBMITTED, S.UNDER_REVIEW}),
        S.APPROVED: frozenset({S.WON, S.LOST, S.EXPIRED}),
        # Reopened by vendor staff, with a reason.
        S.WON: frozenset({S.APPROVED}),
        S.LOST: frozenset({S.APPROVED}),
        S.WITHDRAWN: frozenset(),
        S.EXPIRED: frozenset(),
    },
    labels=dict(DealStatus.choices),
)
# Registrations that hold a customer against other partners' (PRODUCT.md §5): submitted
# and not yet decided, or approved and still protected.
ACTIVE_STATUSES = (S.SUBMITTED, S.UNDER_REVIEW, S.INFO_REQUESTED, S.APPROVED)
# Registrations the partner may still change.
EDITABLE_STATUSES = (S.DRAFT, S.INFO_REQUESTED)


class Deal(models.Model):
    """A partner's registration of an opportunity at a customer account."""

    account = models.ForeignKey(
        CustomerAccount, on_delete=models.PROTECT, related_name="deals", verbose_name="customer"
    )
    partner = models.ForeignKey("partners.Partner", on_delete=models.PROTECT, related_name="deals")
    submitter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="submitted_deals"
    )
    name = models.CharField("opportunity", max_length=200)
    description = models.TextField(blank=True, max_length=limits.DESCRIPTION)
    currency = currency_field()
    amount = amount_field(default=0, help_text="The sum of the product lines.")
    expected_close_date = models.DateField()
    campaign_code = models.CharField(
        max_length=60, blank=True, help_text="The MDF campaign that sourced the opportunity."
    )
    status = models.CharField(max_length=16, choices=DealStatus.choices, default=S.DRAFT)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # The server's clock at the first submission, taken under the account tree's lock: the
    # registration order (first come, first served) is the commit order.
    registered_at = models.DateTimeField(null=True, blank=True)
    submissions = models.PositiveSmallIntegerField(default=0)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    rejection_reason = models.ForeignKey(
        "deals.RejectionReason", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decision_note = models.TextField(blank=True, max_length=limits.NOTE)
    protected_until = models.DateTimeField(null=True, blank=True)
    extensions = models.PositiveSmallIntegerField(default=0)
    # Refused extension requests: a refusal closes that request, so the partner may ask again.
    extension_refusals = models.PositiveSmallIntegerField(default=0)
    # An earlier approved registration of the same customer this one waits for; decided
    # when that one expires or is lost.
    queued_behind = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="queued"
    )
    # What the conflict check found on the last submission (the workflow conditions read
    # them; the rows are DealConflict).
    conflict_count = models.PositiveSmallIntegerField(default=0)
    conflict_score = models.FloatField(default=0)
    conflict_codes = ArrayField(models.CharField(max_length=40), default=list, blank=True)
    closed_on = models.DateField(null=True, blank=True)
    final_amount = amount_field(null=True, blank=True)
    lost_reason = models.CharField(max_length=200, blank=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            DEAL_LIFECYCLE.constraint("status", "deal_status_known"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="deal_amount_not_negative"),
            # Registered at the first submission: only drafts, and drafts withdrawn before
            # they were submitted, have no registration time.
            models.CheckConstraint(
                condition=Q(status__in=[S.DRAFT, S.WITHDRAWN]) | Q(registered_at__isnull=False),
                name="deal_registered_once_submitted",
            ),
            models.CheckConstraint(
                condition=~Q(status=S.APPROVED) | Q(protected_until__isnull=False),
                name="deal_approved_is_protected",
            ),
        ]
        indexes = [
            models.Index(fields=["account", "status"], name="deal_account_status"),
            models.Index(fields=["partner", "status"], name="deal_partner_status"),
            models.Index(fields=["status", "protected_until"], name="deal_status_protection"),
        ]

    def __str__(self) -> str:
        return self.name


class DealLine(models.Model):
    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField()
    unit_price = amount_field()
    amount = models.GeneratedField(
        expression=F("quantity") * F("unit_price"),
        output_field=amount_field(),
        db_persist=True,
    )

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="deal_line_quantity_positive"),
            models.CheckConstraint(
                condition=Q(unit_price__gte=0), name="deal_line_price_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} \N{MULTIPLICATION SIGN} {self.product}"


class ConflictCode(models.TextChoices):
    SAME_ACCOUNT = "same_account_overlapping_products", "Same customer, overlapping products"
    SAME_TREE = "same_tree_overlapping_products", "Related office, overlapping products"
    POSSIBLE_DUPLICATE = "possible_duplicate_account", "Possibly the same customer"
    RESERVED = "account_reserved_by_other", "Customer reserved by another partner"
    VENDOR_OWNED = "vendor_owned", "Customer sold to directly by the vendor"
    # A warning, never a conflict: another partner works the customer on other products.
    OTHER_PRODUCTS = "same_account_other_products", "Same customer, other products"


class DealConflict(models.Model):
    """A competing record found when the deal was last submitted, with its evidence."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="conflicts")
    code = models.CharField(max_length=40, choices=ConflictCode.choices)
    score = models.FloatField()
    reasons = ArrayField(models.CharField(max_length=300), default=list)
    warning = models.BooleanField(default=False, help_text="Shown, but never a conflict.")
    competing_deal = models.ForeignKey(
        Deal, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    competing_reservation = models.ForeignKey(
        Reservation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    competing_account = models.ForeignKey(
        CustomerAccount, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The other partner: shown to vendor staff only, never to partners.
    competing_partner = models.ForeignKey(
        "partners.Partner", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    found_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["warning", "-score", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(score__gte=0) & Q(score__lte=1), name="deal_conflict_score_range"
            )
        ]

    def __str__(self) -> str:
        return self.get_code_display()


class RejectionReason(models.Model):
    """The tenant's list of reasons a registration is rejected for."""

    code = models.SlugField(max_length=40, unique=True)
    label = models.CharField(max_length=120)
    active = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "label"]

    def __str__(self) -> str:
        return self.label


DEFAULT_REJECTION_REASONS = [
    ("duplicate", "Duplicate of an earlier registration"),
    ("existing_customer", "Existing customer of another partner"),
    ("direct_sales", "Vendor's direct sales are working the customer"),
    ("incomplete", "Incomplete registration"),
    ("not_eligible", "Partner not eligible"),
    ("other", "Other"),
]


class ConflictRule(models.TextChoices):
    FLAG = "flag", "First come, first served: send the later registration to a person"
    REJECT = "reject", "First come, first served: reject the later registration at once"


class ProductOverlap(models.TextChoices):
    LINE = "line", "The same product line"
    PRODUCT = "product", "The same product"
    ANY = "any", "Any product (one registration per customer)"


def _default_deal_reminder_days() -> list[int]:
    return [14, 3]


class DealPolicy(TenantSettings):
    """The tenant's rules for registrations: one row per tenant (``DealPolicy.current()``)."""

    min_amount = amount_field(default=0, help_text="The smallest deal one may register.")
    close_horizon_days = models.PositiveSmallIntegerField(
        default=365, help_text="How far ahead the expected close date may be."
    )
    protection_days = models.PositiveSmallIntegerField(default=90)
    reminder_days = ArrayField(
        models.PositiveSmallIntegerField(), default=_default_deal_reminder_days, blank=True
    )
    max_extensions = models.PositiveSmallIntegerField(default=1)
    extension_days = models.PositiveSmallIntegerField(default=30)
    max_resubmissions = models.PositiveSmallIntegerField(default=2)
    conflict_rule = models.CharField(
        max_length=8, choices=ConflictRule.choices, default=ConflictRule.FLAG
    )
    product_overlap = models.CharField(
        max_length=8, choices=ProductOverlap.choices, default=ProductOverlap.LINE
    )
    auto_approve_below = amount_field(
        default=50000,
        help_text="Clean deals of Gold and Platinum partners below this amount "
        "are approved automatically.",
    )
    second_approval_above = amount_field(
        default=250000,
        help_text="Deals above this amount also need the approval of the "
        "channel manager's unit manager.",
    )
    evidence_above = amount_field(
        null=True, blank=True, help_text="Deals above this amount need evidence files."
    )
    sla_hours = models.PositiveSmallIntegerField(default=48)
    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "deal policies"
        constraints = [
            models.CheckConstraint(condition=Q(singleton=True), name="deal_policy_single"),
            models.CheckConstraint(
                condition=Q(protection_days__gte=1), name="deal_policy_protection_positive"
            ),
            models.CheckConstraint(
                condition=Q(extension_days__gte=1), name="deal_policy_extension_positive"
            ),
            models.CheckConstraint(condition=Q(sla_hours__gte=1), name="deal_policy_sla_positive"),
        ]

    def __str__(self) -> str:
        return "Deal policy"


class DealUserObjectPermission(UserObjectPermissionBase):
    """A deal shared with a colleague (django-guardian ``view_deal``), with a real foreign
    key so the scope query joins."""

    content_object = models.ForeignKey(Deal, on_delete=models.CASCADE)


class DealGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Deal, on_delete=models.CASCADE)


# The deal's timeline (its page, the audit API) in people's words: the conflict
# check's bookkeeping is on the page's conflicts card, and the registration a deal
# is queued behind is another partner's (its name is never shown to partners; the
# history's reason says "queued behind an earlier registration" instead).
audit_declare(
    Deal,
    labels={
        "decided_by": "Decided by",
        "decision_note": "Decision note",
        "registered_at": "Registered",
    },
    hidden=(
        "conflict_count",
        "conflict_score",
        "conflict_codes",
        "queued_behind",
        "submissions",
        "extension_refusals",
        "decided_at",
        "created_at",
    ),
)
