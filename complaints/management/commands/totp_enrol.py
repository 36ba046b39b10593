"""Give a member of staff a TOTP device, and print what their authenticator app needs.

The admin lets nobody in without a verified device, so this is how an administrator enrols a new
caseworker: run it, hand over the otpauth URI (or the QR code) in person, and the caseworker adds
it to an authenticator app such as FreeOTP, Aegis or Google Authenticator.
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError
from django_otp.plugins.otp_totp.models import TOTPDevice

from complaints.services import staff_totp_enrol


class Command(BaseCommand):
    help = "Create (or with --replace, re-create) a user's TOTP device and print its otpauth URI."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--replace", action="store_true", help="Discard the user's existing TOTP devices first.")
        parser.add_argument("--qr", action="store_true", help="Also print the URI as a QR code for the terminal.")

    def handle(self, *args: Any, username: str, replace: bool, qr: bool, **options: Any) -> None:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"There is no user {username!r}.")
        if not replace and TOTPDevice.objects.filter(user=user).exists():
            raise CommandError(f"{username} already has a TOTP device; use --replace to issue a new one.")
        device = staff_totp_enrol(user=user, replace=replace)
        self.stdout.write(f"otpauth URI for {username}: {device.config_url}")
        if qr:
            import qrcode

            code = qrcode.QRCode(border=1)
            code.add_data(device.config_url)
            code.print_ascii(out=self.stdout)
