"""Production: every secret must come from the environment, and there is no default for any of them."""

from .base import *  # noqa: F403
from .base import behind_pooler, env, env_bool, ratelimit_cache, reports_database

DEBUG = False
# Not read from the environment: no variable can bring demo staff and their known passwords here.
DEMO_DATA_ALLOWED = False
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
DATABASES = {"default": env.db("DATABASE_URL")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
behind_pooler(DATABASES["default"], env.str("DATABASE_POOLER", default=""))
DATABASES["reports"] = reports_database(DATABASES["default"])
REDIS_URL = env.str("REDIS_URL")
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL, "KEY_PREFIX": "portal"}
}
CACHES["ratelimit"] = ratelimit_cache(REDIS_URL)
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_TASK_ALWAYS_EAGER = False
vars().update(env.email_url("EMAIL_URL"))
PUBLIC_BASE_URL = env.str("PUBLIC_BASE_URL").rstrip("/")

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
X_FRAME_OPTIONS = "DENY"

# Citizens without an email address hear from us only by SMS. In production that goes through the
# gateway, whose address and token have no default: a missing one would otherwise surface only as
# notices going DEAD, one retry schedule later.
SMS_BACKEND = env.str("SMS_BACKEND", default="notices.sms.HttpGatewayBackend")
if SMS_BACKEND == "notices.sms.HttpGatewayBackend":
    SMS_GATEWAY_URL = env.str("SMS_GATEWAY_URL")
    SMS_GATEWAY_TOKEN = env.str("SMS_GATEWAY_TOKEN")
