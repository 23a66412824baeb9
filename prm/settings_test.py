"""Test settings: the real settings with fast hashing, eager Celery and in-memory e-mail.
Tests that prove delivery start real workers with ``CELERY_TASK_ALWAYS_EAGER=0``."""

import os
from pathlib import Path

os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production")
os.environ.setdefault("PRM_DATA_DIR", str(Path(__file__).resolve().parent.parent / ".data/test"))

from prm.settings import *  # noqa: F403
from prm.settings import env

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.locmem.EmailBackend")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
PORTAL_URL_SCHEME = "http"
# The webhook receivers of the tests listen on http://127.0.0.1 (worker subprocesses read
# these settings too); the guard's own tests turn them off.
WORKFLOW_WEBHOOKS_ALLOW_HTTP = env.bool("WORKFLOW_WEBHOOKS_ALLOW_HTTP", default=True)
WORKFLOW_WEBHOOKS_ALLOW_PRIVATE = env.bool("WORKFLOW_WEBHOOKS_ALLOW_PRIVATE", default=True)
PORTAL_URL_PORT = env.str("PORTAL_URL_PORT", default="")
# One queue per pytest-xdist worker: real Celery workers started by different test
# processes share the test Redis but not the test database.
CELERY_TASK_DEFAULT_QUEUE = "test-" + os.environ.get("PYTEST_XDIST_WORKER", "main")
# A cache of the test process's own: rate-limit counters must not outlive a test session
# (the demo Redis would remember them for an hour).
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
SILENCED_SYSTEM_CHECKS = ["django_ratelimit.E003", "django_ratelimit.W001"]
