"""The tenant's exchange rates (the incentives issue, point 2: an amount in another currency
than the program's is converted when the tenant has a rate for it, refused otherwise).

A rate is the value of one unit of a currency in the tenant's own currency
(``current_tenant().currency``) from a day on. Rates are kept as history: a new rate is a
new row, never an edit (one per currency and day; the database refuses UPDATE and DELETE).
The rate in force on a day is the newest row from that day or before (incentives.rates)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from prm.money import amount_field, currency_field

RATE_DIGITS = 18
RATE_PLACES = 8
SHOWN_PLACES = Decimal("0.0001")


def rate_text(rate: Decimal | None) -> str:
    """A rate as people read it: four decimals (1.0850), more when it has them (0.00617512)."""
    if rate is None:
        return ""
    if rate == rate.quantize(SHOWN_PLACES):
        return f"{rate.quantize(SHOWN_PLACES):f}"
    return f"{rate.normalize():f}"


class ExchangeRate(models.Model):
    currency = currency_field(help_text="Its ISO 4217 code; never the tenant's own currency.")
    rate = models.DecimalField(
        "Rate",
        max_digits=RATE_DIGITS,
        decimal_places=RATE_PLACES,
        help_text="The value of one unit of the currency in the tenant's currency.",
    )
    effective_from = models.DateField("In force from")
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    set_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["currency", "-effective_from"]
        constraints = [
            models.CheckConstraint(condition=Q(rate__gt=0), name="exchange_rate_positive"),
            models.UniqueConstraint(
                fields=["currency", "effective_from"], name="exchange_rate_once_a_day"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.currency} {self.rate} from {self.effective_from}"

    @property
    def rate_text(self) -> str:
        return rate_text(self.rate)


class EnteredInAnotherCurrency(models.Model):
    """What the partner entered when it was in another currency than the program's (empty
    otherwise): the record's amounts are converted at ``exchange_rate`` (incentives.rates).
    Fund requests and claims have it."""

    entered_currency = currency_field(blank=True, default="", db_default="", validators=[])
    entered_amount = amount_field("Amount as entered", null=True, blank=True)
    exchange_rate = models.DecimalField(
        max_digits=RATE_DIGITS, decimal_places=RATE_PLACES, null=True, blank=True
    )

    class Meta:
        abstract = True

    @staticmethod
    def entered_check(name: str) -> models.CheckConstraint:
        """Nothing entered, or all three in another currency than the record's."""
        return models.CheckConstraint(
            condition=Q(entered_currency="", entered_amount__isnull=True)
            | (
                ~Q(entered_currency="")
                & Q(entered_amount__gt=0, exchange_rate__gt=0)
                & ~Q(entered_currency=F("currency"))
            ),
            name=name,
        )

    @property
    def converted(self) -> bool:
        """Whether the partner entered it in another currency than the program's."""
        return bool(self.entered_currency)

    @property
    def rate_text(self) -> str:
        """The rate it was converted at, as people read it ("1.0850")."""
        return rate_text(self.exchange_rate)
