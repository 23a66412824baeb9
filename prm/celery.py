"""The Celery app. tenant-schemas-celery carries the sender's schema in a task header and
switches ``search_path`` in the worker, so a task runs in the tenant that sent it."""

import os

from tenant_schemas_celery.app import CeleryApp

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "prm.settings")

app = CeleryApp("prm")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
