import subprocess
import time

import pytest
from django.test import override_settings


def test_healthz_reports_database_and_broker_ok(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "broker": "ok"}


@pytest.fixture
def stopped_redis_url():
    """A broker address where nothing listens: a private Redis we start and then stop."""
    proc = subprocess.Popen(
        ["redis-server", "--port", "6399", "--save", "", "--appendonly", "no"], stdout=subprocess.DEVNULL
    )
    time.sleep(0.3)
    proc.terminate()
    proc.wait(timeout=10)
    return "redis://127.0.0.1:6399/0"


def test_healthz_is_503_when_the_broker_is_down(client, db, stopped_redis_url):
    from regulator_portal.celery import app

    with override_settings(CELERY_BROKER_URL=stopped_redis_url):
        app.conf.broker_url = stopped_redis_url
        try:
            response = client.get("/healthz")
        finally:
            from django.conf import settings

            app.conf.broker_url = settings.CELERY_BROKER_URL
    assert response.status_code == 503
    assert response.json() == {"database": "ok", "broker": "unavailable"}


def test_private_storage_gives_no_url_for_evidence():
    from django.core.files.storage import storages

    with pytest.raises(ValueError, match="no URL"):
        storages["private"].url("evidence/2026/11/abc")
