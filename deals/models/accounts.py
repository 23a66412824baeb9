"""Customer accounts, their domains, reservations and the tenant's reservation policy
(PRODUCT.md §4)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django_countries.fields import CountryField
from simple_history.models import HistoricalRecords
from treebeard.mp_tree import MP_Node

from prm.audit import audit_declare
from prm.lifecycle import Lifecycle
from prm.singleton import TenantSettings

NAME_MAX = 200
DOMAIN_MAX = 253  # the longest DNS name


class CustomerAccount(MP_Node):
    """A customer company; offices, divisions and subsidiaries are its children (a
    materialised-path tree like the partner tree)."""

    name = models.CharField(max_length=NAME_MAX)
    # deals.normalise.normalise_name(name) and its core (without generic words); written by
    # the services on every change of the name, read by the lookup's trigram indexes.
    normalised_name = models.CharField(max_length=NAME_MAX, editable=False)
    name_core = models.CharField(max_length=NAME_MAX, editable=False)
    # normalised_name without spaces: "same normalised name" ("Price Waterhouse Coopers" is
    # "PricewaterhouseCoopers").
    name_key = models.CharField(max_length=NAME_MAX, editable=False)
    # deals.normalise.name_keys(normalised_name): the lookup's candidates are the accounts
    # sharing one of the query's keys (one GIN lookup), less the tenant's CommonNameKey.
    name_keys = ArrayField(
        models.CharField(max_length=NAME_MAX), default=list, blank=True, editable=False
    )
    country = CountryField(blank=True)
    region = models.CharField(max_length=100, blank=True)
    vendor_owned = models.BooleanField(
        default=False, help_text="A named account the vendor sells to directly."
    )
    vendor_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_accounts",
        help_text="The vendor's account owner of a vendor-owned account.",
    )
    external_crm_id = models.CharField("CRM id", max_length=100, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="created_accounts",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(
        excluded_fields=["numchild", "normalised_name", "name_core", "name_keys"]
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["external_crm_id"],
                condition=~Q(external_crm_id=""),
                name="account_crm_id_unique",
            ),
            models.CheckConstraint(
                condition=Q(vendor_owned=True) | Q(vendor_owner__isnull=True),
                name="account_owner_only_if_vendor_owned",
            ),
        ]
        indexes = [
            models.Index(fields=["path"], opclasses=["varchar_pattern_ops"], name="account_path"),
            models.Index(fields=["name_key", "country"], name="account_name_key_country"),
            GinIndex(fields=["name_keys"], name="account_name_keys"),
        ]

    def __str__(self) -> str:
        return self.name


class CommonNameKey(models.Model):
    """A name key shared by more than COMMON_NAME_KEY accounts of the tenant ("logistics",
    "bank", and their one-typo neighbours): no evidence of one company, and too many rows
    to fetch, so the lookup does not search by it. Refreshed from the accounts by
    deals.namekeys.common_name_keys_refresh (daily, and after an import)."""

    COMMON_NAME_KEY = 500

    key = models.CharField(max_length=NAME_MAX, primary_key=True)
    accounts = models.PositiveIntegerField()

    def __str__(self) -> str:
        return self.key


class DomainKind(models.TextChoices):
    WEB = "web", "Web site"
    EMAIL = "email", "E-mail"


class AccountDomain(models.Model):
    """A registrable domain (``acme.co.uk``) of an account: one account per domain."""

    account = models.ForeignKey(CustomerAccount, on_delete=models.CASCADE, related_name="domains")
    domain = models.CharField(max_length=DOMAIN_MAX)
    kind = models.CharField(max_length=8, choices=DomainKind.choices, default=DomainKind.WEB)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["domain"]
        constraints = [
            models.UniqueConstraint(fields=["domain"], name="account_domain_unique"),
            # Written normalised (deals.normalise.normalise_domain): lower case, so the
            # unique constraint is also case-insensitive.
            models.CheckConstraint(
                condition=Q(domain=Lower("domain")), name="account_domain_lower"
            ),
        ]

    def __str__(self) -> str:
        return self.domain


class ReservationStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    RELEASED = "released", "Released"
    EXPIRED = "expired", "Expired"


RESERVATION_LIFECYCLE = Lifecycle(
    "reservation",
    {
        ReservationStatus.ACTIVE: frozenset(
            {ReservationStatus.RELEASED, ReservationStatus.EXPIRED}
        ),
        ReservationStatus.RELEASED: frozenset(),
        ReservationStatus.EXPIRED: frozenset(),
    },
    labels=dict(ReservationStatus.choices),
)


class Reservation(models.Model):
    """A partner's claim on a customer account for the policy period. At most one active
    reservation per account: a partial unique index decides between concurrent attempts."""

    account = models.ForeignKey(
        CustomerAccount, on_delete=models.PROTECT, related_name="reservations"
    )
    partner = models.ForeignKey(
        "partners.Partner", on_delete=models.PROTECT, related_name="reservations"
    )
    reserved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(
        max_length=12, choices=ReservationStatus.choices, default=ReservationStatus.ACTIVE
    )
    # The server's clock at the insert, the last statement before commit (the services set
    # both with SQL, never with the application server's clock).
    starts_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    extensions = models.PositiveSmallIntegerField(default=0)
    # Refused requests for the next extension: a refusal closes that request, so the
    # partner may ask again (each request is one event, keyed by extension_request_key).
    extension_refusals = models.PositiveSmallIntegerField(default=0)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-starts_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["account"],
                condition=Q(status=ReservationStatus.ACTIVE),
                name="reservation_one_active_per_account",
            ),
            RESERVATION_LIFECYCLE.constraint("status", "reservation_status_known"),
            models.CheckConstraint(
                condition=Q(expires_at__gt=F("starts_at")), name="reservation_expires_after_start"
            ),
            models.CheckConstraint(
                condition=Q(status=ReservationStatus.ACTIVE, ended_at__isnull=True)
                | (~Q(status=ReservationStatus.ACTIVE) & Q(ended_at__isnull=False)),
                name="reservation_ended_iff_not_active",
            ),
        ]
        indexes = [
            models.Index(fields=["partner", "status"], name="reservation_partner_status"),
            models.Index(
                fields=["expires_at"],
                condition=Q(status=ReservationStatus.ACTIVE),
                name="reservation_active_expiry",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account} for {self.partner}"

    @property
    def extension_request_key(self) -> str:
        """The dedupe key of the request for the next extension: one open request at a
        time, a new one after each decision (granted: the next number; refused: a new
        attempt at the same number)."""
        return f"reservation:{self.pk}:extension:{self.extensions + 1}:{self.extension_refusals}"


def _default_reminder_days() -> list[int]:
    return [14, 3]


class ReservationPolicy(TenantSettings):
    """The tenant's rules for reservations and the lookup's thresholds: one row per tenant
    (``ReservationPolicy.current()``)."""

    period_days = models.PositiveSmallIntegerField(default=90)
    reminder_days = ArrayField(
        models.PositiveSmallIntegerField(),
        default=_default_reminder_days,
        blank=True,
        help_text="Days before expiry on which the partner is reminded.",
    )
    max_active_per_partner = models.PositiveIntegerField(
        null=True, blank=True, help_text="Empty: no limit."
    )
    max_extensions = models.PositiveSmallIntegerField(default=1)
    extension_days = models.PositiveSmallIntegerField(default=30)
    parent_covers_children = models.BooleanField(
        default=True, help_text="Reserving a company also reserves its offices and subsidiaries."
    )
    child_blocks_parent = models.BooleanField(
        default=True,
        help_text="An office reserved by one partner keeps other partners from its parent.",
    )
    # The lookup's soft evidence (a "possible" match): trigram similarity of the normalised
    # name, or of its core, at least this (pg_trgm's % operator prefilters at 0.3), and the
    # re-ranked score at least possible_min_score.
    name_similarity = models.FloatField(default=0.45)
    core_similarity = models.FloatField(default=0.6)
    possible_min_score = models.FloatField(default=0.8)
    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "reservation policies"
        constraints = [
            models.CheckConstraint(condition=Q(singleton=True), name="reservation_policy_single"),
            models.CheckConstraint(condition=Q(period_days__gte=1), name="policy_period_positive"),
            models.CheckConstraint(
                condition=Q(extension_days__gte=1), name="policy_extension_positive"
            ),
            *(
                models.CheckConstraint(
                    condition=Q(**{f"{f}__gte": 0.3, f"{f}__lte": 1}), name=f"policy_{f}_range"
                )
                for f in ("name_similarity", "core_similarity", "possible_min_score")
            ),
        ]

    def __str__(self) -> str:
        return "Reservation policy"


audit_declare(
    CustomerAccount,
    labels={"vendor_owner": "Account owner", "external_crm_id": "CRM id"},
    hidden=("name_key", "created_by", "created_at"),
)
audit_declare(Reservation, labels={"ended_by": "Ended by"})
