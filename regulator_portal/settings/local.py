"""The embedded default: runs on a fresh clone with no services and no environment.

Secrets here are demo values and only ever used on a developer's machine; production.py has none.
"""

import os

os.environ.setdefault("DEBUG", "true")
os.environ.setdefault("SECRET_KEY", "local-only-insecure-key-not-for-production")
os.environ.setdefault("FIELD_ENCRYPTION_SALTS", "local-only-salt")
os.environ.setdefault("PII_HASH_KEY", "local-only-pii-hash-key")

from .base import *  # noqa: E402,F403
from .base import VAR_DIR  # noqa: E402

DEMO_DATA_ALLOWED = True

for sub in ("mail", "private", "sms"):
    (VAR_DIR / sub).mkdir(parents=True, exist_ok=True)
