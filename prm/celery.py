"""The Celery app. tenant-schemas-celery carries the sender's schema in a task header and
switches ``search_path`` in the worker, so a task runs in the tenant that sent it."""

import os

from tenant_schemas_celery.app import CeleryApp

# `celery -A prm` names no settings, and Celery installs its Django fix-up only if the
# variable is set when the app is created. Whether this import set it is recorded for the
# test plugin (prm/testing.py), which imports the package before pytest-django reads it.
SETTINGS_MODULE_DEFAULTED = "DJANGO_SETTINGS_MODULE" not in os.environ
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "prm.settings")

app = CeleryApp("prm")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
