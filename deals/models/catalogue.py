"""The vendor's product catalogue: product lines and products, each product optionally
limited to partners of a minimum tier or with a named certification (PRODUCT.md §5)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.db.models.functions import Upper
from simple_history.models import HistoricalRecords

from prm import limits
from prm.money import amount_field, currency_field


class ProductLine(models.Model):
    """A family of products ("Firewalls"); conflicts compare deals by product line."""

    name = models.CharField(max_length=120, unique=True)
    description = models.TextField(blank=True, max_length=limits.DESCRIPTION)
    active = models.BooleanField(default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Product(models.Model):
    sku = models.CharField("SKU", max_length=64)
    name = models.CharField(max_length=200)
    line = models.ForeignKey(
        ProductLine, on_delete=models.PROTECT, related_name="products", verbose_name="product line"
    )
    list_price = amount_field()
    currency = currency_field()
    active = models.BooleanField(default=True)
    min_tier = models.ForeignKey(
        "partners.Tier",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="minimum partner tier",
        help_text="Only partners of this tier or above may register it.",
    )
    required_certification = models.CharField(
        max_length=120,
        blank=True,
        help_text="Someone at the partner must hold a current certification of this name.",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["line__name", "name"]
        constraints = [
            # SKUs are codes: written upper case, so the unique constraint ignores case.
            models.UniqueConstraint(fields=["sku"], name="product_sku_unique"),
            models.CheckConstraint(condition=Q(sku=Upper("sku")), name="product_sku_upper"),
            models.CheckConstraint(
                condition=Q(list_price__gte=0), name="product_list_price_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.sku})"
