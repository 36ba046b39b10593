"""The second factor, the lockout and the idle timeout, through the real login form."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone
from django_otp.oath import totp

from complaints.services import staff_totp_enrol
from tests.conftest import STAFF_PASSWORD

from .conftest import verified_client

pytestmark = pytest.mark.django_db
LOGIN = "/admin/login/?next=/admin/complaints/case/"


def current_code(device) -> str:
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def test_staff_with_password_and_totp_code_gets_in(sana):
    device = staff_totp_enrol(user=sana)
    client = Client()
    response = client.post(LOGIN, {"username": "sana", "password": STAFF_PASSWORD, "otp_token": current_code(device)})
    assert response.status_code == 302 and response["Location"] == "/admin/complaints/case/"
    assert client.get("/admin/complaints/case/").status_code == 200


def test_password_alone_is_not_enough(sana):
    staff_totp_enrol(user=sana)
    client = Client()
    response = client.post(LOGIN, {"username": "sana", "password": STAFF_PASSWORD})
    assert response.status_code == 200 and "_auth_user_id" not in client.session
    assert client.get("/admin/complaints/case/").status_code == 302


def test_staff_without_a_device_cannot_get_in(sana):
    client = Client()
    response = client.post(LOGIN, {"username": "sana", "password": STAFF_PASSWORD, "otp_token": "123456"})
    assert response.status_code == 200 and "_auth_user_id" not in client.session
    # Even a password session made some other way is not enough without a verified device.
    client.force_login(sana, backend="regulator_portal.backends.PortalModelBackend")
    response = client.get("/admin/complaints/case/")
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")


def test_repeated_failures_lock_the_account_out_even_with_the_right_password(sana):
    device = staff_totp_enrol(user=sana)
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(LOGIN, {"username": "sana", "password": "wrong-password-123", "otp_token": "000000"})
    response = client.post(LOGIN, {"username": "sana", "password": STAFF_PASSWORD, "otp_token": current_code(device)})
    assert response.status_code == 429
    assert "Sign-in locked" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_wrong_codes_count_towards_the_lockout_too(sana):
    device = staff_totp_enrol(user=sana)
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = client.post(LOGIN, {"username": "sana", "password": STAFF_PASSWORD, "otp_token": "000000"})
        assert response.status_code in (200, 429)
    response = client.post(LOGIN, {"username": "sana", "password": STAFF_PASSWORD, "otp_token": current_code(device)})
    assert response.status_code == 429 and "_auth_user_id" not in client.session


def test_an_idle_session_expires_and_activity_keeps_it_alive(sana):
    client = verified_client(sana)
    key = client.session.session_key
    Session.objects.filter(pk=key).update(expire_date=timezone.now() + timedelta(seconds=5))
    assert client.get("/admin/complaints/case/").status_code == 200
    # The request pushed the expiry a full idle period ahead: it measures idleness, not session age.
    expires = Session.objects.get(pk=key).expire_date
    assert expires > timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE - 60)
    Session.objects.filter(pk=key).update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get("/admin/complaints/case/")
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
