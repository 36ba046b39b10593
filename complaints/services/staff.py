"""Staff accounts: the second factor."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice


@transaction.atomic
def staff_totp_enrol(*, user: User, replace: bool = False, name: str = "authenticator") -> TOTPDevice:
    """A confirmed TOTP device for a member of staff: their second factor for the admin."""
    if replace:
        TOTPDevice.objects.filter(user=user).delete()
    device, _created = TOTPDevice.objects.get_or_create(user=user, name=name, defaults={"confirmed": True})
    return device
