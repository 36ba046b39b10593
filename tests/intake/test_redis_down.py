"""With Redis down, the public form and tracking still work: rate limiting fails open to a counter in
the worker's own memory, and says so in the log without naming anyone."""

from __future__ import annotations

import logging
import socket
import subprocess
import time

import pytest
from django.core.cache.backends.locmem import LocMemCache
from django.test import override_settings

from complaints.models import Complaint
from regulator_portal.ratelimit import LOCAL_NAME
from regulator_portal.settings.base import ratelimit_cache

from .conftest import NEW_URL, TRACK_URL, form_data

pytestmark = pytest.mark.django_db

PORT = 7131


@pytest.fixture
def private_redis():
    process = subprocess.Popen(
        ["redis-server", "--port", str(PORT), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    for _ in range(100):
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", PORT)) == 0:
                break
        time.sleep(0.05)
    LocMemCache(LOCAL_NAME, {}).clear()
    yield process
    process.kill()
    process.wait()
    LocMemCache(LOCAL_NAME, {}).clear()


def test_with_redis_down_the_form_and_tracking_work_and_limits_still_apply_per_process(
    client, x_platform, private_redis, settings, caplog
):
    caches = {**settings.CACHES, "ratelimit": ratelimit_cache(f"redis://127.0.0.1:{PORT}/0")}
    with override_settings(CACHES=caches, COMPLAINT_RATE_PER_IP="3/h", TRACK_RATE_PER_IP="100/h"):
        assert client.post(NEW_URL, form_data(x_platform, account_handle="before")).status_code == 303

        private_redis.kill()
        private_redis.wait()
        with caplog.at_level(logging.WARNING, logger="regulator_portal.ratelimit"):
            filed = client.post(NEW_URL, form_data(x_platform, account_handle="during"))
            tracked = client.post(TRACK_URL, {"reference": "PTA-2026-000001", "mobile": "0300 1234567"})
        # Counted in this process from the outage on: three more, then the friendly page.
        assert client.post(NEW_URL, form_data(x_platform, account_handle="again")).status_code == 303
        assert client.post(NEW_URL, form_data(x_platform, account_handle="and-again")).status_code == 303
        over = client.post(NEW_URL, form_data(x_platform, account_handle="too-many"))

    assert filed.status_code == 303
    assert tracked.status_code == 200
    assert over.status_code == 429
    assert set(Complaint.objects.values_list("account_handle", flat=True)) == {"before", "during", "again", "and-again"}
    warnings = [r for r in caplog.records if r.name == "regulator_portal.ratelimit" and r.levelno == logging.WARNING]
    assert warnings
    logged = " ".join(r.getMessage() for r in warnings)
    assert "rate-limit cache unreachable (ConnectionError)" in logged
    for secret in ("127.0.0.1", "35202", "3520212345672", "923001234567", "Farah"):
        assert secret not in logged
