"""/healthz: one word for the public; which dependency is down only for monitoring."""

import subprocess
import time

import pytest
from django.test import override_settings

PUBLIC = {"REMOTE_ADDR": "203.0.113.7"}
TOKEN = "monitoring-token-" + "k" * 32


def test_healthz_gives_an_internal_caller_the_database_and_broker(client, db):
    response = client.get("/healthz", REMOTE_ADDR="127.0.0.1")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}


def test_healthz_gives_a_public_caller_only_ok(client, db):
    response = client.get("/healthz", **PUBLIC)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert response.content == b"ok"


def test_a_request_relayed_by_the_proxy_from_loopback_is_public(client, db):
    response = client.get("/healthz", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.7")
    assert response.content == b"ok"


@override_settings(HEALTHZ_INTERNAL_IPS=["10.20.0.0/16"])
def test_an_address_in_an_internal_network_sees_the_details(client, db):
    assert client.get("/healthz", REMOTE_ADDR="10.20.3.4").json()["database"] == "ok"
    assert client.get("/healthz", REMOTE_ADDR="10.21.3.4").content == b"ok"
    assert client.get("/healthz", REMOTE_ADDR="127.0.0.1").content == b"ok"  # loopback is not listed now


@override_settings(HEALTHZ_TOKEN=TOKEN)
def test_the_bearer_token_shows_the_details_from_anywhere_and_a_wrong_one_does_not(client, db):
    assert client.get("/healthz", HTTP_AUTHORIZATION=f"Bearer {TOKEN}", **PUBLIC).json()["broker"] == "ok"
    assert client.get("/healthz", HTTP_AUTHORIZATION=f"Bearer {TOKEN}x", **PUBLIC).content == b"ok"
    assert client.get("/healthz", HTTP_AUTHORIZATION=f"Basic {TOKEN}", **PUBLIC).content == b"ok"


def test_an_empty_token_setting_accepts_no_token(client, db):
    assert client.get("/healthz", HTTP_AUTHORIZATION="Bearer ", **PUBLIC).content == b"ok"


@pytest.fixture
def stopped_redis_url():
    """A broker address where nothing listens: a private Redis we start and then stop."""
    proc = subprocess.Popen(
        ["redis-server", "--port", "7641", "--save", "", "--appendonly", "no"], stdout=subprocess.DEVNULL
    )
    time.sleep(0.3)
    proc.terminate()
    proc.wait(timeout=10)
    return "redis://127.0.0.1:7641/0"


@pytest.fixture
def broker_down(stopped_redis_url):
    from django.conf import settings

    from regulator_portal.celery import app

    def point_at(url: str) -> None:
        # The connection and producer pools keep the URL they were made with: a later test that
        # publishes (assignment, notices) would otherwise still talk to the stopped server.
        app.conf.broker_url = url
        app._pool = None
        app.amqp._producer_pool = None

    original = settings.CELERY_BROKER_URL  # read before the override below replaces it
    with override_settings(CELERY_BROKER_URL=stopped_redis_url):
        point_at(stopped_redis_url)
        try:
            yield
        finally:
            point_at(original)


def test_healthz_is_503_and_names_the_broker_to_an_internal_caller(client, db, broker_down):
    response = client.get("/healthz", REMOTE_ADDR="127.0.0.1")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "ok", "broker": "unavailable"}


def test_healthz_is_503_unavailable_to_a_public_caller_without_saying_why(client, db, broker_down):
    response = client.get("/healthz", **PUBLIC)
    assert response.status_code == 503
    assert response.content == b"unavailable"


def test_private_storage_gives_no_url_for_evidence():
    from django.core.files.storage import storages

    with pytest.raises(ValueError, match="no URL"):
        storages["private"].url("evidence/2026/11/abc")
