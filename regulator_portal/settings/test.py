"""The test suite runs against the real services: PostgreSQL and Redis on this machine.

TEST_DATABASE_URL and TEST_REDIS_URL let parallel runs (and a running demo) keep apart.
"""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key")
os.environ.setdefault("FIELD_ENCRYPTION_SALTS", "test-only-salt")
os.environ.setdefault("PII_HASH_KEY", "test-only-pii-hash-key")

from .base import *  # noqa: E402,F403
from .base import VAR_DIR, behind_pooler, env, private_storage, ratelimit_cache  # noqa: E402

DEBUG = False
DEMO_DATA_ALLOWED = True
DATABASES = {"default": env.db("TEST_DATABASE_URL", default="postgres://root@127.0.0.1:5432/regulator_portal")}
behind_pooler(DATABASES["default"], env.str("DATABASE_POOLER", default=""))
# The suite's reports read the one test database whatever DATABASE_REPLICA_URL says: a second
# connection would not see a test's uncommitted rows. tests/scale proves the replica against a real
# standby, in processes of their own.
DATABASES["reports"] = DATABASES["default"]
REDIS_URL = env.str("TEST_REDIS_URL", default="redis://127.0.0.1:6379/14")
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL, "KEY_PREFIX": "test"}
}
CACHES["ratelimit"] = ratelimit_cache(REDIS_URL)
CELERY_BROKER_URL = REDIS_URL
# Unit tests publish nothing to a worker unless they start one; the outbox row is what they assert.
CELERY_TASK_ALWAYS_EAGER = False
# locmem unless EMAIL_URL is given: the notices tests point their worker at a real (aiosmtpd) server.
if not EMAIL_URL:
    EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
PRIVATE_MEDIA_ROOT = VAR_DIR / "test-private"
STORAGES = {
    "default": private_storage(PRIVATE_MEDIA_ROOT),
    "private": private_storage(PRIVATE_MEDIA_ROOT),
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Tests never run collectstatic: WhiteNoise serves straight from the finders instead.
STATIC_ROOT = None  # type: ignore[assignment]
WHITENOISE_USE_FINDERS = True
