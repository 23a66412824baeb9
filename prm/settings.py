"""The one settings module. Everything that differs between machines comes from the
environment (see the configuration table in README.md)."""

from __future__ import annotations

from pathlib import Path

import environ
from csp.constants import NONE, SELF

from prm import embedded

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env")  # optional; real environment variables win

DEV_SECRET_KEY = "dev-insecure-secret-key-do-not-use-in-production"
DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default=DEV_SECRET_KEY)
if SECRET_KEY_FILE := env.str("SECRET_KEY_FILE", default=""):
    SECRET_KEY = Path(SECRET_KEY_FILE).read_text().strip()
if not DEBUG and SECRET_KEY == DEV_SECRET_KEY and not env.bool("PRM_ALLOW_DEV_SECRET", False):
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(
        "SECRET_KEY is the development key while DEBUG is off: set SECRET_KEY (or "
        "SECRET_KEY_FILE) for production, or DEBUG=1 for development."
    )

DATA_DIR = Path(env.str("PRM_DATA_DIR", default=str(BASE_DIR / ".data"))).resolve()
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", ".localhost", "127.0.0.1"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
PUBLIC_DOMAIN = env.str("PRM_PUBLIC_DOMAIN", default="localhost")
# How e-mails sent by tasks (no request at hand) link back to a tenant's host.
PORTAL_URL_SCHEME = env.str("PORTAL_URL_SCHEME", default="http" if DEBUG else "https")
PORTAL_URL_PORT = env.str("PORTAL_URL_PORT", default="")  # e.g. ":8000" in development

# --- services: configured, or else where the embedded servers of the data dir listen ---
# Reading them starts nothing: the launcher (make run), manage.py and the test set-up
# start the embedded servers when these are unset and export both URLs to their children.
DATABASE_URL = env.str("DATABASE_URL", default="") or embedded.postgres_url(DATA_DIR)
REDIS_URL = env.str("REDIS_URL", default="") or embedded.redis_url(DATA_DIR)

DATABASES = {"default": env.db_url_config(DATABASE_URL)}
DATABASES["default"].update(
    ENGINE="django_tenants.postgresql_backend",
    CONN_MAX_AGE=env.int("DB_CONN_MAX_AGE", default=60),
    CONN_HEALTH_CHECKS=True,
)
DATABASE_ROUTERS = ["django_tenants.routers.TenantSyncRouter"]

# --- tenancy ---
SHARED_APPS = [
    "django_tenants",
    "prm.tenancy",
    "prm.users",
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.admin",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django_celery_beat",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "template_partials",
    "treebeard",
    "simple_history",
    "import_export",
    "django_countries",
    "prm.portal",
]
TENANT_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "prm.users",
    "rest_framework.authtoken",
    "guardian",
    "django_celery_beat",
    "prm.outbox",
    "partners",
    "deals",
    "incentives",
    "workflows",
]
INSTALLED_APPS = SHARED_APPS + [app for app in TENANT_APPS if app not in SHARED_APPS]
TENANT_MODEL = "tenancy.Vendor"
TENANT_DOMAIN_MODEL = "tenancy.Domain"
PUBLIC_SCHEMA_URLCONF = "prm.urls_public"
ROOT_URLCONF = "prm.urls"
# New tenants are cloned from this migrated, empty schema (see prm/tenancy/services.py).
TENANT_BASE_SCHEMA = "tenant_template"
# Migrations of apps a schema does not hold are recorded there, not run (prm/tenancy/migrate.py).
TENANT_BASE_MIGRATE_COMMAND = "prm.tenancy.migrate.Command"
TENANT_CREATION_FAKES_MIGRATIONS = env.bool("TENANT_CLONE", default=True)
# Set search_path once per connection and tenant instead of before every cursor; the
# installed django-tenants forgets the cached path on rollback and savepoint rollback,
# and tests/test_tenancy.py checks that a rolled-back savepoint cannot leak a schema.
TENANT_LIMIT_SET_CALLS = True
TENANT_CACHE_SECONDS = env.int("TENANT_CACHE_SECONDS", default=30)

MIDDLEWARE = [
    "prm.tenancy.middleware.TenantMiddleware",
    "prm.http.RejectNulMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "prm.http.NoStoreMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "prm.api.ApiErrorMiddleware",
]

# Scripts, styles, fonts and images come from the app itself (no CDN, no inline script);
# style attributes stay allowed (indentation of trees, htmx's indicator styles).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, "'unsafe-inline'"],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

AUTH_USER_MODEL = "users.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
ANONYMOUS_USER_NAME = None  # django-guardian: no anonymous user row in every schema
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24
# Against password guessing (prm/users/lockout.py), on the sign-in form, the token API and
# the operator's admin alike: failed sign-ins only, counted per account and per address.
PRM_LOGIN_FAILURES_PER_ACCOUNT = env.int("PRM_LOGIN_FAILURES_PER_ACCOUNT", default=8)
PRM_LOGIN_FAILURES_PER_ADDRESS = env.int("PRM_LOGIN_FAILURES_PER_ADDRESS", default=20)
PRM_LOGIN_COOLOFF_SECONDS = env.int("PRM_LOGIN_COOLOFF_SECONDS", default=600)
# The account lookup's budget per user and tenant (django-ratelimit rate, deals.selectors):
# the vendor's named accounts are confidential. Benchmarks raise it to measure the lookup.
PRM_ACCOUNT_LOOKUP_RATE = env.str("PRM_ACCOUNT_LOOKUP_RATE", default="60/m")
# How many proxies in front of the app append to X-Forwarded-For (the README's TLS proxy:
# 1). 0: the client is REMOTE_ADDR and X-Forwarded-For is ignored.
PRM_TRUSTED_PROXIES = env.int("PRM_TRUSTED_PROXIES", default=0)

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "portal_templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "prm.portal.navigation.context",
                "workflows.views.unread_count",
            ],
            # ago, days_ago and money in every template (prm/portal/templatetags/portal.py)
            "builtins": ["prm.portal.templatetags.portal"],
        },
    },
]
WSGI_APPLICATION = "prm.wsgi.application"

LANGUAGE_CODE = "en"
# One date style on every page: "5 Mar 2026", "5 Mar 2026 14:05" (prm/formats/en/formats.py).
FORMAT_MODULE_PATH = ["prm.formats"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [
    ("vendor/bootstrap", BASE_DIR / "node_modules/bootstrap/dist"),
    ("vendor/bootstrap-icons", BASE_DIR / "node_modules/bootstrap-icons/font"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG
MEDIA_ROOT = DATA_DIR / "media"

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL.replace("redis+socket://", "unix://"),
        "KEY_FUNCTION": "django_tenants.cache.make_key",  # keys carry the schema
        "REVERSE_KEY_FUNCTION": "django_tenants.cache.reverse_key",
    }
}
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if not DEBUG else None
# Production behind HTTPS (README): redirect plain http and tell browsers to stay on https.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
SECURE_REDIRECT_EXEMPT = [r"^healthz/$"]  # the load balancer's probe speaks plain http
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)

# --- e-mail: a file per message under the data dir unless EMAIL_URL says otherwise ---
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="PRM portal <no-reply@localhost>")
if EMAIL_URL := env.str("EMAIL_URL", default=""):
    vars().update(env.email_url_config(EMAIL_URL))
else:
    EMAIL_BACKEND = env.str(
        "EMAIL_BACKEND", default="django.core.mail.backends.filebased.EmailBackend"
    )
    EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH", default=str(DATA_DIR / "mail"))

# --- Celery ---
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = REDIS_URL
# Tasks are side effects whose state of record is in Postgres: nobody waits for their
# results, and storing one subscribed the sender to its channel on every send (a few ms
# of each reservation or deal). A task whose result is read says ignore_result=False.
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True  # a SIGKILLed worker's task is redelivered
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 30 * 60  # below Redis' visibility timeout (1 h)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Publishing gives up quickly when the broker is down (the sweeps re-send from Postgres)
# rather than holding a web request for the default ~20 seconds of retries.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2}
CELERY_BROKER_CONNECTION_TIMEOUT = 2
# Sending a task first subscribes to its result in Redis with the backend's own retries
# (20 x 1 s): as short as publishing's, so a commit is not held while Redis is down.
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {
    "retry_policy": {
        "max_retries": 2,
        "interval_start": 0,
        "interval_step": 0.2,
        "interval_max": 0.2,
    }
}
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
# A run still "running" this long after its last change is presumed orphaned (worker killed)
# and re-driven by the sweep.
WORKFLOW_STALE_SECONDS = env.int("WORKFLOW_STALE_SECONDS", default=120)
# How often beat runs the outbox and workflow-run sweeps (the latter also escalates
# overdue approvals); the end-to-end tests run beat with 1.
WORKFLOW_SWEEP_SECONDS = env.int("WORKFLOW_SWEEP_SECONDS", default=60)
# An event still unprocessed this long after it was written is sent again by the sweep.
WORKFLOW_OUTBOX_RESEND_SECONDS = env.int("WORKFLOW_OUTBOX_RESEND_SECONDS", default=60)
# A wait shorter than this is resumed by a delayed task; longer ones by the sweep, so that
# no worker holds a message for hours (Redis redelivers those after its visibility timeout).
WORKFLOW_COUNTDOWN_MAX_SECONDS = env.int("WORKFLOW_COUNTDOWN_MAX_SECONDS", default=300)
# Webhooks go only to public https addresses. Development and tests (a receiver on
# 127.0.0.1) may allow plain http and loopback/private addresses; never in production.
WORKFLOW_WEBHOOKS_ALLOW_HTTP = env.bool("WORKFLOW_WEBHOOKS_ALLOW_HTTP", default=False)
WORKFLOW_WEBHOOKS_ALLOW_PRIVATE = env.bool("WORKFLOW_WEBHOOKS_ALLOW_PRIVATE", default=False)
CELERY_BEAT_SCHEDULER = "tenant_schemas_celery.db_scheduler:TenantAwareDatabaseScheduler"
# Per-tenant schedules fan out from public through one dispatcher task (tenancy.fan_out):
# each entry is sent once, in public ("tenant_schemas"); without it the scheduler would send
# it into every schema and each fan_out again into every tenant.
CELERY_BEAT_SCHEDULE = {
    name: {
        "task": "tenancy.fan_out",
        "schedule": seconds,
        "args": [task],
        "tenant_schemas": ["public"],
    }
    for name, task, seconds in [
        ("outbox-sweep", "outbox.events_redispatch", float(WORKFLOW_SWEEP_SECONDS)),
        ("workflow-runs-sweep", "workflows.runs_redrive", float(WORKFLOW_SWEEP_SECONDS)),
        # idempotent per certification and threshold
        ("certification-reminders", "partners.certifications_expiring", 6 * 3600.0),
        # scheduled workflows start at most once per period and partner
        ("workflow-schedules", "workflows.schedules_run", 3600.0),
        # a reservation ends within 15 minutes of its end; reminders once per day and end
        ("reservations-expire", "deals.reservations_expire", 900.0),
        ("reservations-remind", "deals.reservations_remind", 6 * 3600.0),
        # the same for the protection of approved deal registrations
        ("deals-expire", "deals.deals_expire", 900.0),
        ("deals-remind", "deals.deals_remind", 6 * 3600.0),
        # the lookup's common name keys follow the accounts (seconds at a million)
        ("common-name-keys", "deals.common_name_keys_refresh", 24 * 3600.0),
    ]
}

# --- API ---
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: its WWW-Authenticate header turns unauthenticated calls into 401.
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "prm.api.Pagination",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "prm.api.exception_handler",
    "DEFAULT_PARSER_CLASSES": ["prm.parsers.JSONParser"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",  # APIClient in tests speaks the API's format
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "PAGE_SIZE": 50,
    # Any throttle's client address: the trusted proxies only (DRF's default, None, would
    # believe a client's X-Forwarded-For).
    "NUM_PROXIES": PRM_TRUSTED_PROXIES,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "PRM portal API",
    "DESCRIPTION": "Partner relationship management: partners, accounts, deals, MDF, "
    "workflows. Authenticate with `Authorization: Token <key>` from `/api/v1/auth/token/`.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Tags and operation ids by resource ("partners_list"), not by the version prefix.
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "prm.openapi.document_errors",
    ],
    # One name per choice set (the same names appear as fields of several resources).
    "ENUM_NAME_OVERRIDES": {
        "RoleEnum": "prm.users.models.Role",
        "MembershipRoleEnum": "partners.models.MembershipRole",
        "PartnerStatusEnum": "partners.models.PartnerStatus",
        "RunStatusEnum": "workflows.models.RunStatus",
        "ProofTypeEnum": "incentives.models.ProofType",
        "PayoutKindEnum": "incentives.models.PayoutKind",
        "EntryKindEnum": "incentives.models.EntryKind",
        "RewardKindEnum": "incentives.models.RewardKind",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"pgserver": {"level": "WARNING"}},
}
