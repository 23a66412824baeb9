"""Deals attributed to MDF activities (the incentives issue, point 7): by the partner at
registration with the activity's campaign code, or later by the channel manager, as
partner-sourced (the activity created the opportunity) or partner-influenced (it helped an
opportunity that existed). A deal is sourced by at most one activity."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from deals.models import Deal
from incentives.models.funds import ZERO, Fund, MdfProgram
from incentives.models.requests import MdfRequest
from partners.models import Partner
from prm.money import amount_field, currency_field


class AttributionKind(models.TextChoices):
    SOURCED = "sourced", "Partner-sourced"
    INFLUENCED = "influenced", "Partner-influenced"


class AttributionSource(models.TextChoices):
    CAMPAIGN_CODE = "campaign_code", "Campaign code at registration"
    CHANNEL_MANAGER = "channel_manager", "Channel manager"


class Attribution(models.Model):
    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="mdf_attributions")
    request = models.ForeignKey(MdfRequest, on_delete=models.PROTECT, related_name="attributions")
    kind = models.CharField(max_length=10, choices=AttributionKind.choices)
    source = models.CharField(max_length=16, choices=AttributionSource.choices)
    attributed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    attributed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-attributed_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["deal", "request"], name="attribution_once"),
            models.UniqueConstraint(
                fields=["deal"], condition=Q(kind="sourced"), name="attribution_one_source"
            ),
        ]
        indexes = [models.Index(fields=["request", "kind"], name="attribution_request_kind")]

    def __str__(self) -> str:
        return f"{self.deal} ← {self.request}"


class ActivityFigures(models.Model):
    """An activity's ROI figures, kept current in the transactions that change them (a claim
    approved, a deal attributed or not) and by the outbox handler of every deal event (its
    status or amount changed): the ROI pages sum these rows instead of joining claims and a
    million deals on each load (incentives.figures). One row per approved activity, with its
    request's fund, partner, program and currency beside the figures, so that the pages
    group these rows alone."""

    request = models.OneToOneField(
        MdfRequest, primary_key=True, on_delete=models.CASCADE, related_name="figures"
    )
    fund = models.ForeignKey(Fund, on_delete=models.CASCADE, related_name="+")
    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="+")
    program = models.ForeignKey(MdfProgram, on_delete=models.CASCADE, related_name="+")
    currency = currency_field(default="")
    spend = amount_field(default=ZERO)
    leads = models.PositiveIntegerField(default=0)
    sourced_pipeline = amount_field(default=ZERO)
    influenced_pipeline = amount_field(default=ZERO)
    sourced_won = amount_field(default=ZERO)
    influenced_won = amount_field(default=ZERO)
    sourced_deals = models.PositiveIntegerField(default=0)
    influenced_deals = models.PositiveIntegerField(default=0)
    other_currency_deals = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Figures of {self.request_id}"
