"""Settings shared by every environment.

Everything that differs between a laptop and production is read from the environment through the
single ``env`` object of environment.py. A malformed value (``DEBUG=ture``) raises instead of silently
becoming False.
"""

import ipaddress
from datetime import timedelta
from pathlib import Path
from typing import Any

import environ
from csp.constants import NONCE, NONE, SELF
from django.utils.translation import gettext_lazy as _

from .environment import BASE_DIR, VAR_DIR, env, env_bool
from .portal import REGULATOR_EMAIL, REGULATOR_SHORT_NAME

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env.str("SECRET_KEY")
SECRET_KEY_FALLBACKS = env.list("SECRET_KEY_FALLBACKS", default=[])
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])


INSTALLED_APPS = [
    "regulator_portal.admin.PortalAdminConfig",  # django.contrib.admin with a second factor
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "csp",
    "complaints",
    "notices",
    "reports",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks, so it sees the outcome of every authentication attempt.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "regulator_portal.urls"
WSGI_APPLICATION = "regulator_portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "regulator_portal.context_processors.regulator",
            ],
        },
    },
]

# --- Data stores -------------------------------------------------------------------------------
# Without DATABASE_URL the portal falls back to SQLite under var/: a first look only.
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'portal.sqlite3'}"),
}
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))


def behind_pooler(database: dict, pooler: str) -> dict:
    """A database reached through PgBouncer in transaction mode (DATABASE_POOLER=pgbouncer).

    Consecutive transactions may run on different server connections there, so nothing may outlive
    a transaction: Django's server-side cursors are declared WITH HOLD outside one (an export's
    ``.iterator()`` in autocommit) and would vanish or leak. Django already turns psycopg's
    prepared statements off, the other thing such a pooler breaks.
    """
    if pooler not in {"", "pgbouncer"}:
        raise environ.ImproperlyConfigured(f"DATABASE_POOLER={pooler!r}: only pgbouncer is known")
    if pooler:
        database["DISABLE_SERVER_SIDE_CURSORS"] = True
    return database


def reports_database(default: dict) -> dict:
    """The database that reports read from: a replica when DATABASE_REPLICA_URL is set, else ``default``.

    Without a replica the alias is the very same settings dict, which regulator_portal.routers reads
    as "use the default connection": a second connection to the same database would not see what
    the current transaction wrote.
    """
    replica_url = env.str("DATABASE_REPLICA_URL", default="")
    if not replica_url:
        return default
    replica = env.db_url_config(replica_url)
    replica.setdefault("CONN_MAX_AGE", default.get("CONN_MAX_AGE", 0))
    behind_pooler(replica, env.str("DATABASE_REPLICA_POOLER", default=env.str("DATABASE_POOLER", default="")))
    # Tests never create a second database for it: the replica stands for default.
    replica["TEST"] = {"MIRROR": "default"}
    return replica


behind_pooler(DATABASES["default"], env.str("DATABASE_POOLER", default=""))
DATABASES["reports"] = reports_database(DATABASES["default"])
DATABASE_ROUTERS = ["regulator_portal.routers.ReportsRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "portal",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Celery ------------------------------------------------------------------------------------
# At-least-once delivery: a task is acknowledged only after it ran, and a worker that dies mid-task
# hands it back. Sending is made idempotent by the notices app, not by the broker.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "memory://")
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 10 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 9 * 60
# Longer than the longest task (the hard time limit above), or Redis would hand a still-running
# task to a second worker.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 60 * 60,
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {
    "notices.tasks.*": {"queue": "notices"},
    # A new case's assignment is seconds-sensitive: never queued behind a long sweep.
    "complaints.tasks.cases_autoassign_task": {"queue": "default"},
    "complaints.tasks.evidence_clean_task": {"queue": "default"},
    "complaints.tasks.*": {"queue": "long"},
    "reports.tasks.*": {"queue": "long"},
}
CELERY_TASK_QUEUES_ALL = ["default", "notices", "long"]
# CELERY_BEAT_SCHEDULE, the portal's periodic work, is in portal.py.
CELERY_TIMEZONE = "Asia/Karachi"
# Worker processes keep their database connections across tasks for this long (regulator_portal/celery.py).
WORKER_CONN_MAX_AGE = env.int("WORKER_CONN_MAX_AGE", default=10 * 60)

# --- Email -------------------------------------------------------------------------------------
# EMAIL_URL in django-environ's form selects the backend; without it mail is written to var/mail/.
EMAIL_URL = env.str("EMAIL_URL", default="")
if EMAIL_URL:
    vars().update(env.email_url("EMAIL_URL"))
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = str(VAR_DIR / "mail")
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default=REGULATOR_EMAIL)
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Auth --------------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "regulator_portal.backends.PortalModelBackend",  # ModelBackend, permissions in one query
]
LOGIN_URL = "admin:login"
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=30))
# A username is locked after AXES_FAILURE_LIMIT failures from one address, and also from any mix of
# addresses, so a guesser cannot rotate addresses (a botnet, a VPN) to keep trying one staff account.
# The price: anyone who knows a staff username can lock it for the cool-off; an operator unlocks it
# with `manage.py axes_reset_username USERNAME` (docs/security/at-rest-and-deployment.md).
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "admin/locked_out.html"

SESSION_COOKIE_AGE = env.int("SESSION_IDLE_SECONDS", default=30 * 60)
SESSION_SAVE_EVERY_REQUEST = True  # the age above then measures idleness, not time since login
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
# A translated 403 page that tells the citizen to reload, instead of Django's technical one.
CSRF_FAILURE_VIEW = "regulator_portal.errors.csrf_failure"
OTP_TOTP_ISSUER = REGULATOR_SHORT_NAME

# --- PII ---------------------------------------------------------------------------------------
# django-fernet-encrypted-fields derives its Fernet keys from SECRET_KEY (+ fallbacks) and SALT_KEY.
# Both lists are tried on read, the first pair is used on write: see docs/operations.md for rotation.
SALT_KEY = env.list("FIELD_ENCRYPTION_SALTS")
# Keyed hash for exact lookups of CNIC and mobile without decrypting every row.
PII_HASH_KEY = env.str("PII_HASH_KEY")

# --- Content-Security-Policy (django-csp) ------------------------------------------------------
# Everything comes from our own origin (no CDN); an inline <script> or <style> runs only with the
# per-request nonce ({{ request.csp_nonce }}), so injected markup cannot run or restyle a page. No
# page may be framed (clickjacking), forms post only to us, and <base> cannot redirect relative URLs.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        # data: for the empty favicon in base.html; an image cannot run anything.
        "img-src": [SELF, "data:"],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [NONE],
        "object-src": [NONE],
    },
}

# --- Health check (/healthz) -------------------------------------------------------------------
# Addresses or networks (CIDR) whose direct requests see which dependency failed; a request relayed
# by a proxy (X-Forwarded-For) never counts as internal. HEALTHZ_TOKEN, if set, is a bearer token
# that shows the details from anywhere. Everyone else gets "ok" or "unavailable".
# A malformed entry stops the start-up here rather than failing every health check.
HEALTHZ_INTERNAL_IPS = [
    str(ipaddress.ip_network(net)) for net in env.list("HEALTHZ_INTERNAL_IPS", default=["127.0.0.1", "::1"])
]
HEALTHZ_TOKEN = env.str("HEALTHZ_TOKEN", default="")

# --- Demo data ---------------------------------------------------------------------------------
# seed_demo and seed_bulk write known passwords and invented complainants. Only the local and test
# settings turn this on; any other settings module (production, or a new one) refuses them.
DEMO_DATA_ALLOWED = False

# --- i18n --------------------------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("ur", _("Urdu"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Karachi"
USE_I18N = True
USE_TZ = True
# "3 Dec 2026, 14:05": the locale's formats decide (Django 5 always localises), so they live in
# regulator_portal/formats/<language>/formats.py rather than in DATE_FORMAT and friends.
FORMAT_MODULE_PATH = ["regulator_portal.formats"]
DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j M Y, H:i"
SHORT_DATE_FORMAT = DATE_FORMAT
SHORT_DATETIME_FORMAT = DATETIME_FORMAT

# --- Files -------------------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(VAR_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
# Evidence is never under MEDIA_URL: it lives in a private storage with no URL and is streamed by
# a permission-checked view. MEDIA_URL is deliberately unset.
PRIVATE_MEDIA_ROOT = Path(env.str("PRIVATE_MEDIA_ROOT", default=str(VAR_DIR / "private")))


def private_storage(location: Path) -> dict[str, Any]:
    """Evidence, reply attachments, exports and annexes: S3-compatible object storage when
    AWS_STORAGE_BUCKET_NAME is set, else the private directory ``location`` on this machine.

    Both have no URL at all (regulator_portal/storage.py): files leave only through the
    permission-checked views, which stream them. In the bucket every object is encrypted at rest
    (SSE, AES256) and carries no ACL of its own, so it stays as private as the bucket, which must
    block public access (docs/deploy.md). django-storages' own variable names are kept.
    """
    bucket = env.str("AWS_STORAGE_BUCKET_NAME", default="")
    if not bucket:
        return {"BACKEND": "regulator_portal.storage.PrivateFileSystemStorage", "OPTIONS": {"location": location}}
    return {
        "BACKEND": "regulator_portal.storage.PrivateS3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "endpoint_url": env.str("AWS_S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("AWS_S3_REGION_NAME", default="") or None,
            "access_key": env.str("AWS_ACCESS_KEY_ID", default="") or None,
            "secret_key": env.str("AWS_SECRET_ACCESS_KEY", default="") or None,
            "addressing_style": env.str("AWS_S3_ADDRESSING_STYLE", default="") or None,
            "location": env.str("AWS_LOCATION", default=""),
            "object_parameters": {"ServerSideEncryption": "AES256"},
            "default_acl": None,
            "querystring_auth": True,
            "file_overwrite": False,
            "signature_version": "s3v4",
        },
    }


STORAGES = {
    "default": private_storage(PRIVATE_MEDIA_ROOT),
    "private": private_storage(PRIVATE_MEDIA_ROOT),
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
EVIDENCE_MAX_FILES = env.int("EVIDENCE_MAX_FILES", default=5)
EVIDENCE_MAX_BYTES = env.int("EVIDENCE_MAX_BYTES", default=5 * 1024 * 1024)
EVIDENCE_MAX_PIXELS = env.int("EVIDENCE_MAX_PIXELS", default=40_000_000)
# Decoding is bounded per picture by the memory its pixels need at once (decoded plus one converted or
# rotated copy) and per request by the pixels decoded in all, so five files cannot take five times it.
EVIDENCE_MAX_DECODE_BYTES = env.int("EVIDENCE_MAX_DECODE_BYTES", default=160 * 1024 * 1024)
EVIDENCE_MAX_REQUEST_PIXELS = env.int("EVIDENCE_MAX_REQUEST_PIXELS", default=64_000_000)
# Django refuses a request body over this size with a 400 before our form sees it; leave room for
# the maximum number of maximum-size files plus the text fields.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024


# --- Abuse limits (django-ratelimit, counted in the cache) --------------------------------------
# Redis that fails open to a per-process counter (regulator_portal/ratelimit.py), with short timeouts
# so that a Redis that hangs cannot hold the public pages. test.py and production.py call it again.
def ratelimit_cache(redis_url: str) -> dict[str, Any]:
    if not redis_url:
        return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "ratelimit"}
    return {
        "BACKEND": "regulator_portal.ratelimit.FailOpenRedisCache",
        "LOCATION": redis_url,
        "KEY_PREFIX": "ratelimit",
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }


CACHES["ratelimit"] = ratelimit_cache(REDIS_URL)
RATELIMIT_USE_CACHE = "ratelimit"
# Behind a load balancer REMOTE_ADDR is the balancer, and every citizen would share one count. Name the
# request header that carries the client's address (HTTP_X_REAL_IP), one the balancer always overwrites:
# a header the client can set, or one holding a list (X-Forwarded-For), would let anyone pick their count.
RATELIMIT_IP_META_KEY = env.str("RATELIMIT_IP_META_KEY", default="") or None
if RATELIMIT_IP_META_KEY and not RATELIMIT_IP_META_KEY.startswith("HTTP_"):
    raise environ.ImproperlyConfigured("RATELIMIT_IP_META_KEY names a request header, such as HTTP_X_REAL_IP")
# A counter that expires between django-ratelimit's add and incr reads as "no count": let that through.
RATELIMIT_FAIL_OPEN = True
RATELIMIT_VIEW = "complaints.views.rate_limited"
# Complaints filed per address (failed validations do not count: carrier NAT puts many people behind
# one address), and a higher ceiling on every POST from it, against floods.
COMPLAINT_RATE_PER_IP = env.str("COMPLAINT_RATE_PER_IP", default="10/h")
COMPLAINT_FLOOD_RATE_PER_IP = env.str("COMPLAINT_FLOOD_RATE_PER_IP", default="60/h")
COMPLAINT_RATE_PER_CNIC = env.str("COMPLAINT_RATE_PER_CNIC", default="3/d")
# A new case still unassigned this long after it opened lost its assignment task: beat assigns it.
CASE_AUTOASSIGN_SWEEP_AFTER_SECONDS = env.int("CASE_AUTOASSIGN_SWEEP_AFTER_SECONDS", default=60)
# A new case is assigned this long after the first submission that publishes the task; the ones each
# web process files meanwhile go with it (one task per process and window, not one per case).
CASE_AUTOASSIGN_BATCH_SECONDS = env.float("CASE_AUTOASSIGN_BATCH_SECONDS", default=0.5)
# A picture is re-encoded by a batch task this long after the submission's commit (complaints.services.evidence).
EVIDENCE_CLEAN_BATCH_SECONDS = env.float("EVIDENCE_CLEAN_BATCH_SECONDS", default=0.5)
TRACK_RATE_PER_IP = env.str("TRACK_RATE_PER_IP", default="20/h")
# Admin searches by a complainant's CNIC or mobile, per member of staff: each is logged, and the cap
# stops anyone walking the number space even with the permission.
PII_SEARCH_RATE_PER_USER = env.str("PII_SEARCH_RATE_PER_USER", default="30/h")

# Every handler carries the PII filter (regulator_portal/logging.py). Django's own loggers lose the
# handlers Django gives them (a console and mail_admins, which would mail a request's POST data) and
# propagate to ours, so no line leaves the process unfiltered.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"pii": {"()": "regulator_portal.logging.PiiRedactingFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["pii"]}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.server": {"handlers": [], "level": "INFO", "propagate": True},
        "django.db.backends": {"level": "WARNING"},
    },
}

# The portal's own settings (the regulator, notices, advance notices, reports, deadlines, the API,
# exports) live in portal.py.
from .portal import *  # noqa: E402,F403
