"""Shared inputs for the intake tests: a valid form as a citizen would send it, and files to attach."""

from __future__ import annotations

import io
from datetime import date, timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from complaints.models import Platform

NEW_URL = "/en/complaints/new/"
NEW_URL_UR = "/ur/complaints/new/"
TRACK_URL = "/en/complaints/track/"


def form_data(platform: Platform, /, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "full_name": "Farah Qureshi",
        "cnic": "35202-1234567-2",
        "mobile": "0300 1234567",
        "email": "farah@example.pk",
        "province": "PK-PB",
        "city": "Lahore",
        "preferred_language": "ur",
        "platform": str(platform.pk),
        "account_handle": "@KashmirVoice",
        "account_url": "",
        "action_type": "ACCOUNT_SUSPENDED",
        "action_date": (date.today() - timedelta(days=3)).isoformat(),
        "platform_notice_text": "Your account was suspended for violating the X Rules.",
        "appealed_to_platform": "yes",
        "platform_appeal_ref": "0123456789",
        "category": "KASHMIR_SOLIDARITY",
        "narrative": "My account was suspended after I posted about Kashmir Solidarity Day.",
        "consent_share_with_platform": "on",
        "declaration": "on",
        "homepage": "",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def png_bytes(size: tuple[int, int] = (40, 30), color: tuple[int, int, int] = (10, 120, 200)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format="PNG")
    return out.getvalue()


def jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (64, 48), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "Phone 12"  # Model
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (31.0, 31.0, 12.5)
    gps[3] = "E"
    gps[4] = (74.0, 21.0, 3.25)
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def upload(name: str, content: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.fixture
def valid(x_platform: Platform) -> dict[str, Any]:
    return form_data(x_platform)
