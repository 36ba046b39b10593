"""Fixtures for the advance-notice tests: the roles' grants, a notice as a platform would send it,
and the notices tests' real SMTP server, Celery workers and staff client."""

from __future__ import annotations

import importlib
import shutil
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.utils import timezone

from complaints.models import Platform
from notices.models import AdvanceNotice
from notices.services import advance_notice_submit

from ..notices.conftest import (  # noqa: F401 - fixtures shared with the notices tests
    _sms_in_memory,
    private_redis,
    smtp_server,
    staff_client,
    use_broker,
    wait_for,
)
from .receiver import Receiver, certificate_directory, free_port, self_signed_certificate


@pytest.fixture(autouse=True)
def _advance_grants(request: pytest.FixtureRequest, _roles_and_letter_templates: None) -> None:
    """The advance-notice grants, written again after a transactional test truncated them (as tests/conftest.py)."""
    uses_db = request.node.get_closest_marker("django_db") or {"db", "transactional_db", "live_server"} & set(
        request.fixturenames
    )
    if not uses_db:
        return
    originals = {config.label: config.models_module for config in django_apps.get_app_configs()}
    try:
        importlib.import_module("notices.migrations.0011_advance_notice_permissions").grant(django_apps, None)
    finally:
        for config in django_apps.get_app_configs():
            config.models_module = originals[config.label]


def notice_data(**overrides: Any) -> dict[str, Any]:
    """What X would send: it intends to suspend @KashmirVoice in three days, on its own rules."""
    received = overrides.pop("received_at", None) or timezone.now()
    values: dict[str, Any] = {
        "account_handle": "@KashmirVoice",
        "puid": "1456789012345678901",
        "decision_account": "SUSPENDED",
        "decision_visibility": [],
        "territorial_scope": ["PK"],
        "decision_ground": "INCOMPATIBLE_CONTENT",
        "tos_ground": "Violent speech policy",
        "explanation": "Posts on 5 February glorify violence.",
        "content_urls": ["https://x.com/KashmirVoice/status/1"],
        "content_text": "",
        "automated_detection": True,
        "automated_decision": "PARTIALLY",
        "proposed_effective_date": received + timedelta(days=3),
        "received_at": received,
        "platform_reference": "X-TS-2026-0042",
    }
    values.update(overrides)
    return values


def notice_submit(platform: Platform, *, source: str = "API", actor: Any = None, **overrides: Any) -> AdvanceNotice:
    return advance_notice_submit(platform=platform, data=notice_data(**overrides), source=source, actor=actor)


def at(notice: AdvanceNotice, hours: float) -> datetime:
    """A moment relative to the notice's deadline: at(n, -6) is six hours before it."""
    return notice.response_due_at + timedelta(hours=hours)


WEBHOOK_SECRET = "x-webhook-secret-0123456789abcdef0123"


@pytest.fixture(scope="module")
def tls_files() -> Iterator[tuple[Path, Path]]:
    directory = certificate_directory()
    yield self_signed_certificate(directory)
    shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def receiver(tls_files: tuple[Path, Path], settings: Any) -> Iterator[Receiver]:
    """X's webhook receiver on https://127.0.0.1:77xx, trusted through WEBHOOK_CA_BUNDLE only."""
    cert, key = tls_files
    settings.WEBHOOK_CA_BUNDLE = str(cert)
    server = Receiver(secret=WEBHOOK_SECRET, port=free_port(), cert=cert, key=key)
    server.start()
    yield server
    server.stop()
