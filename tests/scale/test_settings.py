"""What the scale-out variables switch on, read from production settings as a web host would start."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.intake.test_deploy_check import BASE_DIR, production_env

from .conftest import manage

DESCRIBE = (
    "import json\n"
    "from django.conf import settings\n"
    "from complaints.models import Evidence\n"
    "from notices.models import ReplyAttachment\n"
    "from reports.models import ExportJob, MonthlyReport\n"
    "fields = [Evidence, ReplyAttachment, ExportJob, MonthlyReport]\n"
    "storages = sorted({type(f.storage).__name__ for m in fields for f in m._meta.fields if hasattr(f, 'storage')})\n"
    "s3 = settings.STORAGES['private']['OPTIONS']\n"
    "print('SETTINGS', json.dumps({'storages': storages, 'options': {k: s3.get(k) for k in"
    " ('object_parameters', 'default_acl', 'querystring_auth', 'bucket_name', 'endpoint_url')},"
    " 'cursors': {a: d.get('DISABLE_SERVER_SIDE_CURSORS', False) for a, d in settings.DATABASES.items()},"
    " 'replica': settings.DATABASES['reports'] is not settings.DATABASES['default']}))\n"
)

SCALED = {
    "AWS_STORAGE_BUCKET_NAME": "portal-private",
    "AWS_S3_ENDPOINT_URL": "https://s3.internal",
    "AWS_ACCESS_KEY_ID": "key",
    "AWS_SECRET_ACCESS_KEY": "secret",
    "DATABASE_URL": "postgres://portal:secret@pgbouncer.internal:6432/portal",
    "DATABASE_POOLER": "pgbouncer",
    "DATABASE_REPLICA_URL": "postgres://portal:secret@replica.internal:5432/portal",
}


def describe(**overrides: str) -> dict:
    return json.loads(
        manage(production_env(**overrides), "shell", "--no-startup", "-c", DESCRIBE).split("SETTINGS")[-1]
    )


def test_without_the_variables_files_stay_on_the_local_private_disk_and_one_database_serves_all():
    seen = describe()
    assert seen["storages"] == ["PrivateFileSystemStorage"]
    assert seen["cursors"] == {"default": False, "reports": False}
    assert seen["replica"] is False


def test_with_them_every_private_file_goes_to_the_bucket_encrypted_and_the_pool_has_no_server_cursors():
    seen = describe(**SCALED)
    assert seen["storages"] == ["PrivateS3Storage"]
    assert seen["options"] == {
        "object_parameters": {"ServerSideEncryption": "AES256"},
        "default_acl": None,
        "querystring_auth": True,
        "bucket_name": "portal-private",
        "endpoint_url": "https://s3.internal",
    }
    assert seen["cursors"] == {"default": True, "reports": True}
    assert seen["replica"] is True


def test_check_deploy_stays_clean_scaled_out_and_an_unknown_pooler_stops_the_start():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=production_env(**SCALED),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    refused = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=BASE_DIR,
        env=production_env(DATABASE_POOLER="pgpool"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert refused.returncode != 0 and "DATABASE_POOLER='pgpool'" in refused.stderr


def test_the_client_address_for_rate_limits_must_come_from_a_request_header():
    # Behind the load balancer: its X-Real-IP header. Anything else (a typo, REMOTE_ADDR spelt
    # differently) would stop every rate-limited page with a 500, so it stops the start instead.
    refused = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=BASE_DIR,
        env=production_env(RATELIMIT_IP_META_KEY="X-Real-IP"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert refused.returncode != 0 and "RATELIMIT_IP_META_KEY" in refused.stderr
