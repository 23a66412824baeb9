from django.db import models
from django_tenants.models import DomainMixin, TenantMixin


class Vendor(TenantMixin):
    """A vendor running its partner program: one Postgres schema, one or more host names."""

    name = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)
    # The program's currency (ISO 4217 code): amounts in the portal are shown with it.
    currency = models.CharField(max_length=3, default="USD")
    is_template = models.BooleanField(
        default=False, help_text="The migrated, empty schema that new tenants are cloned from."
    )

    auto_create_schema = True
    auto_drop_schema = True

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Domain(DomainMixin):
    class Meta:
        ordering = ["domain"]

    def __str__(self) -> str:
        return self.domain
