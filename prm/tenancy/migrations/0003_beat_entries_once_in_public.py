"""Beat's fan-out entries are now sent once, in public ("name@public"): drop the entries
of the old form ("name@__all_tenants_only__"), which the scheduler would keep sending."""

from django.db import migrations

NAMES = ["outbox-sweep", "workflow-runs-sweep", "certification-reminders", "workflow-schedules"]


def forwards(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=[f"{n}@__all_tenants_only__" for n in NAMES]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("tenancy", "0002_public_tenant"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
