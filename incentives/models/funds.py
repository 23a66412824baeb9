"""MDF programs and funds as a ledger (PRODUCT.md §6; the incentives issue, point 1).

A fund is one partner's share of one program (or the program's shared pool, partner
empty). Every movement of money is a ``LedgerEntry``, written in the same transaction as
the change it records and never changed afterwards: the database refuses UPDATE, DELETE
and TRUNCATE on the ledger (migration 0001's trigger); a correction is a reversing entry.

Each entry moves one or more of a fund's four figures by a signed amount: ``allocated``
(what the vendor gave the partner), ``committed`` (approved requests not yet claimed),
``payable`` (approved claims not yet paid) and ``paid``. What PRODUCT.md calls committed is
``committed + payable`` (money promised and not paid); the split lets finance see what it
owes. The fund row keeps their running totals, updated with each entry under the fund's
row lock, and a CHECK constraint keeps ``allocated - committed - payable - paid`` (the
balance) from ever going below zero: two approvals at once cannot overdraw a fund, even
through a service with a mistake in it. The ledger's sums equal the fund's totals
(``incentives.selectors.ledger_totals``)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from partners.models import Partner
from prm.money import Money, amount_field, currency_field

ZERO = Decimal("0.00")


class PeriodKind(models.TextChoices):
    QUARTER = "quarter", "Quarter"
    YEAR = "year", "Year"


class MdfProgram(models.Model):
    """A market development fund program for one period (a quarter or a year) with its
    budget in one currency."""

    name = models.CharField(max_length=120)
    period_kind = models.CharField(max_length=8, choices=PeriodKind.choices)
    starts_on = models.DateField()
    ends_on = models.DateField()
    currency = currency_field()
    budget = amount_field("Budget")
    shared_pool = models.BooleanField(
        default=False,
        help_text="Part of the budget is a pool any partner of the program may draw on, "
        "first come, first served.",
    )
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_on", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gt=F("starts_on")), name="mdf_program_ends_after_start"
            ),
            models.CheckConstraint(condition=Q(budget__gte=0), name="mdf_program_budget_positive"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def budget_money(self) -> Money:
        return Money(self.budget, self.currency)


class Fund(models.Model):
    """A partner's fund in a program (``partner`` empty: the program's shared pool), with
    the running totals of its ledger entries."""

    program = models.ForeignKey(MdfProgram, on_delete=models.PROTECT, related_name="funds")
    partner = models.ForeignKey(
        Partner, null=True, blank=True, on_delete=models.PROTECT, related_name="funds"
    )
    allocated = amount_field("Allocated", default=ZERO)
    committed = amount_field("Committed", default=ZERO)
    payable = amount_field("Approved claims not yet paid", default=ZERO)
    paid = amount_field("Paid", default=ZERO)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["program", "partner"],
                name="fund_one_per_partner_and_program",
                nulls_distinct=False,  # one shared pool per program too
            ),
            # The balance is never negative, whatever runs at once (the row lock orders the
            # updates, this refuses the one that would overdraw).
            models.CheckConstraint(
                condition=Q(allocated__gte=F("committed") + F("payable") + F("paid")),
                name="fund_balance_never_negative",
            ),
            models.CheckConstraint(
                condition=Q(committed__gte=0)
                & Q(payable__gte=0)
                & Q(paid__gte=0)
                & Q(allocated__gte=0),
                name="fund_figures_never_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.partner or 'Shared pool'} · {self.program}"

    @property
    def currency(self) -> str:
        return self.program.currency

    @property
    def available(self) -> Decimal:
        return self.allocated - self.committed - self.payable - self.paid

    @property
    def promised(self) -> Decimal:
        """Committed in PRODUCT.md's sense: approved and not yet paid (requests not yet
        claimed and approved claims awaiting payment)."""
        return self.committed + self.payable


class EntryKind(models.TextChoices):
    ALLOCATE = "allocate", "Allocated"
    COMMIT = "commit", "Committed to an approved request"
    RELEASE = "release", "Released"
    CLAIM = "claim", "Claim approved"
    PAY = "pay", "Paid"
    REVERSE = "reverse", "Reversed"


class LedgerEntry(models.Model):
    """One movement of a fund's money; never changed or deleted (the database refuses)."""

    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField(max_length=10, choices=EntryKind.choices)
    currency = currency_field()
    allocated = amount_field(default=ZERO)
    committed = amount_field(default=ZERO)
    payable = amount_field(default=ZERO)
    paid = amount_field(default=ZERO)
    reverses = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by"
    )
    memo = models.CharField(max_length=300, blank=True)
    # What the movement is about ("mdf_request:12", "claim:40", "payout:7"), for the history.
    reference = models.CharField(max_length=60, blank=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(allocated=0, committed=0, payable=0, paid=0),
                name="ledger_entry_moves_money",
            ),
            models.CheckConstraint(
                condition=Q(kind="reverse", reverses__isnull=False)
                | (~Q(kind="reverse") & Q(reverses__isnull=True)),
                name="ledger_reversal_names_its_entry",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.fund})"


class ActivityCap(models.Model):
    """What a program reimburses at most for one kind of activity: an amount per request,
    a share of the activity's cost (the vendor's part of vendor + partner money), or both."""

    program = models.ForeignKey(MdfProgram, on_delete=models.CASCADE, related_name="caps")
    activity_type = models.CharField(max_length=20)  # incentives.models.ActivityType
    max_amount = amount_field("At most per request", null=True, blank=True)
    max_percent = models.DecimalField(
        "At most this share of the cost (%)",
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
    )

    class Meta:
        ordering = ["activity_type"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "activity_type"], name="activity_cap_once_per_program"
            ),
            models.CheckConstraint(
                condition=Q(max_amount__isnull=False) | Q(max_percent__isnull=False),
                name="activity_cap_caps_something",
            ),
            models.CheckConstraint(
                condition=Q(max_amount__isnull=True) | Q(max_amount__gt=0),
                name="activity_cap_amount_positive",
            ),
            models.CheckConstraint(
                condition=Q(max_percent__isnull=True)
                | (Q(max_percent__gt=0) & Q(max_percent__lte=100)),
                name="activity_cap_percent_within_100",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.activity_type} cap of {self.program}"
