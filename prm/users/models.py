"""Users live in each tenant's schema (login is per tenant); the public schema holds only
the platform operators who administer tenants."""

from typing import ClassVar

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone


class Role(models.TextChoices):
    VENDOR_ADMIN = "vendor_admin", "Vendor admin"
    CHANNEL_MANAGER = "channel_manager", "Channel manager"
    FINANCE_APPROVER = "finance_approver", "Finance approver"
    LEGAL_APPROVER = "legal_approver", "Legal approver"
    PARTNER_ADMIN = "partner_admin", "Partner admin"
    PARTNER_MANAGER = "partner_manager", "Partner manager"
    PARTNER_USER = "partner_user", "Partner user"


VENDOR_ROLES = frozenset(
    {Role.VENDOR_ADMIN, Role.CHANNEL_MANAGER, Role.FINANCE_APPROVER, Role.LEGAL_APPROVER}
)
PARTNER_ROLES = frozenset({Role.PARTNER_ADMIN, Role.PARTNER_MANAGER, Role.PARTNER_USER})


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields) -> "User":
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields) -> "User":
        fields.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField(unique=True)
    full_name = models.CharField(max_length=200, blank=True)
    role = models.CharField(
        max_length=32,
        choices=Role.choices,
        blank=True,
        help_text="Empty only for platform operators in the public schema.",
    )
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False, help_text="May use the Django admin.")
    date_joined = models.DateTimeField(default=timezone.now)
    welcome_sent_at = models.DateTimeField(null=True, blank=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        ordering = ["email"]

    def __str__(self) -> str:
        return self.full_name or self.email

    @property
    def is_vendor_side(self) -> bool:
        return self.role in VENDOR_ROLES

    @property
    def is_partner_side(self) -> bool:
        return self.role in PARTNER_ROLES
