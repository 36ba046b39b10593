"""Signing staff in the way the admin demands: a password session plus a verified TOTP device."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice


def totp_device(user: User) -> TOTPDevice:
    device, _ = TOTPDevice.objects.get_or_create(user=user, name="authenticator", defaults={"confirmed": True})
    return device


def verified_client(user: User) -> Client:
    """A client whose session is signed in and verified by the user's TOTP device."""
    client = Client()
    client.force_login(user, backend="regulator_portal.backends.PortalModelBackend")
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = totp_device(user).persistent_id
    session.save()
    return client
