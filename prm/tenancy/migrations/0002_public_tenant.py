from django.conf import settings
from django.db import migrations


def create_public_tenant(apps, schema_editor):
    """The public schema as a tenant row, reached at PRM_PUBLIC_DOMAIN (the operator's host)."""
    Vendor = apps.get_model("tenancy", "Vendor")
    Domain = apps.get_model("tenancy", "Domain")
    public, _ = Vendor.objects.get_or_create(schema_name="public", defaults={"name": "Platform"})
    Domain.objects.get_or_create(
        domain=settings.PUBLIC_DOMAIN, defaults={"tenant": public, "is_primary": True}
    )


class Migration(migrations.Migration):
    dependencies = [("tenancy", "0001_initial")]
    operations = [migrations.RunPython(create_public_tenant, migrations.RunPython.noop)]
