"""Org structures (vendor org units, partner organisations), memberships, partner profiles,
skills, certifications, agreements, applications and invitations (PRODUCT.md §2-§3)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Left, Lower
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django_countries.fields import CountryField
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase
from simple_history.models import HistoricalRecords
from treebeard.mp_tree import MP_Node

from partners.revenue import trailing_revenue
from prm import limits
from prm.audit import audit_declare
from prm.lifecycle import Lifecycle, status_constraint
from prm.tenancy.context import current_schema
from prm.users.models import Role

STEPLEN = MP_Node.steplen


def sibling_unique(field: str, name: str, message: str) -> models.UniqueConstraint:
    """One ``field`` value per parent: the parent's path is the node's path minus one step."""
    return models.UniqueConstraint(
        Left("path", (F("depth") - 1) * STEPLEN),
        Lower(field),
        name=name,
        violation_error_message=message,
        violation_error_code=f"{name}:{field}",
    )


def human_constraint(constraint, field: str):
    """A constraint whose violation a user reads beside ``field`` (with its message)."""
    constraint.violation_error_code = f"{constraint.name}:{field}"
    return constraint


class ConstraintErrorsBesideFields:
    """Model mixin: a constraint's violation found by ``full_clean`` (forms, services)
    stands beside the field its code names (``human_constraint``, ``sibling_unique``)
    instead of at the top as a whole-form error."""

    def validate_constraints(self, exclude=None) -> None:
        try:
            super().validate_constraints(exclude)  # type: ignore[misc]  # a Model's method
        except ValidationError as exc:
            errors: dict[str, list] = {}
            for key, items in exc.error_dict.items():
                for item in items:
                    code = item.code or ""
                    field = code.partition(":")[2] if key == NON_FIELD_ERRORS else ""
                    errors.setdefault(field or key, []).append(item)
            raise ValidationError(errors) from None


def ancestor_paths(node: MP_Node) -> list[str]:
    """The paths of ``node`` and of every node above it (materialized-path prefixes)."""
    return [node.path[:n] for n in range(STEPLEN, len(node.path) + 1, STEPLEN)]


def path_prefix_index(name: str) -> models.Index:
    """Subtree queries are ``path LIKE 'prefix%'``: a pattern-ops index serves them."""
    return models.Index(fields=["path"], opclasses=["varchar_pattern_ops"], name=name)


class MembershipRole(models.TextChoices):
    MEMBER = "member", "Member"
    MANAGER = "manager", "Manager"
    ADMINISTRATOR = "administrator", "Administrator"


class OrgUnit(ConstraintErrorsBesideFields, MP_Node):
    """A unit of the vendor's organisation (Global → EMEA → DACH); territories are units."""

    name = models.CharField(max_length=120)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords(excluded_fields=["numchild"])

    class Meta:
        constraints = [
            sibling_unique(
                "name",
                "org_unit_sibling_name_unique",
                "A unit with this name already exists under that parent.",
            )
        ]
        indexes = [path_prefix_index("org_unit_path_prefix")]

    def __str__(self) -> str:
        return self.name


class OrgUnitMembership(ConstraintErrorsBesideFields, models.Model):
    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="unit_memberships"
    )
    role = models.CharField(max_length=16, choices=MembershipRole.choices)
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "user"],
                name="unit_membership_unique",
                violation_error_message="This person already belongs to this unit.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.role}) in {self.unit}"


class Tier(models.Model):
    """A partner tier, configured per tenant, with the criteria a tier review checks."""

    name = models.CharField(max_length=60, unique=True)
    rank = models.PositiveSmallIntegerField(unique=True, help_text="Higher is better.")
    min_trailing_revenue = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    min_certified_people = models.PositiveIntegerField(default=0)
    discount_percent = models.DecimalField(max_digits=5, decimal_places=2, default=0)
    description = models.TextField(blank=True, max_length=limits.DESCRIPTION)
    history = HistoricalRecords()

    class Meta:
        ordering = ["rank"]

    def __str__(self) -> str:
        return self.name


class Competency(models.Model):
    name = models.CharField(max_length=80, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "competencies"

    def __str__(self) -> str:
        return self.name


class Industry(models.Model):
    name = models.CharField(max_length=80, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "industries"

    def __str__(self) -> str:
        return self.name


class PartnerType(models.TextChoices):
    RESELLER = "reseller", "Reseller"
    DISTRIBUTOR = "distributor", "Distributor"
    MSP = "msp", "Managed service provider"
    REFERRAL = "referral", "Referral"
    SYSTEM_INTEGRATOR = "system_integrator", "System integrator"
    ISV = "isv", "ISV"


class PartnerStatus(models.TextChoices):
    APPLIED = "applied", "Applied"
    ONBOARDING = "onboarding", "Onboarding"
    ACTIVE = "active", "Active"
    SUSPENDED = "suspended", "Suspended"
    TERMINATED = "terminated", "Terminated"


PARTNER_LIFECYCLE = Lifecycle(
    "partner",
    {
        PartnerStatus.APPLIED: frozenset({PartnerStatus.ONBOARDING, PartnerStatus.TERMINATED}),
        PartnerStatus.ONBOARDING: frozenset({PartnerStatus.ACTIVE, PartnerStatus.TERMINATED}),
        PartnerStatus.ACTIVE: frozenset({PartnerStatus.SUSPENDED, PartnerStatus.TERMINATED}),
        PartnerStatus.SUSPENDED: frozenset({PartnerStatus.ACTIVE, PartnerStatus.TERMINATED}),
        PartnerStatus.TERMINATED: frozenset(),
    },
    labels=dict(PartnerStatus.choices),
)
# A profile not reviewed for more than this many days is stale (lists, the partner page,
# the home figures, the default reminder workflow).
PROFILE_STALE_DAYS = 180


def stale_profiles_q(now: datetime | None = None) -> Q:
    """Partners whose ``profile_is_stale()``, as a filter (the same day boundary)."""
    now = now or timezone.now()
    return Q(profile_reviewed_at__lte=now - timedelta(days=PROFILE_STALE_DAYS + 1))


# The fields a profile form, an import row or the API may set (status has its own service).
PARTNER_FIELDS = (
    "display_name",
    "legal_name",
    "partner_type",
    "tier",
    "territory",
    "channel_manager",
    "website",
    "email_domain",
    "description",
)
PARTNER_M2M_FIELDS = ("competencies", "industries")


class Partner(ConstraintErrorsBesideFields, MP_Node):
    """A partner organisation: a company, its subsidiaries and branches form a tree."""

    legal_name = models.CharField(max_length=200)
    display_name = models.CharField(max_length=120)
    website = models.URLField(blank=True)
    email_domain = models.CharField(max_length=120, blank=True)
    partner_type = models.CharField(max_length=24, choices=PartnerType.choices)
    tier = models.ForeignKey(Tier, null=True, blank=True, on_delete=models.PROTECT)
    status = models.CharField(
        max_length=16, choices=PartnerStatus.choices, default=PartnerStatus.APPLIED
    )
    territory = models.ForeignKey(
        OrgUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="partners"
    )
    channel_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="managed_partners",
    )
    competencies = models.ManyToManyField(Competency, blank=True, related_name="partners")
    industries = models.ManyToManyField(Industry, blank=True, related_name="partners")
    description = models.TextField(blank=True, max_length=limits.DESCRIPTION)
    profile_reviewed_at = models.DateTimeField(
        default=timezone.now, help_text="Last time the partner confirmed its profile."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(excluded_fields=["numchild"], m2m_fields=[competencies, industries])

    class Meta:
        constraints = [
            sibling_unique(
                "display_name",
                "partner_sibling_name_unique",
                "A partner unit with this name already exists there.",
            ),
            human_constraint(
                PARTNER_LIFECYCLE.constraint(
                    "status", "partner_status_known", "Choose one of the partner statuses."
                ),
                "status",
            ),
        ]
        indexes = [
            path_prefix_index("partner_path_prefix"),
            models.Index(fields=["status", "tier"], name="partner_status_tier"),
        ]
        permissions = [("manage_partner", "Manage the partner's profile and users")]

    def __str__(self) -> str:
        return self.display_name

    def days_since_review(self) -> int:
        return (timezone.now() - self.profile_reviewed_at).days

    def profile_is_stale(self) -> bool:
        return self.days_since_review() > PROFILE_STALE_DAYS

    def certified_people(self) -> int:
        """People of this partner unit holding a certification that has not expired."""
        valid = Q(expires_on__isnull=True) | Q(expires_on__gte=date.today())
        return self.certifications.filter(valid).values("holder_name").distinct().count()

    def qualified_tier(self) -> Tier | None:
        """The best tier whose criteria the partner meets today, which the periodic tier
        review proposes: certified people, and won revenue of the trailing 12 months."""
        people = self.certified_people()
        revenue = trailing_revenue(self)
        return (
            Tier.objects.filter(min_certified_people__lte=people, min_trailing_revenue__lte=revenue)
            .order_by("-rank")
            .first()
        )

    def tier_review(self) -> str:
        """``upgrade``, ``downgrade`` or empty: how the qualified tier compares."""
        qualified = self.qualified_tier()
        if qualified is None:
            return ""
        if self.tier is None or qualified.rank > self.tier.rank:
            return "upgrade"
        return "downgrade" if qualified.rank < self.tier.rank else ""


class PartnerMembership(models.Model):
    """A partner-side user's place in the partner tree (one partner unit per user)."""

    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="memberships")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="partner_membership"
    )
    role = models.CharField(max_length=16, choices=MembershipRole.choices)
    history = HistoricalRecords()

    def __str__(self) -> str:
        return f"{self.user} ({self.role}) at {self.partner}"


class Location(ConstraintErrorsBesideFields, models.Model):
    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="locations")
    label = models.CharField(max_length=80, blank=True)
    street = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100)
    postal_code = models.CharField(max_length=20, blank=True)
    country = CountryField()
    region = models.CharField(max_length=80, blank=True)
    is_headquarters = models.BooleanField(default=False)
    history = HistoricalRecords()

    class Meta:
        indexes = [models.Index(fields=["country"], name="location_country")]
        constraints = [
            human_constraint(
                models.UniqueConstraint(
                    fields=["partner"],
                    condition=Q(is_headquarters=True),
                    name="one_headquarters_per_partner",
                    violation_error_message="This partner already has a headquarters.",
                ),
                "is_headquarters",
            )
        ]

    def __str__(self) -> str:
        return f"{self.city}, {self.get_country_display()}"


class BusinessPlan(ConstraintErrorsBesideFields, models.Model):
    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="plans")
    year = models.PositiveSmallIntegerField()
    revenue_target = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    deals_target = models.PositiveIntegerField(default=0)
    certified_people_target = models.PositiveIntegerField(default=0)
    history = HistoricalRecords()

    class Meta:
        constraints = [
            human_constraint(
                models.UniqueConstraint(
                    fields=["partner", "year"],
                    name="business_plan_year_unique",
                    violation_error_message="This partner already has a plan for that year.",
                ),
                "year",
            )
        ]

    def __str__(self) -> str:
        return f"{self.partner} plan {self.year}"


class ContactKind(models.TextChoices):
    CALL = "call", "Call"
    MEETING = "meeting", "Meeting"
    EMAIL = "email", "E-mail"
    VISIT = "visit", "Visit"


class PartnerContact(models.Model):
    """A contact the vendor's team recorded with a partner (the "reach out to your partner"
    schedule looks for the absence of these)."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="contacts")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    kind = models.CharField(max_length=12, choices=ContactKind.choices)
    happened_on = models.DateField(default=date.today)
    note = models.TextField(blank=True, max_length=limits.NOTE)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-happened_on", "-created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} with {self.partner} on {self.happened_on}"


class Certification(ConstraintErrorsBesideFields, models.Model):
    """A certification held by one of the partner's people."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="certifications")
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    holder_name = models.CharField(max_length=120)
    name = models.CharField(max_length=120)
    competency = models.ForeignKey(
        Competency, null=True, blank=True, on_delete=models.SET_NULL, related_name="certifications"
    )
    issued_on = models.DateField()
    expires_on = models.DateField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        indexes = [models.Index(fields=["expires_on"], name="certification_expiry")]
        constraints = [
            human_constraint(
                models.CheckConstraint(
                    condition=Q(expires_on__isnull=True) | Q(expires_on__gt=F("issued_on")),
                    name="certification_expires_after_issue",
                    violation_error_message="The expiry date must be after the issue date.",
                ),
                "expires_on",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.holder_name})"


class Agreement(models.Model):
    """A version of the program terms. The current one is the latest published."""

    version = models.PositiveIntegerField(unique=True)
    title = models.CharField(max_length=200)
    body = models.TextField(max_length=limits.DOCUMENT)
    published_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-version"]

    def __str__(self) -> str:
        return f"{self.title} (v{self.version})"


class AgreementAcceptance(ConstraintErrorsBesideFields, models.Model):
    """Who accepted which version, when and from where. Never deleted."""

    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, related_name="acceptances")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="acceptances"
    )
    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="acceptances")
    accepted_at = models.DateTimeField(default=timezone.now)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "user"],
                name="acceptance_once_per_user",
                violation_error_message="You have already accepted this version.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} accepted v{self.agreement.version}"


class ApplicationStatus(models.TextChoices):
    PENDING = "pending", "Pending review"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


class PartnerApplication(ConstraintErrorsBesideFields, models.Model):
    """A prospect's application through the tenant's public form."""

    company_name = models.CharField(max_length=200)
    website = models.URLField(blank=True)
    partner_type = models.CharField(max_length=24, choices=PartnerType.choices)
    country = CountryField()
    contact_name = models.CharField(max_length=120)
    contact_email = models.EmailField()
    message = models.TextField(blank=True, max_length=limits.DESCRIPTION)
    status = models.CharField(
        max_length=12, choices=ApplicationStatus.choices, default=ApplicationStatus.PENDING
    )
    decision_reason = models.TextField(blank=True, max_length=limits.NOTE)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    partner = models.OneToOneField(Partner, null=True, blank=True, on_delete=models.SET_NULL)
    submitted_at = models.DateTimeField(auto_now_add=True)
    submitted_ip = models.GenericIPAddressField(null=True, blank=True)
    received_email_sent_at = models.DateTimeField(
        null=True, blank=True, help_text="When the applicant was e-mailed that it was received."
    )
    rejected_email_sent_at = models.DateTimeField(
        null=True, blank=True, help_text="When the applicant was e-mailed the rejection."
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-submitted_at"]
        constraints = [
            human_constraint(
                status_constraint(
                    "status",
                    ApplicationStatus.values,
                    "application_status_known",
                    "Choose pending, approved or rejected.",
                ),
                "status",
            )
        ]

    def __str__(self) -> str:
        return self.company_name

    def email_domain(self) -> str:
        return self.contact_email.rpartition("@")[2].lower()

    def domain_enrolled(self) -> bool:
        """Is a partner with the applicant's e-mail domain already in the program?"""
        return Partner.objects.filter(email_domain__iexact=self.email_domain()).exists()


class Invitation(models.Model):
    """A single-use, expiring link to create an account and set a password. Only a hash
    of the token is stored. An address has at most one pending invitation (neither accepted
    nor revoked; an expired one is still pending until it is re-sent or revoked): the
    database enforces it."""

    email = models.EmailField()
    role = models.CharField(max_length=32, choices=Role.choices)
    partner = models.ForeignKey(Partner, null=True, blank=True, on_delete=models.CASCADE)
    org_unit = models.ForeignKey(OrgUnit, null=True, blank=True, on_delete=models.CASCADE)
    membership_role = models.CharField(
        max_length=16, choices=MembershipRole.choices, default=MembershipRole.MEMBER
    )
    token_hash = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(default=timezone.now, help_text="When it was last (re)sent.")

    class Meta:
        indexes = [models.Index(fields=["email"], name="invitation_email")]
        constraints = [
            models.UniqueConstraint(
                fields=["email"],
                condition=Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="invitation_one_pending_per_email",
                violation_error_message="This address already has a pending invitation: "
                "resend or revoke it in the list of pending invitations.",
            )
        ]

    def __str__(self) -> str:
        return f"Invitation of {self.email} as {self.role}"

    def link_token(self) -> str:
        """The token of the invitation's link, derived from ``SECRET_KEY`` and the row (its
        tenant, address and the time it was last sent): the e-mail task rebuilds it from the
        row, so the token never travels through the broker, and the database keeps only its
        hash (a dump alone gives no working link)."""
        sent = self.sent_at.astimezone(UTC).isoformat()
        value = f"{current_schema()}:{self.email}:{sent}"
        return salted_hmac("partners.invitation", value, algorithm="sha256").hexdigest()

    @property
    def expired(self) -> bool:
        return self.expires_at <= timezone.now()


class PartnerUserObjectPermission(UserObjectPermissionBase):
    """Explicit per-partner grants (django-guardian), with a real foreign key so scope
    queries join instead of casting ``object_pk``."""

    content_object = models.ForeignKey(Partner, on_delete=models.CASCADE)


class PartnerGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Partner, on_delete=models.CASCADE)


class AccessChange(models.Model):
    """A user deactivated or reactivated, by whom and why (the audit of who may sign in;
    users keep no history of their own). Never deleted."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="access_changes"
    )
    active = models.BooleanField(help_text="Whether the user may sign in after the change.")
    reason = models.TextField(blank=True, max_length=limits.NOTE)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-changed_at"]

    def __str__(self) -> str:
        return f"{self.user} {'reactivated' if self.active else 'deactivated'}"


# How their histories read in the audit trail (the other fields by their verbose names).
audit_declare(
    Partner,
    labels={
        "display_name": "Name",
        "email_domain": "E-mail domain",
        "profile_reviewed_at": "Profile reviewed",
    },
)
audit_declare(OrgUnit, labels={"name": "Name"})
audit_declare(PartnerApplication, labels={"email_domain": "E-mail domain"})
