"""SPIFFs: rewards for partners' reps who win deals of a product line within a period (the
incentives issue, point 6).

A ``SpiffRule`` is the rule as people name it; what it pays is in its versions
(``SpiffRuleVersion``): a version with rewards is never edited, a change makes the next
version and closes the one before (``superseded_at``), so every reward keeps the terms it
was accrued under. The database holds one open version per rule and unique version
numbers. A ``SpiffReward`` is one rep's reward for one line of one won deal under one
version, unique in the database (the ``deal.won`` handler may run twice); a reopened deal's
rewards are reversed (the row stays, with when and why), never deleted."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from deals.models import Deal, DealLine, ProductLine
from partners.models import Partner, Tier
from prm.lifecycle import Lifecycle
from prm.money import Money, amount_field, currency_field
from prm.singleton import TenantSettings


class SpiffPolicy(TenantSettings):
    """The tenant's SPIFF rules: how long after a win a reopened deal takes its rewards
    back, and the yearly total from which a person gets a tax form."""

    reversal_days = models.PositiveSmallIntegerField(
        default=90,
        help_text="Days after a deal is won within which reopening it reverses its rewards.",
    )
    tax_form_threshold = amount_field(
        "Yearly total for a tax form",
        default=Decimal("600.00"),
        help_text="A person whose rewards of a calendar year reach this amount (in the "
        "program's currency) gets a tax form for that year.",
    )


class RewardKind(models.TextChoices):
    FIXED = "fixed", "A fixed amount per won deal line"
    PERCENT = "percent", "A percentage of the line's amount"


class SpiffRule(models.Model):
    """A SPIFF as people know it ("Firewall push Q3"); its terms are its versions'."""

    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        current = self.versions.filter(superseded_at__isnull=True).first()
        return current.name if current else f"SPIFF {self.pk}"


class SpiffRuleVersion(models.Model):
    """One version of a rule's terms. The open version (``superseded_at`` empty) is the
    one deals accrue under while it is active; older ones are closed for good."""

    rule = models.ForeignKey(SpiffRule, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=120)
    starts_on = models.DateField("From")
    ends_on = models.DateField("Until")
    product_line = models.ForeignKey(
        ProductLine,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Empty: deal lines of every product line.",
    )
    tiers = models.ManyToManyField(
        Tier, blank=True, related_name="+", help_text="Empty: partners of every tier."
    )
    kind = models.CharField(max_length=8, choices=RewardKind.choices)
    fixed_amount = amount_field("Amount per won deal line", null=True, blank=True)
    percent = models.DecimalField(
        "Percentage of the line's amount", max_digits=5, decimal_places=2, null=True, blank=True
    )
    currency = currency_field()
    partner_cap = amount_field("Cap per partner", null=True, blank=True)
    rep_cap = amount_field("Cap per rep", null=True, blank=True)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    # When a newer version replaced this one (it then accrues nothing more).
    superseded_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)  # when it was made inactive

    class Meta:
        ordering = ["rule", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["rule", "number"], name="spiff_version_number_unique"),
            models.UniqueConstraint(
                fields=["rule"],
                condition=Q(superseded_at__isnull=True),
                name="spiff_one_open_version_per_rule",
            ),
            models.CheckConstraint(condition=Q(number__gte=1), name="spiff_version_from_one"),
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="spiff_version_ends_after_start"
            ),
            models.CheckConstraint(
                condition=(
                    Q(kind="fixed", fixed_amount__gt=0, percent__isnull=True)
                    | Q(kind="percent", percent__gt=0, percent__lte=100, fixed_amount__isnull=True)
                ),
                name="spiff_version_pays_one_way",
            ),
            models.CheckConstraint(
                condition=(Q(partner_cap__isnull=True) | Q(partner_cap__gt=0))
                & (Q(rep_cap__isnull=True) | Q(rep_cap__gt=0)),
                name="spiff_version_caps_positive",
            ),
            # A superseded version is closed: nothing accrues under it any more.
            models.CheckConstraint(
                condition=Q(superseded_at__isnull=True) | Q(active=False),
                name="spiff_superseded_version_inactive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} (version {self.number})"

    @property
    def is_open(self) -> bool:
        return self.superseded_at is None

    @property
    def pays(self) -> str:
        """What it pays, in words: "USD 250 per won deal line", "2.5% of the line's amount"."""
        from prm.portal.templatetags.portal import money

        if self.kind == RewardKind.FIXED:
            return f"{money(self.fixed_amount, self.currency)} per won deal line"
        return f"{self.percent.normalize():f}% of the line's amount"  # type: ignore[union-attr]  # percent rules have one (constraint)


class RewardStatus(models.TextChoices):
    ACCRUED = "accrued", "Earned, not yet paid"
    REVERSED = "reversed", "Reversed"
    PAID = "paid", "Paid"


REWARD_LIFECYCLE = Lifecycle(
    "reward",
    {
        RewardStatus.ACCRUED: frozenset({RewardStatus.REVERSED, RewardStatus.PAID}),
        RewardStatus.REVERSED: frozenset(),
        # A payment that came back (its payout reversed): owed again, paid by a new payout.
        RewardStatus.PAID: frozenset({RewardStatus.ACCRUED}),
    },
    labels=dict(RewardStatus.choices),
)


class SpiffReward(models.Model):
    """A rep's reward for one line of a won deal under one rule version."""

    version = models.ForeignKey(SpiffRuleVersion, on_delete=models.PROTECT, related_name="rewards")
    deal = models.ForeignKey(Deal, on_delete=models.PROTECT, related_name="spiff_rewards")
    line = models.ForeignKey(DealLine, on_delete=models.PROTECT, related_name="spiff_rewards")
    rep = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="spiff_rewards"
    )
    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="spiff_rewards")
    currency = currency_field()
    amount = amount_field("Reward")
    won_on = models.DateField("Won on")  # the deal's close date: the reward's year
    status = models.CharField(
        max_length=8, choices=RewardStatus.choices, default=RewardStatus.ACCRUED
    )
    accrued_at = models.DateTimeField()
    reversed_at = models.DateTimeField(null=True, blank=True)
    reversal_reason = models.CharField(max_length=300, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    # The payout that pays it (incentives.spiffs.spiff_payouts_create), once finance made one.
    payout = models.ForeignKey(
        "incentives.Payout",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="rewards",
    )

    class Meta:
        ordering = ["-won_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "line", "rep"], name="spiff_reward_once_per_version_line_rep"
            ),
            REWARD_LIFECYCLE.constraint("status", "spiff_reward_status_known"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="spiff_reward_positive"),
            models.CheckConstraint(
                condition=~Q(status="reversed") | Q(reversed_at__isnull=False),
                name="spiff_reward_reversed_says_when",
            ),
            models.CheckConstraint(
                condition=~Q(status="paid") | Q(paid_at__isnull=False),
                name="spiff_reward_paid_says_when",
            ),
        ]
        indexes = [
            models.Index(fields=["rep", "won_on"], name="spiff_reward_rep_year"),
            models.Index(fields=["partner", "won_on"], name="spiff_reward_partner_year"),
        ]

    def __str__(self) -> str:
        return f"{self.money} for {self.line} ({self.deal})"

    @property
    def money(self) -> Money:
        return Money(self.amount, self.currency)
