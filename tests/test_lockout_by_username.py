"""A staff username is locked after repeated failures from many addresses, not only from one."""

from __future__ import annotations

import io

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.core.management import call_command
from django.test import Client

from complaints.services import staff_totp_enrol
from tests.cases.test_sign_in import LOGIN, current_code
from tests.conftest import STAFF_PASSWORD

pytestmark = pytest.mark.django_db


def sign_in(device, address: str):
    client = Client(REMOTE_ADDR=address)
    response = client.post(LOGIN, {"username": "sana", "password": STAFF_PASSWORD, "otp_token": current_code(device)})
    return response, client


@pytest.fixture
def sana_guessed_from_many_addresses(sana):
    """One wrong guess at Sana's password from each of AXES_FAILURE_LIMIT different addresses."""
    device = staff_totp_enrol(user=sana)
    for i in range(settings.AXES_FAILURE_LIMIT):
        Client(REMOTE_ADDR=f"198.51.100.{i + 1}").post(
            LOGIN, {"username": "sana", "password": f"guess-{i}-wrong-password", "otp_token": "000000"}
        )
    return device


def test_failures_spread_over_many_addresses_lock_the_username_even_for_the_right_password_and_code(
    sana_guessed_from_many_addresses,
):
    response, client = sign_in(sana_guessed_from_many_addresses, "203.0.113.50")
    assert response.status_code == 429
    assert "Sign-in locked" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_lock_ends_after_the_cool_off(sana_guessed_from_many_addresses):
    AccessAttempt.objects.update(attempt_time=AccessAttempt.objects.first().attempt_time - settings.AXES_COOLOFF_TIME)
    response, client = sign_in(sana_guessed_from_many_addresses, "203.0.113.50")
    assert response.status_code == 302 and "_auth_user_id" in client.session


def test_an_operator_unlocks_the_username_with_axes_reset_username(sana_guessed_from_many_addresses):
    call_command("axes_reset_username", "sana", stdout=io.StringIO())
    response, client = sign_in(sana_guessed_from_many_addresses, "203.0.113.50")
    assert response.status_code == 302 and "_auth_user_id" in client.session


def test_failures_for_another_username_leave_sana_alone(sana):
    device = staff_totp_enrol(user=sana)
    for i in range(settings.AXES_FAILURE_LIMIT):
        Client(REMOTE_ADDR=f"198.51.100.{i + 1}").post(
            LOGIN, {"username": "omar", "password": "wrong-password-123", "otp_token": "000000"}
        )
    response, client = sign_in(device, "203.0.113.50")
    assert response.status_code == 302 and "_auth_user_id" in client.session
