"""Every tenant starts with the usual reasons a registration is rejected for (its vendor
admins may change the list)."""

from django.db import migrations

from deals.models.registrations import DEFAULT_REJECTION_REASONS


def seed(apps, schema_editor):
    RejectionReason = apps.get_model("deals", "RejectionReason")
    for position, (code, label) in enumerate(DEFAULT_REJECTION_REASONS):
        RejectionReason.objects.get_or_create(
            code=code, defaults={"label": label, "position": position}
        )


class Migration(migrations.Migration):
    dependencies = [("deals", "0003_catalogue_deals")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
