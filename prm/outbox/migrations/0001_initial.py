# The Event model moves from the workflows app to the platform's outbox. Its table
# (workflows_event, created by workflows 0001) stays as it is: this changes only Django's
# state, after the workflows migrations that shaped the table.

import uuid

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("workflows", "0005_workflow_checked_period"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="Event",
                    fields=[
                        (
                            "id",
                            models.UUIDField(
                                default=uuid.uuid4,
                                editable=False,
                                primary_key=True,
                                serialize=False,
                            ),
                        ),
                        ("type", models.CharField(max_length=80)),
                        ("object_type", models.CharField(max_length=60)),
                        ("object_id", models.CharField(max_length=40)),
                        ("partner_id", models.IntegerField(blank=True, null=True)),
                        ("payload", models.JSONField(blank=True, default=dict)),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("processed_at", models.DateTimeField(blank=True, null=True)),
                        ("attempts", models.PositiveIntegerField(default=0)),
                        ("last_error", models.TextField(blank=True)),
                        (
                            "actor",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "db_table": "workflows_event",
                        "ordering": ["created_at"],
                        "indexes": [
                            models.Index(fields=["type", "created_at"], name="event_type_time"),
                            models.Index(
                                fields=["partner_id", "type", "created_at"], name="event_partner"
                            ),
                            models.Index(
                                condition=models.Q(("processed_at__isnull", True)),
                                fields=["created_at"],
                                name="event_pending",
                            ),
                        ],
                    },
                ),
            ],
        ),
    ]
