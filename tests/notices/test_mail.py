"""The kept SMTP connection: reused between notices, and a break while sending flags the retry."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.utils import timezone

from notices import mail, services
from notices.failures import FailureKind
from notices.models import Notice
from tests.factories import complaint_create

from .conftest import SmtpServer

pytestmark = pytest.mark.django_db


@pytest.fixture
def smtp(settings, smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[SmtpServer]:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", smtp_server.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    # However slow the machine, no idle check may repair the connection the test breaks.
    monkeypatch.setattr(mail, "SMTP_IDLE_CHECK_SECONDS", 3600.0)
    smtp_server.reset()
    yield smtp_server
    mail._mail_close()
    smtp_server.reset()


def _notice(handle: str) -> Notice:
    return Notice.objects.get(complaint=complaint_create(account_handle=handle, email=f"{handle}@example.pk"))


def test_a_connection_broken_while_sending_flags_the_retry_and_the_next_attempt_reconnects(smtp):
    first, second = _notice("first_voice"), _notice("second_voice")
    assert services.notice_send(notice_id=first.pk).status == "SENT"
    kept = mail._mail.connection
    kept.connection.sock.shutdown(socket.SHUT_RDWR)  # the network drops the session mid-conversation

    assert services.notice_send(notice_id=second.pk).status == "FAILED"
    second.refresh_from_db()
    assert second.last_error_kind == FailureKind.CONNECTION and second.possible_duplicate

    Notice.objects.filter(pk=second.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    assert services.notice_send(notice_id=second.pk).status == "SENT"
    assert mail._mail.connection is not kept
    second.refresh_from_db()
    assert second.possible_duplicate  # the flag stays: the broken attempt may have delivered
    assert [str(m["Message-ID"]) for m in smtp.handler.messages] == [
        Notice.objects.get(pk=first.pk).provider_message_id,
        second.provider_message_id,
    ]


def test_a_server_that_cannot_be_reached_is_retried_without_the_duplicate_flag(smtp, settings):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        settings.EMAIL_PORT = sock.getsockname()[1]  # nothing listens there once the socket closes
    notice = _notice("unreachable_voice")
    assert services.notice_send(notice_id=notice.pk).status == "FAILED"
    notice.refresh_from_db()
    assert notice.last_error_kind == FailureKind.CONNECTION and not notice.possible_duplicate
