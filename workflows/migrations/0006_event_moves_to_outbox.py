# The Event model now belongs to the platform's outbox (prm.outbox); the table stays. Only
# Django's state changes: the foreign keys point at outbox.Event and workflows forgets it.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("workflows", "0005_workflow_checked_period"),
        ("outbox", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.AlterField(
                    model_name="notification",
                    name="event",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        to="outbox.event",
                    ),
                ),
                migrations.AlterField(
                    model_name="workflowrun",
                    name="event",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        to="outbox.event",
                    ),
                ),
                migrations.DeleteModel(name="Event"),
            ],
        ),
    ]
