"""Production settings pass Django's deployment checklist with production-like environment variables."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]


def production_env(**overrides: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "TEST_", "DATABASE_", "REDIS_", "EMAIL_", "SECRET_", "DEBUG", "SMS_"))
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "regulator_portal.settings.production",
            "SECRET_KEY": secrets.token_urlsafe(64),
            "DATABASE_URL": "postgres://portal:secret@db.internal:5432/portal",
            "REDIS_URL": "redis://redis.internal:6379/0",
            "EMAIL_URL": "smtp+tls://mailer:secret@smtp.internal:587",
            "ALLOWED_HOSTS": "complaints.pta.gov.pk",
            "CSRF_TRUSTED_ORIGINS": "https://complaints.pta.gov.pk",
            "PUBLIC_BASE_URL": "https://complaints.pta.gov.pk",
            "FIELD_ENCRYPTION_SALTS": f"{secrets.token_hex(16)},{secrets.token_hex(16)}",
            "PII_HASH_KEY": secrets.token_urlsafe(48),
            "SMS_GATEWAY_URL": "https://sms.internal/api/send",
            "SMS_GATEWAY_TOKEN": secrets.token_urlsafe(32),
        }
    )
    env.update(overrides)
    return {key: value for key, value in env.items() if value}


def test_check_deploy_reports_no_issues_with_production_settings():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=production_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_refuses_to_start_without_its_secrets():
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "PII_HASH_KEY", "FIELD_ENCRYPTION_SALTS"}}
    env.update({"DJANGO_SETTINGS_MODULE": "regulator_portal.settings.production"})
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_refuses_to_start_without_the_sms_gateway():
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=BASE_DIR,
        env=production_env(SMS_GATEWAY_TOKEN=""),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "SMS_GATEWAY_TOKEN" in result.stderr
